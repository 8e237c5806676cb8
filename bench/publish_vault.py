"""Benchmark: publish speed for the real vault, the feed part side by side with naive feedgen.

The vault bundle and the 530 corpus digest days (../shared) are ingested into a temporary lake;
then, best of N each, interleaved:
  publish        write_exports into an empty folder (every file written), then again (none)
  feeds, ours    paper-days grouped, items built, RSS + Atom (one feedgen entry per item,
                 shared by every feed listing it) + JSON Feed + OPML
  feeds, naive   the same items, RSS + Atom only: per feed and format a new FeedGenerator
                 and a new entry per item, as a loop over feedgen's tutorial would write it
The ratio is naive time / our time for the same RSS and Atom bytes (and for our whole feed
part, which also writes the JSON Feeds and the OPML).
"""

from __future__ import annotations

import logging
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from common import need, options

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from feedgen.feed import FeedGenerator  # noqa: E402

from digestlake.exports.feed_items import PaperDayItem, paper_day_items  # noqa: E402
from digestlake.exports.feed_rss import FeedEntries, render_feeds  # noqa: E402
from digestlake.exports.feeds import feed_files  # noqa: E402
from digestlake.exports.files import tag_slugs  # noqa: E402
from digestlake.lake.store import Lake  # noqa: E402
from digestlake.pipeline.config import Config, ExportsConfig, SourceConfig  # noqa: E402
from digestlake.pipeline.ingest import ingest  # noqa: E402
from digestlake.pipeline.publish import write_exports  # noqa: E402
from digestlake.transforms.paper_days import paper_days  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
BASE = "http://localhost:8000/"


def groups(items: list[PaperDayItem], slugs: dict[str, str], n: int) -> list[tuple]:
    by_tag: dict[str, list[PaperDayItem]] = {}
    for item in items:
        for tag in item.tags:
            by_tag.setdefault(tag, []).append(item)
    tags = [(slugs[t], f"digestlake: #{t}", g[:n]) for t, g in sorted(by_tag.items())]
    return [("all", "digestlake: all papers", items[:n]), *tags]


def ours_rss_atom(feeds: list[tuple]) -> list[bytes]:
    entries = FeedEntries()
    out = []
    for stem, title, items in feeds:
        out += render_feeds(items, entries, title=title, url=BASE + stem, site_url=BASE)
    return out


def naive(feeds: list[tuple]) -> list[bytes]:
    """The same channel and entries, built anew for every feed and format."""
    out = []
    for stem, title, items in feeds:
        for suffix in (".xml", ".atom"):
            fg = FeedGenerator()
            fg.load_extension("dc", atom=False, rss=True)
            fg.title(title)
            fg.description(f"{title}: papers from the digests, with their commentary")
            fg.author({"name": "digestlake"})
            fg.language("ko")
            fg.generator("digestlake")
            newest = max(i.published for i in items)
            fg.lastBuildDate(newest)
            fg.updated(newest)
            for item in items:
                fe = fg.add_entry(order="append")
                fe.id(item.guid)
                fe.guid(item.guid, permalink=False)
                fe.title(item.title)
                if item.link:
                    fe.link(href=item.link)
                for name in item.authors:
                    fe.author(name=name)
                if item.authors:
                    fe.dc.dc_creator(", ".join(item.authors))
                fe.content(item.content_html, type="html")
                if item.summary:
                    fe.summary(item.summary)
                for tag in item.tags:
                    fe.category(term=tag)
                fe.pubDate(item.published)
                fe.updated(item.published)
            fg.id(BASE + stem + suffix)
            fg.link(href=BASE + stem + suffix, rel="self")
            fg.link(href=BASE, rel="alternate")
            out.append(fg.rss_str(pretty=True) if suffix == ".xml" else fg.atom_str(pretty=True))
    return out


def timed(runs: dict[str, list[float]], name: str, fn, *args, **kwargs) -> object:
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    runs.setdefault(name, []).append(time.perf_counter() - start)
    return result


def main() -> None:
    args = options(__doc__, repeat=3)
    need(CORPUS / "arxiv-today.bundle", "the note vault bundle")
    logging.disable(logging.WARNING)
    work = Path(tempfile.mkdtemp(prefix="bench-publish-"))
    try:
        sources = [
            SourceConfig("arxiv-today", "vault", path=str(CORPUS / "arxiv-today.bundle")),
            SourceConfig("digests", "digest", path=str(CORPUS / "digests")),
        ]
        ingest(Config(lake_path=work / "lake", exports_path=work / "out",
                      cache_path=work / "cache", sources=sources))  # fmt: skip
        lake, config, now = Lake(work / "lake"), ExportsConfig(), datetime(2026, 1, 1, tzinfo=UTC)
        mentions, papers = lake.read("mentions"), lake.read("papers")
        runs: dict[str, list[float]] = {}
        for k in range(args.repeat):
            out = work / f"out-{k}"
            first = timed(runs, "publish, empty folder", write_exports, lake, out, config, now)
            again = timed(runs, "publish, unchanged", write_exports, lake, out, config, now)
            assert not again.files.written
            days = timed(runs, "feeds: group paper-days", paper_days, mentions, papers)
            items = timed(runs, "feeds: build items", paper_day_items, days, config.timezone)
            slugs = tag_slugs([t for i in items for t in i.tags])
            feeds = groups(items, slugs, config.feed_items)
            ours = timed(runs, "feeds: RSS+Atom, ours", ours_rss_atom, feeds)
            plain = timed(runs, "feeds: RSS+Atom, naive feedgen", naive, feeds)
            assert ours == plain  # the same bytes, each way
            timed(runs, "feeds: all files, ours", feed_files, items, slugs, base_url=BASE,
                  max_items=config.feed_items, min_items=config.feed_min_items,
                  opml_format=config.opml_format)  # fmt: skip
            shutil.rmtree(out)
        t = {name: min(times) for name, times in runs.items()}
        live = mentions.filter(~mentions["deleted"]).height
        print(f"vault + corpus digests: {first.papers} papers, {live} live mentions, "
              f"{len(days)} paper-days, {len(feeds)} feeds; best of {args.repeat}")  # fmt: skip
        print(f"publish into an empty folder: {t['publish, empty folder']:.2f} s, "
              f"{len(first.files.written)} files written "
              f"({first.papers / t['publish, empty folder']:,.0f} papers/s)")  # fmt: skip
        print(f"publish, unchanged lake: {t['publish, unchanged']:.2f} s, 0 files written")
        for name in ("feeds: group paper-days", "feeds: build items", "feeds: RSS+Atom, ours",
                     "feeds: RSS+Atom, naive feedgen", "feeds: all files, ours"):  # fmt: skip
            print(f"  {name:34} {t[name]:.3f} s")
        naive_t = t["feeds: RSS+Atom, naive feedgen"]
        print(f"RSS+Atom: naive feedgen / ours = {naive_t / t['feeds: RSS+Atom, ours']:.2f}x")
        whole = t["feeds: all files, ours"] + t["feeds: group paper-days"] + t["feeds: build items"]
        print(f"whole feed part (grouping, items, RSS, Atom, JSON Feed, OPML) vs naive RSS+Atom: "
              f"{naive_t / whole:.2f}x")  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
