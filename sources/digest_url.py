"""One digest served over http(s), read through the polite HttpClient.

The cursor is JSON holding the ETag / Last-Modified validators, sent back as a conditional GET
(an unchanged digest costs one 304), and the body's sha256 for servers that send neither.
"""

from __future__ import annotations

import hashlib
import json

from digestlake.sources.digest_files import DigestFetch, SourceUnavailable, _document
from digestlake.sources.http import HttpClient, HttpUnavailable, Validators


def read_digest_url(
    url: str, cursor: str | None, encoding: str | None = None, *, client: HttpClient
) -> DigestFetch:
    """The digest at ``url``, or ``unchanged`` when the server or the body's digest says so.
    A failure is a SourceUnavailable, ``transient`` when a later run may succeed."""
    known = json.loads(cursor) if cursor and cursor.startswith("{") else {}
    try:
        response = client.get(
            url, validators=Validators(known.get("etag"), known.get("last_modified"))
        )
    except HttpUnavailable as exc:
        raise SourceUnavailable(str(exc), transient=exc.transient) from exc
    if response.not_modified:
        return DigestFetch(cursor, unchanged=True)
    if response.status != 200:
        raise SourceUnavailable(f"{url}: HTTP {response.status}")
    sha256 = hashlib.sha256(response.body).hexdigest()
    validators = response.validators
    new_cursor = json.dumps(
        {"etag": validators.etag, "last_modified": validators.last_modified, "sha256": sha256},
        sort_keys=True,
    )
    if known.get("sha256") == sha256:
        return DigestFetch(new_cursor, unchanged=True)
    document = _document(response.body, url, encoding or response.charset)
    return DigestFetch(new_cursor, documents=[document])
