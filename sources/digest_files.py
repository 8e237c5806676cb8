"""Digest text from a file, a folder of files, or an http(s) URL.

A source's cursor says whether anything changed since the last run: a digest of the files'
names and contents for local paths, the ETag / Last-Modified validators for a URL (sent back
as a conditional GET, so an unchanged digest costs one 304).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from digestlake.sources.decode import DecodeError, decode_text
from digestlake.sources.inside import SourceUnavailable as SourceUnavailable  # re-exported
from digestlake.sources.snapshot import read_snapshot

DIGEST_SUFFIXES = (".txt", ".md")


@dataclass(frozen=True, slots=True)
class DigestDocument:
    """One digest file: its text, or why it could not be decoded."""

    file: str
    text: str | None
    error: DecodeError | None = None


@dataclass(slots=True)
class DigestFetch:
    cursor: str | None
    unchanged: bool = False
    documents: list[DigestDocument] = field(default_factory=list)
    skipped_links: list[str] = field(default_factory=list)  # never followed (sources/inside.py)


def is_url(location: str) -> bool:
    return location.startswith(("http://", "https://"))


def _document(data: bytes, file: str, encoding: str | None) -> DigestDocument:
    try:
        return DigestDocument(file, decode_text(data, file, encoding))
    except DecodeError as exc:
        return DigestDocument(file, None, exc)


def read_digest_path(path: Path, cursor: str | None, encoding: str | None = None) -> DigestFetch:
    """The digest file at ``path``, or every digest file inside the folder, in name order."""
    snapshot = read_snapshot(path, DIGEST_SUFFIXES)
    if snapshot.cursor == cursor:
        return DigestFetch(cursor, unchanged=True)
    documents = [_document(data, name, encoding) for name, data in snapshot.files]
    return DigestFetch(snapshot.cursor, documents=documents, skipped_links=snapshot.skipped_links)
