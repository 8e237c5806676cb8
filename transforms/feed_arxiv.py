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
from datetime import date, datetime

import polars as pl

from digestlake.core.ids import LISTING_SOURCE
from digestlake.core.records import ArxivAuthor, ArxivRecord
from digestlake.transforms.arxiv_ids import ArxivId, parse_arxiv_id
from digestlake.transforms.arxiv_papers import papers_from_records
from digestlake.transforms.authors import parse_authors
from digestlake.transforms.entry import Entry, ParseIssue, build_entry
from digestlake.transforms.feed_record import FeedItem
from digestlake.transforms.feed_text import clean_lines, html_to_text

_DESCRIPTION = re.compile(
    r"^\s*arXiv:(?P<id>\S+)\s+Announce Type:\s*(?P<type>[\w-]+)\s*(?:Abstract:\s*(?P<abs>.*))?$",
    re.DOTALL | re.IGNORECASE,
)


def listing_id(item: FeedItem) -> ArxivId | None:
    """The versioned id of an arXiv listing item (its ``oai:arXiv.org:`` GUID), else None."""
    guid = (item.guid or "").strip()
    if not guid.lower().startswith("oai:arxiv.org:"):
        return None
    return parse_arxiv_id(guid)


def _parts(item: FeedItem) -> tuple[str | None, str | None]:
    """(announce type, abstract) from the item and its description."""
    text = html_to_text(item.summary)
    m = _DESCRIPTION.match(text)
    announce = (item.announce_type or (m.group("type") if m else "") or "").strip().lower()
    abstract = clean_lines(m.group("abs") or "") if m else text
    return announce or None, " ".join(abstract.split("\n")) or None


def listing_entry(item: FeedItem, title: str | None, day: date | None) -> Entry | ParseIssue | None:
    """The mention's entry of an arXiv listing item, or None when the item is not one."""
    aid = listing_id(item)
    if aid is None:
        return None
    _, abstract = _parts(item)
    entry = build_entry(
        line=0,
        title=title,
        authors_raw=", ".join(clean_lines(a) for a in item.authors) or None,
        abstract=abstract,
        commentary_lines=[],
        tags=[],  # categories are the paper's metadata, not a digest author's tags
        source_urls=[f"https://arxiv.org/abs/{aid}"],
        digest_date=day,
        position=item.position,
    )
    return entry


def announce_type(item: FeedItem) -> str | None:
    return _parts(item)[0] if listing_id(item) else None


def listing_record(item: FeedItem, title: str) -> ArxivRecord:
    """The paper an arXiv listing item announces, as arXiv's API would describe it (less the
    submission dates, which a listing does not give)."""
    aid = listing_id(item)
    _, abstract = _parts(item)
    authors = parse_authors(", ".join(item.authors) or None)
    categories = tuple(dict.fromkeys(c.strip() for c in item.tags if c.strip()))
    return ArxivRecord(
        arxiv_id=aid.id,
        version=aid.version,
        title=title,
        abstract=abstract or "",
        authors=tuple(ArxivAuthor(name) for name in authors.names),
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
