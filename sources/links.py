"""``kind = "links"``: text, Markdown or HTML digests whose paper links are the mentions
(``transforms/links.py``), in a file, a folder, at a URL, or in a git repository read by
commit as a vault is (``sources/vault.read_vault_git``: only the Markdown files changed since
the cursor's commit; a file deleted is its mentions marked deleted). Without a dated heading
above a link, its date is the date of the commit read (a file's modification time for a
folder, the run's day for a URL).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
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
from digestlake.sources.decode import DecodeError, decode_text
from digestlake.sources.digest_files import is_url
from digestlake.sources.digest_url import read_digest_url
from digestlake.sources.http import HttpClient
from digestlake.sources.read import SourceRead
from digestlake.sources.snapshot import read_snapshot
from digestlake.sources.spec import SourceConfig
from digestlake.sources.vault import is_git_location, read_vault_git
from digestlake.transforms.links import link_mentions
from digestlake.transforms.quarantine import quarantine_row

LINK_SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm")


_TAGS = re.compile(r"<(?:!doctype|html|body|p|div|h[1-6]|ul|ol|li|a|table|br)\b", re.IGNORECASE)


def is_html(file: str, text: str) -> bool:
    """An ``.html`` file, or a page or text file whose start has HTML tags (Markdown files
    are Markdown, whatever inline HTML they hold)."""
    name = file.lower().split("?")[0]
    if name.endswith((".html", ".htm")):
        return True
    return not name.endswith((".md", ".markdown")) and bool(_TAGS.search(text[:4096]))


def _add(out: SourceRead, file: str, text: str | None, error: str | None, day: date | None) -> None:
    out.reread.append(file)
    if text is None:
        out.problems.append(quarantine_row(file, None, error or "unreadable"))
        return
    mentions, issues = link_mentions(text, file, day, html=is_html(file, text))
    out.mentions += mentions
    out.problems += [quarantine_row(file, i.line, i.reason, i.excerpt) for i in issues]


def _read_git(source: SourceConfig, cursor: Cursor | None, mirror: Path, fetch: bool) -> SourceRead:
    known = dump_cursor(cursor) if isinstance(cursor, GitCursor) else None
    read = read_vault_git(
        source.location, mirror, known, rev=source.rev, encoding=source.encoding, fetch=fetch
    )
    out = SourceRead(
        load_cursor(read.cursor), unchanged=read.unchanged, skipped_links=read.skipped_links
    )
    if read.unchanged:
        return out
    day = datetime.fromisoformat(git.commit_date(mirror, read.cursor)).date()
    for note in read.notes:
        if note.deleted:
            out.gone.append(note.path)
            continue
        _add(out, note.path, note.text, str(note.error) if note.error else None, day)
    out.full = read.full  # a whole read: files the lake has from elsewhere are gone
    return out


def _read_path(source: SourceConfig, cursor: Cursor | None) -> SourceRead:
    root = Path(source.location)
    snapshot = read_snapshot(root, LINK_SUFFIXES)
    if isinstance(cursor, ContentCursor) and cursor.digest == snapshot.cursor:
        return SourceRead(cursor, unchanged=True)
    out = SourceRead(
        ContentCursor(snapshot.cursor), full=True, skipped_links=snapshot.skipped_links
    )
    for name, data in snapshot.files:
        where = root / name if root.is_dir() else root
        day = datetime.fromtimestamp(where.stat().st_mtime, UTC).date()
        try:
            _add(out, name, decode_text(data, name, source.encoding), None, day)
        except DecodeError as exc:
            _add(out, name, None, str(exc), day)
    return out


def read_links(
    source: SourceConfig,
    cursor: Cursor | None,
    client: HttpClient,
    cache: Path,
    *,
    offline: bool,
    today: date,
) -> SourceRead:
    """The mentions of the digests changed since ``cursor``: a URL ending in ``.git`` is a
    repository, any other http(s) URL one page."""
    location = source.location
    if is_url(location) and not location.removesuffix("/").endswith(".git"):
        if offline:
            return SourceRead(cursor, unchanged=True, skipped="offline")
        known = dump_cursor(cursor) if isinstance(cursor, HttpCursor) else None
        fetch = read_digest_url(location, known, source.encoding, client=client)
        out = SourceRead(load_cursor(fetch.cursor), unchanged=fetch.unchanged)
        for doc in fetch.documents:
            _add(out, doc.file, doc.text, str(doc.error) if doc.error else None, today)
        return out
    if is_git_location(location):
        remote = not Path(location).exists()
        mirror = cache / "links" / f"{source.name}.git"
        if offline and remote and not git.mirrors(mirror, location):
            return SourceRead(cursor, unchanged=True, skipped="offline, and no cached clone yet")
        return _read_git(source, cursor, mirror, fetch=not (offline and remote))
    return _read_path(source, cursor)
