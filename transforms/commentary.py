"""Commentary lines split into the Korean text and its English translation."""

from __future__ import annotations

import re
from dataclasses import dataclass

_HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")
_ENGLISH_OPEN = "<english>"
_ENGLISH_CLOSE = "</english>"
_WORD = re.compile(r"[A-Za-z]{2,}")


def has_hangul(text: str) -> bool:
    return _HANGUL.search(text) is not None


def is_marker(line: str) -> bool:
    """``<english>`` / ``</english>`` lines mark the translation; they are not commentary."""
    return line.strip().lower() in (_ENGLISH_OPEN, _ENGLISH_CLOSE)


def _is_prose(line: str) -> bool:
    return len(_WORD.findall(line)) >= 5


@dataclass(frozen=True, slots=True)
class Commentary:
    text: str | None
    ko: str | None
    en: str | None


def _join(lines: list[str]) -> str | None:
    return "\n".join(lines) if lines else None


def split_commentary(lines: list[str]) -> Commentary:
    """All commentary lines in order (markers dropped), and their Korean / English parts.

    The translation is what an ``<english>`` block holds (an unclosed block runs to the end),
    or else the English paragraphs that follow the last Korean one. Commentary with no Hangul
    at all is English only.
    """
    kept = [line for line in lines if not is_marker(line)]
    if not kept:
        return Commentary(None, None, None)
    if any(line.strip().lower() == _ENGLISH_OPEN for line in lines):
        ko: list[str] = []
        en: list[str] = []
        inside = False
        for line in lines:
            marker = line.strip().lower()
            if marker in (_ENGLISH_OPEN, _ENGLISH_CLOSE):
                inside = marker == _ENGLISH_OPEN
                continue
            (en if inside else ko).append(line)
        return Commentary(_join(kept), _join(ko), _join(en))
    korean = [i for i, line in enumerate(kept) if has_hangul(line)]
    if not korean:
        return Commentary(_join(kept), None, _join(kept))
    tail = kept[korean[-1] + 1 :]
    if any(_is_prose(line) for line in tail):
        return Commentary(_join(kept), _join(kept[: korean[-1] + 1]), _join(tail))
    return Commentary(_join(kept), _join(kept), None)
