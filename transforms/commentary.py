"""Commentary lines split into the Korean text and its English translation.

A reference line is commentary in no language: a line of URLs only, a ``| 2005.06117``
fragment (a row of a pasted listing: ``|``, an optional title, an arXiv id) or a line of
``[[wikilinks]]`` only. It stays in the whole commentary but is never English: without this
rule a Korean note followed by its links, or a note that is only a list of links, had
"English commentary" made of URLs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")
_ENGLISH_OPEN = "<english>"
_ENGLISH_CLOSE = "</english>"
_WORD = re.compile(r"[A-Za-z]{2,}")
# A whole line of URLs (and the punctuation between them); each URL is one run of non-space.
_URL_ONLY = re.compile(
    r"[\s,;|()<>\[\]-]*+(?:(?:https?://|www\.|arxiv\.org/)\S++[\s,;|()<>\[\]-]*+)++"
)
# ``| 2005.06117`` or ``| Title - 2005.07727``: a listing row's fragment, ending in its id.
_FRAGMENT = re.compile(r"\|[^|]*?\b\d{4}\.\d{4,5}(?:v\d+)?\s*\|?\s*")
_WIKILINKS_ONLY = re.compile(r"\s*+(?:\[\[[^\[\]]*+\]\][\s,]*+)++")
REFERENCE_KINDS = ("url", "fragment", "wikilink")


def has_hangul(text: str) -> bool:
    return _HANGUL.search(text) is not None


def is_marker(line: str) -> bool:
    """``<english>`` / ``</english>`` lines mark the translation; they are not commentary."""
    return line.strip().lower() in (_ENGLISH_OPEN, _ENGLISH_CLOSE)


def _is_prose(line: str) -> bool:
    return len(_WORD.findall(line)) >= 5


def reference_kind(line: str) -> str | None:
    """``url``, ``fragment`` or ``wikilink`` for a reference line (see above), else None."""
    text = line.strip()
    if _URL_ONLY.fullmatch(text):
        return "url"
    if _FRAGMENT.fullmatch(text):
        return "fragment"
    if _WIKILINKS_ONLY.fullmatch(text):
        return "wikilink"
    return None


def language(ko: str | None, en: str | None) -> str:
    """Which parts a commentary has: ``ko``, ``en``, ``ko+en`` or ``none``."""
    return {(True, True): "ko+en", (True, False): "ko", (False, True): "en"}.get(
        (ko is not None, en is not None), "none"
    )


@dataclass(frozen=True, slots=True)
class Commentary:
    text: str | None
    ko: str | None
    en: str | None


def _join(lines: list[str]) -> str | None:
    return "\n".join(lines) if lines else None


def _english(lines: list[str]) -> str | None:
    return _join([line for line in lines if reference_kind(line) is None])


def split_commentary(lines: list[str]) -> Commentary:
    """All commentary lines in order (markers dropped), and their Korean / English parts.

    The translation is what an ``<english>`` block holds (an unclosed block runs to the end),
    or else the English paragraphs that follow the last Korean one. Commentary with no Hangul
    at all is English only. Reference lines are never English; the Korean part is what the
    English one is not (a trailing link stays with the Korean text it follows).
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
        return Commentary(_join(kept), _join(ko), _english(en))
    korean = [i for i, line in enumerate(kept) if has_hangul(line)]
    if not korean:
        return Commentary(_join(kept), None, _english(kept))
    tail = kept[korean[-1] + 1 :]
    if any(_is_prose(line) and reference_kind(line) is None for line in tail):
        return Commentary(_join(kept), _join(kept[: korean[-1] + 1]), _english(tail))
    return Commentary(_join(kept), _join(kept), None)
