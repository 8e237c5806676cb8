"""``kind = "feed"``: an RSS 2.0, Atom or JSON Feed digest at a URL, or in a file or folder.

A URL is read with a conditional GET through the run's HttpClient (ETag / Last-Modified in an
``HttpCursor``, and the body's sha256 for servers that send neither), so an unchanged feed
costs one request and writes nothing. Items are never marked deleted when they fall off the
end of a feed: a feed is a window, not the whole digest. An arXiv category listing also gives
the papers it announces (stored as arXiv metadata), keeps only the ``announce_types`` asked
for, and tells a listing that served its previous announcement again, or none (a weekend or a
holiday), apart from a failed fetch.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import polars as pl

from digestlake.sources.cursors import ContentCursor, Cursor, HttpCursor
from digestlake.sources.digest_files import is_url
from digestlake.sources.feed_parse import ParsedFeed, parse_feed
from digestlake.sources.http import HttpClient, HttpUnavailable, Validators
from digestlake.sources.inside import SourceUnavailable
from digestlake.sources.read import SourceRead
from digestlake.sources.snapshot import read_snapshot
from digestlake.sources.spec import SourceConfig
from digestlake.transforms.entry import ParseIssue
from digestlake.transforms.feed_arxiv import listed, listing_papers, listing_record
from digestlake.transforms.feed_items import feed_mention, item_location
from digestlake.transforms.limits import MAX_ENTRIES_PER_FILE
from digestlake.transforms.quarantine import quarantine_row

FEED_SUFFIXES = (".xml", ".rss", ".atom", ".json")
# arXiv's largest listing (2,000 items with abstracts) is about 5 MB; a feed over three times
# that is refused before feedparser holds it as a parse tree (about 1,500 items/s).
MAX_FEED_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class _Document:
    location: str
    body: bytes
    charset: str | None = None


def _fetch(
    url: str, cursor: HttpCursor | None, client: HttpClient
) -> tuple[HttpCursor, bytes | None, str | None]:
    """(cursor, body or None when unchanged, charset) of the feed at ``url``."""
    known = cursor or HttpCursor()
    try:
        response = client.get(url, validators=Validators(known.etag, known.last_modified))
    except HttpUnavailable as exc:
        raise SourceUnavailable(str(exc), transient=exc.transient) from exc
    except httpx.TooManyRedirects as exc:
        raise SourceUnavailable(f"{url}: {exc} (a redirect loop)") from exc
    if response.not_modified:
        return known, None, None
    if response.status != 200:
        raise SourceUnavailable(f"{url}: HTTP {response.status}")
    sha256 = hashlib.sha256(response.body).hexdigest()
    v = response.validators
    fresh = HttpCursor(v.etag, v.last_modified, sha256, known.announced)
    if sha256 == known.sha256:
        return fresh, None, None
    return fresh, response.body, response.charset


def _read_document(
    doc: _Document, source: SourceConfig, now: datetime, out: SourceRead
) -> tuple[ParsedFeed | None, str | None]:
    """Add the mentions, problems and listed papers of one feed document to ``out``; the
    document and the last day it announced arXiv papers on (an arXiv listing's day)."""
    out.reread.append(doc.location)
    if len(doc.body) > MAX_FEED_BYTES:
        reason = f"feed of {len(doc.body)} bytes; at most {MAX_FEED_BYTES} are read"
        out.problems.append(quarantine_row(doc.location, None, reason))
        return None, None
    parsed = parse_feed(doc.body, doc.location, doc.charset)
    for problem in parsed.problems:
        where = (
            doc.location if problem.position is None else f"{doc.location}#item-{problem.position}"
        )
        out.problems.append(quarantine_row(where, None, problem.reason, problem.excerpt))
    zone = ZoneInfo(source.timezone)
    papers, announced = [], []
    for item in parsed.items[:MAX_ENTRIES_PER_FILE]:
        parts = listed(item)
        if parts and item.published:
            announced.append(item.published)
        kind = parts.announce_type if parts else None
        if kind and source.announce_types and kind not in source.announce_types:
            continue
        made = feed_mention(item, doc.location, zone, parts)
        if isinstance(made, ParseIssue):
            location = item_location(doc.location, item)
            out.problems.append(quarantine_row(location, None, made.reason, made.excerpt))
            continue
        out.reread.append(made.file)
        out.mentions.append(made)
        if parts and made.entry.title:
            papers.append((listing_record(item, parts, made.entry), item.rights))
    if len(parsed.items) > MAX_ENTRIES_PER_FILE:
        reason = f"{len(parsed.items)} items; the first {MAX_ENTRIES_PER_FILE} are read"
        out.problems.append(quarantine_row(doc.location, None, reason))
    if papers:
        frame = listing_papers(papers, now)
        out.papers = frame if out.papers is None else pl.concat([out.papers, frame])
    return parsed, max(announced).date().isoformat() if announced else None


def _is_listing(url: str, parsed: ParsedFeed | None) -> bool:
    title = (parsed.title or "") if parsed else ""
    return "rss.arxiv.org" in url or title.endswith("updates on arXiv.org")


def read_feed_url(
    source: SourceConfig, cursor: Cursor | None, client: HttpClient, now: datetime
) -> SourceRead:
    url = source.location
    fresh, body, charset = _fetch(url, cursor if isinstance(cursor, HttpCursor) else None, client)
    if body is None:
        return SourceRead(fresh, unchanged=True)
    out = SourceRead(fresh)
    parsed, announced = _read_document(_Document(url, body, charset), source, now, out)
    if _is_listing(url, parsed) and parsed is not None and not parsed.problems:
        if announced is None:
            out.state, out.note = "empty", "no announcement (a weekend or a holiday)"
        elif announced == fresh.announced:
            out.state = "repeated"
            out.note = f"the announcement of {announced} served again: no new one yet"
        out.cursor = HttpCursor(
            fresh.etag, fresh.last_modified, fresh.sha256, announced or fresh.announced
        )
    return out


def read_feed_path(source: SourceConfig, cursor: Cursor | None, now: datetime) -> SourceRead:
    snapshot = read_snapshot(Path(source.location), FEED_SUFFIXES)
    if isinstance(cursor, ContentCursor) and cursor.digest == snapshot.cursor:
        return SourceRead(cursor, unchanged=True)
    out = SourceRead(ContentCursor(snapshot.cursor), skipped_links=snapshot.skipped_links)
    for name, body in snapshot.files:
        _read_document(_Document(name, body), source, now, out)
    return out


def read_feed(
    source: SourceConfig, cursor: Cursor | None, client: HttpClient, now: datetime | None = None
) -> SourceRead:
    """The feed's items since ``cursor`` (all of them: a feed is small and its items are keyed)."""
    now = now or datetime.now(UTC)
    if is_url(source.location):
        return read_feed_url(source, cursor, client, now)
    return read_feed_path(source, cursor, now)
