"""JSON Feed 1.1 (https://jsonfeed.org/version/1.1), written by hand: feedgen has no JSON Feed,
the writers on PyPI are small unmaintained packages, and the format is one JSON object whose
every field is ours to set (``json.dumps`` with a fixed key order gives stable bytes)."""

from __future__ import annotations

import json

from digestlake.exports.feed_items import PaperDayItem

VERSION = "https://jsonfeed.org/version/1.1"


def _item(item: PaperDayItem) -> dict:
    out: dict = {"id": item.guid}
    if item.link:
        out["url"] = item.link
    out["title"] = item.title
    out["content_html"] = item.content_html
    if item.summary:
        out["summary"] = item.summary
    out["date_published"] = item.published.isoformat()
    if item.tags:
        out["tags"] = list(item.tags)
    if item.authors:
        out["authors"] = [{"name": name} for name in item.authors]
    return out


def render_json_feed(items: list[PaperDayItem], *, title: str, url: str, site_url: str) -> bytes:
    """The feed at ``url`` (its ``feed_url``), the exports' ``site_url`` as its home page."""
    feed = {
        "version": VERSION,
        "title": title,
        "home_page_url": site_url,
        "feed_url": url,
        "description": f"{title}: papers from the digests, with their commentary",
        "language": "ko",
        "authors": [{"name": "digestlake"}],
        "items": [_item(item) for item in items],
    }
    return json.dumps(feed, ensure_ascii=False, indent=1).encode() + b"\n"
