"""The source kinds: each reads ``(source config, cursor)`` and returns its records since that
cursor with the cursor after them. Adding a kind is one reader here and its cursor in
``sources/cursors.py``; the pipeline parses what a reader returns and commits it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from digestlake.sources import git
from digestlake.sources.cursors import (
    ContentCursor,
    Cursor,
    GitCursor,
    HttpCursor,
    dump_cursor,
    load_cursor,
)
from digestlake.sources.digest_files import is_url, read_digest_path
from digestlake.sources.digest_url import read_digest_url
from digestlake.sources.feed import read_feed
from digestlake.sources.hf_daily import read_hf_daily
from digestlake.sources.http import HttpClient
from digestlake.sources.links import read_links
from digestlake.sources.read import SourceRead
from digestlake.sources.spec import SourceConfig
from digestlake.sources.vault import is_git_location, read_vault_folder, read_vault_git


@dataclass(frozen=True, slots=True)
class ReadContext:
    cache: Path  # where remote vaults are mirrored
    offline: bool = False
    http: HttpClient = field(default_factory=HttpClient)  # the run's one polite client
    now: datetime | None = None  # the run's clock (hf-daily's today); None: the wall clock


def _text(cursor: Cursor | None, kind: type) -> str | None:
    """A cursor of another kind (the location changed kind) means: read everything."""
    return dump_cursor(cursor) if isinstance(cursor, kind) else None


def read_digests(source: SourceConfig, cursor: Cursor | None, ctx: ReadContext) -> SourceRead:
    """Digest text: a file or a folder (``ContentCursor``), or an http(s) URL (``HttpCursor``)."""
    if is_url(source.location):
        if ctx.offline:
            return SourceRead(cursor, unchanged=True, skipped="offline")
        fetch = read_digest_url(
            source.location, _text(cursor, HttpCursor), source.encoding, client=ctx.http
        )
    else:
        fetch = read_digest_path(
            Path(source.location), _text(cursor, ContentCursor), source.encoding
        )
    return SourceRead(
        load_cursor(fetch.cursor),
        unchanged=fetch.unchanged,
        full=not is_url(source.location),
        documents=fetch.documents,
        skipped_links=fetch.skipped_links,
    )


def read_vault(source: SourceConfig, cursor: Cursor | None, ctx: ReadContext) -> SourceRead:
    """Markdown notes: a folder (``ContentCursor``) or a git repository (``GitCursor``)."""
    location = source.location
    if not is_git_location(location):
        read = read_vault_folder(Path(location), _text(cursor, ContentCursor), source.encoding)
    else:
        mirror = ctx.cache / "vaults" / f"{source.name}.git"
        remote = not Path(location).exists()
        if ctx.offline and remote and not git.mirrors(mirror, location):
            return SourceRead(cursor, unchanged=True, skipped="offline, and no cached clone yet")
        read = read_vault_git(
            location,
            mirror,
            _text(cursor, GitCursor),
            rev=source.rev,
            encoding=source.encoding,
            fetch=not (ctx.offline and remote),
        )
    return SourceRead(
        load_cursor(read.cursor),
        unchanged=read.unchanged,
        full=read.full,
        notes=read.notes,
        skipped_links=read.skipped_links,
    )


def read_feed_source(source: SourceConfig, cursor: Cursor | None, ctx: ReadContext) -> SourceRead:
    """RSS, Atom or JSON Feed: a URL (``HttpCursor``), or a file or folder (``ContentCursor``)."""
    if ctx.offline and is_url(source.location):
        return SourceRead(cursor, unchanged=True, skipped="offline")
    return read_feed(source, cursor, ctx.http, ctx.now)


def read_hf_daily_source(
    source: SourceConfig, cursor: Cursor | None, ctx: ReadContext
) -> SourceRead:
    """Hugging Face Daily Papers, a day at a time (``DayCursor``)."""
    if ctx.offline:
        return SourceRead(cursor, unchanged=True, skipped="offline")
    return read_hf_daily(source, cursor, ctx.http, ctx.now)


def read_links_source(source: SourceConfig, cursor: Cursor | None, ctx: ReadContext) -> SourceRead:
    """Link digests: a file or folder (``ContentCursor``), a page (``HttpCursor``) or a git
    repository (``GitCursor``)."""
    today = (ctx.now or datetime.now(UTC)).date()
    return read_links(source, cursor, ctx.http, ctx.cache, offline=ctx.offline, today=today)


Reader = Callable[[SourceConfig, Cursor | None, ReadContext], SourceRead]
READERS: dict[str, Reader] = {
    "digest": read_digests,
    "vault": read_vault,
    "feed": read_feed_source,
    "hf-daily": read_hf_daily_source,
    "links": read_links_source,
}
