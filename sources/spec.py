"""A ``[[sources]]`` entry as the readers see it (``pipeline/config.py`` reads and checks it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@dataclass(frozen=True, slots=True)
class SourceConfig:
    name: str
    kind: str
    path: str | None = None  # a local file or folder (or git repository for a vault, links)
    url: str | None = None  # http(s) digest or feed, a git URL, or hf-daily's site
    encoding: str | None = None
    rev: str = "HEAD"  # vault, links: the branch or commit to ingest
    enabled: bool = True
    set_spec: str | None = None  # oai: the OAI-PMH set (cs, physics:hep-th, ...)
    metadata_prefix: str = "arXivRaw"  # oai: arXivRaw (every version) or arXiv (affiliations)
    timezone: str = "UTC"  # feed: the zone whose calendar day is an item's digest date
    announce_types: tuple[str, ...] = ()  # feed (arXiv listings): the types kept; () = all
    start: str | None = None  # hf-daily: the first day (YYYY-MM-DD) of a backfill
    end: str | None = None  # hf-daily: the last day to read (default: today)
    refresh_days: int = 3  # hf-daily: the trailing days read again for their signals

    @property
    def location(self) -> str:
        return self.url or self.path or ""


ANNOUNCE_TYPES = ("new", "cross", "replace", "replace-cross")  # arXiv listings
HF_URL = "https://huggingface.co"  # hf-daily's site unless a url is given


def check_options(entry: dict) -> dict:
    """The options of the feed, hf-daily and links kinds checked (a ValueError says what is
    wrong); an hf-daily entry gets its default url."""
    if "timezone" in entry:
        try:
            ZoneInfo(entry["timezone"])
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"timezone: unknown time zone {entry['timezone']!r}") from exc
    wrong = set(entry.get("announce_types", ())) - set(ANNOUNCE_TYPES)
    if wrong:
        raise ValueError(f"announce_types are {', '.join(ANNOUNCE_TYPES)}, not {sorted(wrong)}")
    if "announce_types" in entry:  # TOML gives a list; the config is frozen
        entry = {**entry, "announce_types": tuple(entry["announce_types"])}
    if entry.get("kind") != "hf-daily":
        return entry
    if entry.get("path"):
        raise ValueError(f"an hf-daily source has a url (default: {HF_URL})")
    try:
        start = date.fromisoformat(entry.get("start") or "")
        end = date.fromisoformat(entry.get("end") or start.isoformat())
    except ValueError as exc:
        raise ValueError("start (needed) and end are YYYY-MM-DD days") from exc
    if end < start or entry.get("refresh_days", 0) < 0:
        raise ValueError("end is before start, or refresh_days below 0")
    return {**entry, "url": entry.get("url") or HF_URL}
