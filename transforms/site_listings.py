"""The site's listings: what each day, tag and source page lists, the busiest tags and the
mentions per month a tag page charts. All from the site's papers, so every page agrees; a
day lists the paper-days of ``transforms/paper_days.py``, as the feeds do.

"The last 30 days" end at the newest digest day in the lake, not at today: the same lake
gives the same site whenever it is published (no clock here).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

from digestlake.transforms.site_papers import SiteMention, SitePaper


@dataclass(frozen=True, slots=True)
class DayEntry:
    """A paper on one day: its mentions of that day, from every source that covered it."""

    paper: SitePaper
    mentions: tuple[SiteMention, ...]


@dataclass(frozen=True, slots=True)
class Listings:
    days: dict[date, list[DayEntry]]  # newest day first
    tags: dict[str, list[SitePaper]]  # tag -> papers, most recently mentioned first
    sources: dict[str, dict[date, int]]  # source -> mentions per day, newest first
    tag_months: dict[str, list[tuple[str, int]]]  # tag -> (YYYY-MM, mentions), every month
    busiest: list[tuple[str, int]]  # tags by mentions in the last window_days, most first


def _recent_first(papers: list[SitePaper]) -> list[SitePaper]:
    by_id = sorted(papers, key=lambda p: p.paper_id)
    return sorted(by_id, key=lambda p: p.last_day or date.min, reverse=True)


def _months(days: list[date]) -> list[tuple[str, int]]:
    """Mentions per month, from the first month to the last, empty months included."""
    counts = Counter(f"{d.year:04d}-{d.month:02d}" for d in days)
    first, last = min(days), max(days)
    out, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        key = f"{year:04d}-{month:02d}"
        out.append((key, counts.get(key, 0)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _days(papers: list[SitePaper], paper_days: pl.DataFrame) -> dict[date, list[DayEntry]]:
    """Each paper-day of a site paper as an entry of its day, in the paper-days' order."""
    by_id = {p.paper_id: p for p in papers}
    mentions = {m.mention_id: m for p in papers for m in p.mentions}
    days: dict[date, list[DayEntry]] = {}
    for row in paper_days.select("paper_id", "digest_date", "mentions").iter_rows(named=True):
        paper = by_id.get(row["paper_id"])
        if paper is not None:
            on_day = tuple(mentions[m["mention_id"]] for m in row["mentions"])
            days.setdefault(row["digest_date"], []).append(DayEntry(paper, on_day))
    return days


def site_listings(
    papers: list[SitePaper], paper_days: pl.DataFrame, *, window_days: int = 30
) -> Listings:
    """Days (from ``paper_days``, as ``transforms.paper_days`` groups them), tags and sources
    of ``papers``; days and tags are ordered newest first, ties by id."""
    days = _days(papers, paper_days)
    tags: dict[str, list[SitePaper]] = {}
    sources: dict[str, Counter[date]] = {}
    tag_days: dict[str, list[date]] = {}
    for paper in papers:
        for tag in paper.tags:
            tags.setdefault(tag, []).append(paper)
        for mention in paper.mentions:
            if mention.day:
                sources.setdefault(mention.source_id, Counter())[mention.day] += 1
                for tag in mention.tags:
                    tag_days.setdefault(tag, []).append(mention.day)
    newest = max(days, default=None)
    busiest: Counter[str] = Counter()
    if newest:
        start = newest - timedelta(days=window_days - 1)
        for tag, seen in tag_days.items():
            busiest[tag] = sum(start <= d <= newest for d in seen)
    return Listings(
        days=dict(sorted(days.items(), reverse=True)),
        tags={tag: _recent_first(tags[tag]) for tag in sorted(tags)},
        sources={s: dict(sorted(c.items(), reverse=True)) for s, c in sorted(sources.items())},
        tag_months={tag: _months(seen) for tag, seen in sorted(tag_days.items())},
        busiest=sorted(((t, n) for t, n in busiest.items() if n), key=lambda x: (-x[1], x[0])),
    )
