"""A source's row in ``sources`` after a run: its cursor, when it last advanced, its error."""

from __future__ import annotations

from datetime import datetime


def next_source_state(
    old: dict | None,
    *,
    source_id: str,
    kind: str,
    uri: str,
    now: datetime,
    cursor: str | None = None,
    read: bool = False,
    error: str | None = None,
) -> dict:
    """``read``: the source was read (a cursor that moves is a success at ``now``); ``error``:
    it failed, and ``last_error_at`` says since when that error has held, so a source failing
    the same way run after run rewrites nothing. Neither: untouched (skipped, offline)."""
    row = dict(old) if old else {"source_id": source_id, "cursor": None, "last_success_at": None}
    row.update(kind=kind, uri=uri)
    if error is not None:
        if row.get("last_error") != error:
            row.update(last_error=error, last_error_at=now)
    elif read:
        if cursor != row.get("cursor"):
            row.update(cursor=cursor, last_success_at=now)
        row.update(last_error=None, last_error_at=None)
    return row
