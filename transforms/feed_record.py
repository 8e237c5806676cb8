"""A feed item as every feed format gives it (``sources/feed_parse.py`` reads RSS 2.0 and Atom
through feedparser, and JSON Feed), before it is a mention."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One item as a feed gives it; text fields may hold HTML (the feed says which)."""

    position: int  # 1-based, in the feed's order
    guid: str | None
    link: str | None
    title: str | None
    authors: tuple[str, ...]
    summary: str | None
    content: str | None
    tags: tuple[str, ...]
    published: datetime | None  # aware; published, else updated
    announce_type: str | None = None  # arxiv:announce_type (arXiv listings)
    rights: str | None = None  # dc:rights (a licence URL)
    doi: str | None = None  # arxiv:DOI
    journal_ref: str | None = None  # arxiv:journal_reference
