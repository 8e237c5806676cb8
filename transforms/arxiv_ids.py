"""arXiv identifiers: find them in URLs and text, split off the version.

New scheme ``YYMM.NNNN(N)`` (0704 onwards) and old scheme ``archive(.SC)/YYMMNNN``
(``hep-th/9901001``, ``math.GT/0309136``); both may carry ``vN``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NEW = r"(?:0[7-9]|[1-9]\d)(?:0[1-9]|1[0-2])\.\d{4,5}"
_OLD = r"[a-z][a-z-]*(?:\.[A-Z]{2})?/\d{7}"
_ID = rf"(?P<id>{_NEW}|{_OLD})(?:v(?P<version>\d+))?"

# Hosts that put an arXiv id in the path: abs/pdf/html pages, mirrors and readers.
_URL_RE = re.compile(
    r"(?:https?://)?(?:www\.|export\.)?(?:arxiv\.org|alphaxiv\.org|huggingface\.co/papers"
    rf"|hf\.co/papers)/(?:(?:abs|pdf|html|overview)/)?{_ID}(?:\.pdf)?(?![\d])",
    re.IGNORECASE,
)
_PREFIXED_RE = re.compile(rf"(?:arXiv:\s?|10\.48550/arXiv\.){_ID}(?![\d])", re.IGNORECASE)
_BARE_RE = re.compile(rf"^{_ID}$")


@dataclass(frozen=True, slots=True)
class ArxivId:
    """An identifier with its version kept apart (``version`` is None when unversioned)."""

    id: str
    version: int | None = None

    def __str__(self) -> str:
        return self.id if self.version is None else f"{self.id}v{self.version}"


def _from_match(m: re.Match[str]) -> ArxivId:
    version = m.group("version")
    return ArxivId(m.group("id"), int(version) if version else None)


def parse_arxiv_id(text: str) -> ArxivId | None:
    """A bare id (``2406.11838v2``), an ``arXiv:`` id or an arXiv URL; None otherwise."""
    text = text.strip()
    m = _BARE_RE.match(text) or _URL_RE.search(text) or _PREFIXED_RE.search(text)
    return _from_match(m) if m else None


def find_arxiv_ids(text: str) -> list[ArxivId]:
    """Every arXiv id cited in free text, in order of first appearance, without repeats."""
    found: dict[str, ArxivId] = {}
    hits = [(m.start(), _from_match(m)) for m in _URL_RE.finditer(text)]
    hits += [(m.start(), _from_match(m)) for m in _PREFIXED_RE.finditer(text)]
    for _, aid in sorted(hits, key=lambda h: h[0]):
        found.setdefault(str(aid), aid)
    return list(found.values())
