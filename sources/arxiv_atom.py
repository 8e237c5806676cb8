"""arXiv API Atom feeds (both the legacy Perl dialect and the 2025 Python one) to records.

feedparser reads the feed (it copes with both dialects and tells a broken document by
``bozo``); it keeps only the last ``arxiv:affiliation`` of an entry, so authors and their
affiliations are read again by namespace with ElementTree, never by prefix or position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

import feedparser

from digestlake.core.records import ArxivAuthor, ArxivRecord
from digestlake.transforms.arxiv_ids import parse_arxiv_id

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
_SPACE = re.compile(r"\s+")


class ArxivQueryError(ValueError):
    """arXiv refused the query (an Error feed, HTTP 400): retrying cannot help."""


class BrokenFeed(RuntimeError):
    """Not a usable feed (``Rate exceeded.``, HTML, truncated XML): worth retrying."""


@dataclass(frozen=True, slots=True)
class ArxivFeed:
    total: int
    start: int
    records: list[ArxivRecord] = field(default_factory=list)


def _clean(text: str | None) -> str:
    """Legacy feeds hard-wrap titles and abstracts; both dialects pad abstracts."""
    return _SPACE.sub(" ", text or "").strip()


def _time(parsed) -> datetime | None:
    return datetime(*parsed[:6], tzinfo=UTC) if parsed else None


def _authors_by_entry(body: bytes) -> dict[str, tuple[ArxivAuthor, ...]]:
    root = ET.fromstring(body)
    out: dict[str, tuple[ArxivAuthor, ...]] = {}
    for entry in root.iter(f"{ATOM}entry"):
        entry_id = (entry.findtext(f"{ATOM}id") or "").strip()
        out[entry_id] = tuple(
            ArxivAuthor(
                _clean(author.findtext(f"{ATOM}name")),
                tuple(_clean(a.text) for a in author.findall(f"{ARXIV}affiliation") if a.text),
            )
            for author in entry.findall(f"{ATOM}author")
        )
    return out


def parse_feed(body: bytes, query: str = "") -> ArxivFeed:
    """Records of an API response; raises ArxivQueryError or BrokenFeed."""
    head = body.lstrip()[:200].lower()
    if not head.startswith((b"<?xml", b"<feed")):
        raise BrokenFeed(f"not an Atom feed: {body[:60]!r}")
    parsed = feedparser.parse(body)
    if parsed.bozo or "opensearch_totalresults" not in parsed.feed:
        raise BrokenFeed(f"broken feed ({parsed.get('bozo_exception') or 'no totalResults'})")
    for entry in parsed.entries:
        if "/api/errors" in entry.get("id", "") or entry.get("title") == "Error":
            raise ArxivQueryError(
                f"arXiv refused {query or 'the query'}: {_clean(entry.get('summary'))}"
            )
    authors = _authors_by_entry(body)
    records = []
    for entry in parsed.entries:
        ident = parse_arxiv_id(entry.get("id", ""))
        if ident is None:
            continue
        doi = entry.get("arxiv_doi")
        primary = entry.get("arxiv_primary_category") or {}
        records.append(
            ArxivRecord(
                arxiv_id=ident.id,
                version=ident.version,
                title=_clean(entry.get("title")),
                abstract=_clean(entry.get("summary")),
                authors=authors.get(entry.get("id", "").strip(), ()),
                published=_time(entry.get("published_parsed")),
                updated=_time(entry.get("updated_parsed")),
                categories=tuple(t["term"] for t in entry.get("tags", []) if t.get("term")),
                primary_category=primary.get("term"),
                doi=_clean(doi).split()[0] if doi else None,
                journal_ref=_clean(entry.get("arxiv_journal_ref")) or None,
                comment=_clean(entry.get("arxiv_comment")) or None,
            )
        )
    return ArxivFeed(
        total=int(parsed.feed.get("opensearch_totalresults", 0)),
        start=int(parsed.feed.get("opensearch_startindex", 0) or 0),
        records=records,
    )
