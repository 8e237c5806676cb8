"""``feeds/``: per tag and for everything, an RSS 2.0, an Atom and a JSON Feed 1.1 file of its
newest paper-days (``feed_items``), and ``index.opml`` listing one format per feed.

Every tag gets its files (a tag page may link them), but the OPML skips tags with fewer than
``[exports] feed_min_items`` items: a subscription list of hundreds of one-item feeds is noise.
"""

from __future__ import annotations

from digestlake.exports.feed_items import PaperDayItem
from digestlake.exports.feed_rss import FeedEntries, render_feeds
from digestlake.exports.json_feed import render_json_feed
from digestlake.exports.opml import FORMATS, opml

SUFFIXES = (".xml", ".atom", ".json", ".opml")


def feed_files(
    items: list[PaperDayItem],
    slugs: dict[str, str],
    *,
    base_url: str,
    max_items: int,
    min_items: int,
    opml_format: str,
) -> dict[str, bytes]:
    """``all.{xml,atom,json}``, ``<slug>.{xml,atom,json}`` per tag and ``index.opml``."""
    base = base_url.rstrip("/") + "/feeds/"
    by_tag: dict[str, list[PaperDayItem]] = {}
    for item in items:
        for tag in item.tags:
            by_tag.setdefault(tag, []).append(item)
    groups = [("all", "digestlake: all papers", items)] + [
        (slugs[tag], f"digestlake: #{tag}", tag_items) for tag, tag_items in sorted(by_tag.items())
    ]
    entries = FeedEntries()
    files: dict[str, bytes] = {}
    listed: list[tuple[str, str]] = []
    for stem, title, group in groups:
        chosen = group[:max_items]
        url = base + stem
        files[stem + ".xml"], files[stem + ".atom"] = render_feeds(
            chosen, entries, title=title, url=url, site_url=base_url
        )
        files[stem + ".json"] = render_json_feed(
            chosen, title=title, url=url + ".json", site_url=base_url
        )
        if stem == "all" or len(group) >= min_items:
            listed.append((title, url + FORMATS[opml_format]))
    files["index.opml"] = opml(listed, title="digestlake feeds")
    return files
