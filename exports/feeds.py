"""RSS 2.0 and Atom feeds per tag, one for everything, and an OPML index of them all.

An item is a mention: GUID ``urn:digestlake:mention:<id>`` (never changes for the mention),
link to the paper's arXiv page or its source, commentary and abstract as escaped text, a
category per tag, and the digest date at midnight in the configured timezone. Built with
feedgen, minding its traps (../shared/docs/landscape.md §11): items appended in order, the
build date set to the newest item (so unchanged data gives identical bytes), control
characters removed (lxml refuses them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

import polars as pl
from feedgen.feed import FeedGenerator

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def clean(text: str | None) -> str:
    return _CONTROL.sub("", text or "")


@dataclass(frozen=True, slots=True)
class FeedItem:
    guid: str
    title: str
    link: str | None
    description: str
    tags: tuple[str, ...]
    published: datetime


def feed_items(mentions: pl.DataFrame, papers: pl.DataFrame, timezone: str) -> list[FeedItem]:
    """Every live, dated mention as an item, newest first."""
    zone = ZoneInfo(timezone)
    paper = papers.select("paper_id", pl.col("title").alias("paper_title"), "url", "abstract")
    rows = (
        mentions.filter(~pl.col("deleted") & pl.col("digest_date").is_not_null())
        .drop("abstract")
        .join(paper, on="paper_id", how="left")
        .sort(
            ["digest_date", "source_id", "position", "mention_id"],
            descending=[True, False, False, False],
        )
    )
    items = []
    for r in rows.iter_rows(named=True):
        commentary = clean(r["commentary"])
        title = clean(r["title"] or r["paper_title"]) or (commentary[:80] + "...")
        parts = [commentary] if commentary else []
        if r["abstract"]:
            parts.append("Abstract: " + clean(r["abstract"]))
        link = (
            r["url"]
            or next(iter(r["source_urls"] or []), None)
            or next(iter(r["links"] or []), None)
        )
        items.append(
            FeedItem(
                guid=f"urn:digestlake:mention:{r['mention_id']}",
                title=title,
                link=link,
                description="\n\n".join(parts) or title,
                tags=tuple(r["tags"] or ()),
                published=datetime.combine(r["digest_date"], time(0, 0), tzinfo=zone),
            )
        )
    return items


def render_feed(
    items: list[FeedItem], *, title: str, self_url: str, site_url: str, atom: bool
) -> bytes:
    fg = FeedGenerator()
    fg.title(title)
    fg.id(self_url)
    fg.link(href=self_url, rel="self")
    fg.link(href=site_url, rel="alternate")  # RSS <link> is the last link added
    fg.description(f"{title}: papers from the digests, with their commentary")
    fg.author({"name": "digestlake"})
    fg.language("ko")
    fg.generator("digestlake")
    newest = max((i.published for i in items), default=_EPOCH)
    fg.lastBuildDate(newest)
    fg.updated(newest)
    for item in items:
        fe = fg.add_entry(order="append")
        fe.id(item.guid)
        fe.guid(item.guid, permalink=False)
        fe.title(item.title)
        if item.link:
            fe.link(href=item.link)
        fe.description(item.description)
        for tag in item.tags:
            fe.category(term=tag)
        fe.pubDate(item.published)
        fe.updated(item.published)
    return fg.atom_str(pretty=True) if atom else fg.rss_str(pretty=True)


def opml(feeds: list[tuple[str, str, str]], title: str) -> bytes:
    """An OPML 2.0 index: (title, type, url) per feed, RSS and Atom in two groups."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    body = ET.SubElement(root, "body")
    for kind, label in (("rss", "RSS 2.0"), ("atom", "Atom")):
        group = ET.SubElement(body, "outline", text=label, title=label)
        for feed_title, feed_kind, url in feeds:
            if feed_kind == kind:
                ET.SubElement(
                    group, "outline", type=kind, text=feed_title, title=feed_title, xmlUrl=url
                )
    ET.indent(root)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8") + b"\n"


def feed_files(
    items: list[FeedItem], slugs: dict[str, str], *, base_url: str, max_items: int
) -> dict[str, bytes]:
    """``all.xml``/``all.atom``, ``<slug>.xml``/``<slug>.atom`` per tag and ``index.opml``."""
    base = base_url.rstrip("/") + "/feeds/"
    by_tag: dict[str, list[FeedItem]] = {}
    for item in items:
        for tag in item.tags:
            by_tag.setdefault(tag, []).append(item)
    files: dict[str, bytes] = {}
    listed: list[tuple[str, str, str]] = []
    groups = [("all", "digestlake: all papers", items)] + [
        (slugs[tag], f"digestlake: #{tag}", tag_items) for tag, tag_items in sorted(by_tag.items())
    ]
    for stem, title, group in groups:
        chosen = group[:max_items]
        for suffix, atom in ((".xml", False), (".atom", True)):
            url = base + stem + suffix
            files[stem + suffix] = render_feed(
                chosen, title=title, self_url=url, site_url=base_url, atom=atom
            )
            listed.append((title, "atom" if atom else "rss", url))
    files["index.opml"] = opml(listed, "digestlake feeds")
    return files
