"""arXiv's category listings (``rss.arxiv.org/rss/<cat>``, ``/atom/<cat>``; landscape.md §6)
recognised among feed items: the id and version from the GUID (``oai:arXiv.org:<id>vN``), the
announce type and abstract from the description (``arXiv:<id>vN Announce Type: new
Abstract: ...``), ``dc:creator`` authors, the categories (the first is the primary one, as
arXiv lists them), licence, DOI and journal reference. The listing describes the paper as
arXiv announced it, so its metadata is stored as arXiv's and no API call is needed for it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

import polars as pl

from digestlake.core.ids import LISTING_SOURCE
from digestlake.core.records import ArxivAuthor, ArxivRecord
from digestlake.transforms.arxiv_ids import ArxivId, parse_arxiv_id
from digestlake.transforms.arxiv_papers import papers_from_records
from digestlake.transforms.entry import Entry, ParseIssue, build_entry
from digestlake.transforms.feed_record import FeedItem
from digestlake.transforms.feed_text import clean_lines, html_to_text

_DESCRIPTION = re.compile(
    r"^\s*arXiv:(?P<id>\S+)\s+Announce Type:\s*(?P<type>[\w-]+)\s*(?:Abstract:\s*(?P<abs>.*))?$",
    re.DOTALL | re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Listed:
    """What makes a feed item an arXiv listing's: its id and version, announce type, abstract."""

    arxiv_id: ArxivId
    announce_type: str | None
    abstract: str | None


def listed(item: FeedItem) -> Listed | None:
    """The listing parts of ``item`` (an ``oai:arXiv.org:`` GUID), or None for other items."""
    guid = (item.guid or "").strip()
    aid = parse_arxiv_id(guid) if guid.lower().startswith("oai:arxiv.org:") else None
    if aid is None:
        return None
    text = html_to_text(item.summary)
    m = _DESCRIPTION.match(text)
    announce = (item.announce_type or (m.group("type") if m else "") or "").strip().lower()
    abstract = clean_lines(m.group("abs") or "") if m else text
    return Listed(aid, announce or None, " ".join(abstract.split("\n")) or None)


def listing_entry(
    item: FeedItem, parts: Listed, title: str | None, day: date | None
) -> Entry | ParseIssue:
    """The mention's entry of an arXiv listing item: the paper as announced, no commentary."""
    return build_entry(
        line=0,
        title=title,
        authors_raw=", ".join(clean_lines(a) for a in item.authors) or None,
        abstract=parts.abstract,
        commentary_lines=[],
        tags=[],  # categories are the paper's metadata, not a digest author's tags
        source_urls=[f"https://arxiv.org/abs/{parts.arxiv_id}"],
        digest_date=day,
        position=item.position,
    )


def listing_record(item: FeedItem, parts: Listed, entry: Entry) -> ArxivRecord:
    """The paper an arXiv listing item announces, as arXiv's API would describe it (less the
    submission dates, which a listing does not give); ``entry``: its mention's, whose title and
    authors (read by the one author rule) the paper shares."""
    categories = tuple(dict.fromkeys(c.strip() for c in item.tags if c.strip()))
    return ArxivRecord(
        arxiv_id=parts.arxiv_id.id,
        version=parts.arxiv_id.version,
        title=entry.title or "",
        abstract=parts.abstract or "",
        authors=tuple(ArxivAuthor(name) for name in entry.authors),
        published=None,
        updated=None,
        categories=categories,
        primary_category=categories[0] if categories else None,
        doi=clean_lines(item.doi or "") or None,
        journal_ref=clean_lines(item.journal_ref or "") or None,
    )


def listing_papers(items: Iterable[tuple[ArxivRecord, str | None]], now: datetime) -> pl.DataFrame:
    """``papers`` rows of listed papers (with their ``dc:rights`` licence), marked as described
    by an arXiv listing: arXiv metadata, so enrich asks nothing for them."""
    pairs = list(items)
    papers = papers_from_records([r for r, _ in pairs], now)
    return papers.with_columns(
        license=pl.Series([lic for _, lic in pairs], dtype=pl.String),
        metadata_source=pl.lit(LISTING_SOURCE),
    )
