"""``kind = "hf-daily"``: Hugging Face Daily Papers, one ``GET <url>/api/daily_papers?date=
YYYY-MM-DD`` per day.

The cursor (``DayCursor``) is the last day read complete, a day over in UTC: the next read
starts after it, and also reads the ``refresh_days`` before it again, so upvotes and comments
that grew since update their mentions. A first read backfills from ``start``; ``end`` stops
a backfill (default: today, read again next run as it is not complete yet). A day that fails
fails the source, and its cursor stays where it was: the next run reads from there again.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from digestlake.sources.cursors import Cursor, DayCursor
from digestlake.sources.http import HttpClient, HttpUnavailable
from digestlake.sources.inside import SourceUnavailable
from digestlake.sources.read import SourceRead
from digestlake.sources.spec import SourceConfig
from digestlake.transforms.hf_papers import hf_mention
from digestlake.transforms.mentions import MentionInput
from digestlake.transforms.quarantine import quarantine_row


def days_to_read(source: SourceConfig, cursor: Cursor | None, today: date) -> list[date]:
    """The days of this read: after the cursor (from ``start`` without one) to ``end`` or
    today, with the ``refresh_days`` up to the cursor read again."""
    start = date.fromisoformat(source.start)
    end = min(date.fromisoformat(source.end), today) if source.end else today
    if isinstance(cursor, DayCursor):
        last = date.fromisoformat(cursor.day)
        start = max(start, last + timedelta(days=1 - source.refresh_days))
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def day_url(base: str, day: date) -> str:
    return f"{base.rstrip('/')}/api/daily_papers?date={day.isoformat()}"


def _day(url: str, client: HttpClient) -> bytes:
    try:
        response = client.get(url)
    except HttpUnavailable as exc:
        raise SourceUnavailable(str(exc), transient=exc.transient) from exc
    if response.status != 200:
        raise SourceUnavailable(f"{url}: HTTP {response.status}")
    return response.body


def read_hf_daily(
    source: SourceConfig, cursor: Cursor | None, client: HttpClient, now: datetime | None = None
) -> SourceRead:
    today = (now or datetime.now(UTC)).astimezone(UTC).date()
    days = days_to_read(source, cursor, today)
    if not days:
        return SourceRead(cursor, unchanged=True)
    out = SourceRead(cursor)
    for day in days:
        url = day_url(source.location, day)
        body = _day(url, client)
        out.reread.append(url)
        try:
            records = json.loads(body)
        except (ValueError, RecursionError) as exc:
            out.problems.append(
                quarantine_row(url, None, f"not JSON: {exc}", body[:200].decode(errors="replace"))
            )
            continue
        if not isinstance(records, list):
            out.problems.append(quarantine_row(url, None, "the answer is not a list of papers"))
            continue
        for position, record in enumerate(records, 1):
            made = hf_mention(record, day, url, position)
            if isinstance(made, MentionInput):
                out.mentions.append(made)
            else:
                out.problems.append(
                    quarantine_row(f"{url}#{position}", None, made.reason, made.excerpt)
                )
        if day < today:
            out.cursor = DayCursor(day.isoformat())
    return out
