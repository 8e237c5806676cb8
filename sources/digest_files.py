"""Digest text from a file, a folder of files, or an http(s) URL.

A source's cursor says whether anything changed since the last run: a digest of the files'
names and contents for local paths, the ETag / Last-Modified validators for a URL (sent back
as a conditional GET, so an unchanged digest costs one 304).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from digestlake.sources.decode import DecodeError, decode_text
from digestlake.sources.inside import SourceUnavailable as SourceUnavailable  # re-exported
from digestlake.sources.snapshot import read_snapshot

DIGEST_SUFFIXES = (".txt", ".md")
USER_AGENT = "digestlake/0.1 (+https://github.com/digestlake/digestlake)"


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


def read_digest_url(
    url: str,
    cursor: str | None,
    encoding: str | None = None,
    *,
    client: httpx.Client | None = None,
    timeout: float = 30.0,
) -> DigestFetch:
    """One digest served over HTTP; a conditional GET when the cursor holds validators."""
    validators = json.loads(cursor) if cursor and cursor.startswith("{") else {}
    headers = {"User-Agent": USER_AGENT}
    if etag := validators.get("etag"):
        headers["If-None-Match"] = etag
    if modified := validators.get("last_modified"):
        headers["If-Modified-Since"] = modified
    own = client is None
    client = client or httpx.Client(timeout=timeout, follow_redirects=True)
    try:
        response = client.get(url, headers=headers)
    except httpx.HTTPError as exc:
        raise SourceUnavailable(f"{url}: {type(exc).__name__}: {exc}", transient=True) from exc
    finally:
        if own:
            client.close()
    if response.status_code == 304:
        return DigestFetch(cursor, unchanged=True)
    if response.status_code != 200:
        transient = response.status_code == 429 or response.status_code >= 500
        raise SourceUnavailable(f"{url}: HTTP {response.status_code}", transient=transient)
    new_validators = {
        "etag": response.headers.get("ETag"),
        "last_modified": response.headers.get("Last-Modified"),
        "sha256": hashlib.sha256(response.content).hexdigest(),
    }
    new_cursor = json.dumps(new_validators, sort_keys=True)
    if cursor and validators.get("sha256") == new_validators["sha256"]:
        return DigestFetch(new_cursor, unchanged=True)
    charset = (
        response.charset_encoding if "charset" in response.headers.get("content-type", "") else None
    )
    return DigestFetch(
        new_cursor, documents=[_document(response.content, url, encoding or charset)]
    )
