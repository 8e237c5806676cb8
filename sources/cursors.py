"""Every kind of cursor a source keeps, in one place: where the next read starts.

Each reader declares the cursor it reads and returns (``sources/kinds.py``), as dlt declares a
resource's ``incremental`` beside it. The ``sources`` table keeps a cursor as text
(``dump_cursor``); ``load_cursor`` tells the kinds apart by their form, so a source whose
config moved to another kind of location (a folder that became a git URL) simply starts over.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ContentCursor:
    """Local files: a digest of every name and content, so any change is seen."""

    digest: str  # "sha256:<hex>"


@dataclass(frozen=True, slots=True)
class GitCursor:
    """A git repository: the last commit read; the next read diffs from it."""

    commit: str


@dataclass(frozen=True, slots=True)
class HttpCursor:
    """A URL: the validators for a conditional GET, and the body's digest for servers that
    send none."""

    etag: str | None = None
    last_modified: str | None = None
    sha256: str | None = None
    announced: str | None = None  # an arXiv listing: the announcement day it last served


@dataclass(frozen=True, slots=True)
class DayCursor:
    """hf-daily: the last day read complete (a day is complete once it is over in UTC)."""

    day: str  # YYYY-MM-DD


@dataclass(frozen=True, slots=True)
class OaiCursor:
    """An OAI-PMH list: the resumption token mid-list, else the date the next harvest starts."""

    from_date: str | None = None
    token: str | None = None
    started: str | None = None  # the day the current list began: its end's next ``from``


Cursor = ContentCursor | GitCursor | HttpCursor | OaiCursor | DayCursor
_COMMIT = re.compile(r"^[0-9a-f]{40}(?:[0-9a-f]{24})?$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def dump_cursor(cursor: Cursor | None) -> str | None:
    match cursor:
        case None:
            return None
        case ContentCursor(digest):
            return digest
        case GitCursor(commit):
            return commit
        case HttpCursor(etag, modified, sha256, announced):
            fields = {"etag": etag, "last_modified": modified, "sha256": sha256}
            if announced:  # absent for plain URLs: their cursors read as they always did
                fields["announced"] = announced
            return json.dumps(fields, sort_keys=True)
        case DayCursor(day):
            return day
        case OaiCursor(from_date, token, started):
            return json.dumps({"from": from_date, "token": token, "started": started},
                              sort_keys=True)  # fmt: skip
    raise TypeError(f"not a cursor: {cursor!r}")


def load_cursor(text: str | None) -> Cursor | None:
    """The cursor ``dump_cursor`` wrote; anything unrecognised is no cursor (read it all)."""
    if not text:
        return None
    if text.startswith("sha256:"):
        return ContentCursor(text)
    if _COMMIT.match(text):
        return GitCursor(text)
    if _DAY.match(text):
        return DayCursor(text)
    try:
        raw = json.loads(text)
    except ValueError:
        return None
    if not isinstance(raw, dict):
        return None
    if "token" in raw or "from" in raw:
        return OaiCursor(raw.get("from"), raw.get("token"), raw.get("started"))
    return HttpCursor(
        raw.get("etag"), raw.get("last_modified"), raw.get("sha256"), raw.get("announced")
    )
