"""Records that cross layers: a paper as arXiv describes it (API, OAI-PMH, a listing).

Sources make them, transforms turn them into table rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class ArxivAuthor:
    name: str
    affiliations: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ArxivRecord:
    """One paper as the API returns it (its latest version, unless a version was asked)."""

    arxiv_id: str
    version: int | None
    title: str
    abstract: str
    authors: tuple[ArxivAuthor, ...]
    published: datetime | None  # v1 submitted
    updated: datetime | None  # the returned version submitted
    categories: tuple[str, ...]
    primary_category: str | None
    doi: str | None = None
    journal_ref: str | None = None
    comment: str | None = None
