"""A ``[[sources]]`` entry as the readers see it (``pipeline/config.py`` reads and checks it)."""

from __future__ import annotations

from dataclasses import dataclass


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
