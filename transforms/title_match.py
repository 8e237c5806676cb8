"""Matching a digest entry without an id to an arXiv search result.

A wrong match is worse than none: a candidate is accepted only when its title is the same
after normalisation (or one side is the other's part before or after the colon, or they
differ very little) *and* the first person of both author lists is the same wherever both
name people, and no other candidate is as good.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from digestlake.transforms.authors import is_organisation
from digestlake.transforms.citation_keys import family_name
from digestlake.transforms.titles import latex_to_text, normalise_title

_ASCII_WORD = re.compile(r"[a-z0-9]+")
MIN_SIMILARITY = 0.93
HALF_TITLE = 0.95  # one side is the other's part before or after the colon


def query_words(title: str) -> list[str]:
    """The words arXiv's search indexes for a title (LaTeX read, accents folded, ASCII)."""
    text = latex_to_text(title) if ("\\" in title or "$" in title) else title
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return _ASCII_WORD.findall(text)


def title_query(title: str | None) -> str | None:
    """``ti:"..."`` for a title: the part before a colon when it is distinctive enough (so a
    subtitle cut on either side still matches), else the whole title."""
    if not title:
        return None
    head = title.split(":", 1)[0] if ":" in title else title
    words = query_words(head)
    if len(words) < 3:
        words = query_words(title)
    return f'ti:"{" ".join(words[:12])}"' if words else None


@dataclass(slots=True)
class Overrides:
    """The user's word on matches, by normalised title: pin an id, or forbid ids ("*": all)."""

    pin: dict[str, str] = field(default_factory=dict)
    forbid: dict[str, set[str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Candidate:
    arxiv_id: str
    title: str
    authors: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Scored:
    candidate: Candidate
    title_score: float  # 1 = same normalised title; HALF_TITLE; else similarity
    author: str  # agree | disagree | unknown


@dataclass(slots=True)
class TitleMatch:
    arxiv_id: str | None
    score: float
    reason: str
    ranked: list[Scored] = field(default_factory=list)


def _halves(raw: str) -> set[str]:
    """The normalised parts before and after the colon: what a digest quotes when it cuts the
    subtitle (``Emu3``) or quotes only the subtitle (``Next-Token Prediction is All You Need``)."""
    if ":" not in raw:
        return set()
    head, _, tail = raw.partition(":")
    return {h for h in (normalise_title(head), normalise_title(tail)) if h}


def _title_score(a: str, a_raw: str, b: str, b_raw: str) -> float:
    if a == b:
        return 1.0
    if a in _halves(b_raw) or b in _halves(a_raw):
        return HALF_TITLE
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def first_person(authors: Sequence[str]) -> str | None:
    """The first name in an author list that is no organisation's (the author lists' rule): a
    list may start with its team (``M-A-P Team, Xinrun Du, ...``), on arXiv as in a digest."""
    return next((a for a in authors if not is_organisation(a)), None)


def _author_agreement(authors: Sequence[str], candidate: Sequence[str]) -> str:
    """Digests copy the paper's author list, so the first people must be the same person."""
    mine, theirs = first_person(authors), first_person(candidate)
    if mine is None or theirs is None:
        return "unknown"
    first = family_name(mine)
    return "agree" if first and first == family_name(theirs) else "disagree"


def choose(
    title: str, authors: list[str], candidates: list[Candidate], forbidden: set[str] = frozenset()
) -> TitleMatch:
    norm = normalise_title(title) or ""
    scored = sorted(
        (
            Scored(
                c,
                _title_score(norm, title, normalise_title(c.title) or "", c.title),
                _author_agreement(authors, c.authors),
            )
            for c in candidates
            if c.arxiv_id not in forbidden
        ),
        key=lambda s: (-s.title_score, s.author != "agree", s.candidate.arxiv_id),
    )
    if not scored:
        return TitleMatch(None, 0.0, "no candidates")

    def acceptable(s: Scored) -> bool:
        if s.author == "disagree":
            return False
        if s.title_score == 1.0:
            return True
        return s.author == "agree" and s.title_score >= MIN_SIMILARITY

    best = scored[0]
    if not acceptable(best):
        return TitleMatch(
            None,
            best.title_score,
            f"weak: best {best.title_score:.2f}, author {best.author}",
            scored[:3],
        )
    rivals = [s for s in scored[1:] if acceptable(s) and s.title_score >= best.title_score - 0.02]
    if rivals and rivals[0].candidate.arxiv_id != best.candidate.arxiv_id:
        return TitleMatch(None, best.title_score, "ambiguous", scored[:3])
    return TitleMatch(
        best.candidate.arxiv_id,
        best.title_score,
        f"title {best.title_score:.2f}, author {best.author}",
        scored[:3],
    )
