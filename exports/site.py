"""``site/``: a static site of the lake beside the other exports, to open from disk, serve from
any static host or get from ``digestlake serve``.

``index.html`` (the latest days, the busiest tags), ``search.html`` with ``search-index.js``,
``days/<YYYY-MM-DD>.html``, ``tags/<slug>.html`` (with a chart of mentions per month),
``sources/<slug>.html``, ``papers/<slug>.html`` and an index page in each folder; ``assets/``
holds the one stylesheet and two small scripts. Written through ``sync_folder``: a page is
rewritten only when its bytes change, and the same lake gives the same bytes.
"""

from __future__ import annotations

import re

import polars as pl

from digestlake.core.location import Location
from digestlake.exports.files import FileChanges, sync_folder, tag_slugs
from digestlake.exports.site_citations import Citation
from digestlake.exports.site_pages import TEMPLATES, FeedLink, PageRenderer
from digestlake.exports.site_search import search_index_script
from digestlake.transforms.site_listings import site_listings
from digestlake.transforms.site_papers import site_papers

SITE = "site"
RECENT_DAYS = 7  # days the index lists
BUSY_WINDOW_DAYS = 30  # the index's busiest tags count mentions of this many days
ASSETS = ("site.css", "site.js", "search.js")
_FEED_KINDS = {
    ".xml": ("application/rss+xml", "RSS"),
    ".atom": ("application/atom+xml", "Atom"),
    ".json": ("application/feed+json", "JSON Feed"),
}
_SUFFIXES = (".html", ".js", ".css")
_GUID = re.compile(rb"<guid[^>]*>urn:digestlake:paper:(.+?):\d{4}-\d{2}-\d{2}</guid>")


def feed_links(feed_names: set[str], slugs: dict[str, str]) -> tuple[list, dict[str, list]]:
    """The feeds the exports hold, as links from the site's root: those for everything, and
    each tag's (only the files that exist: a tag may have no feed)."""

    def links(stem: str, title: str) -> list[FeedLink]:
        return [
            FeedLink(kind, f"{title} ({label})", f"../feeds/{stem}{suffix}")
            for suffix, (kind, label) in _FEED_KINDS.items()
            if f"{stem}{suffix}" in feed_names
        ]

    by_tag = {tag: links(slug, f"#{tag}") for tag, slug in slugs.items()}
    return links("all", "All papers"), {tag: found for tag, found in by_tag.items() if found}


def papers_in_feeds(
    feeds: dict[str, bytes], links: dict[str, list[FeedLink]]
) -> dict[str, list[FeedLink]]:
    """The feeds each paper is in: those whose items' GUIDs (``urn:digestlake:paper:<id>:
    <day>``) name it, read from each RSS file (its Atom and JSON Feed hold the same items);
    ``links`` are the feeds' links by file stem, in the order pages list them."""
    found: dict[str, list[FeedLink]] = {}
    for stem, stem_links in links.items():
        for paper_id in dict.fromkeys(_GUID.findall(feeds.get(f"{stem}.xml", b""))):
            found.setdefault(paper_id.decode(), []).extend(stem_links)
    return found


def site_files(
    papers: pl.DataFrame,
    mentions: pl.DataFrame,
    days: pl.DataFrame,
    *,
    citations: dict[str, Citation],
    feeds: dict[str, bytes],
    slugs: dict[str, str],
) -> dict[str, dict[str, bytes]]:
    """Every file of the site by folder (``""`` is the site's root). ``days`` are the
    ``paper_days`` the feeds were made from too; ``feeds`` are the files of ``feeds/`` by name,
    which pages link and announce."""
    pages = site_papers(papers, mentions)
    listings = site_listings(pages, days, window_days=BUSY_WINDOW_DAYS)
    all_feeds, tag_feeds = feed_links(set(feeds), slugs)
    by_stem = {"all": all_feeds} | {slugs[tag]: links for tag, links in sorted(tag_feeds.items())}
    renderer = PageRenderer(
        tag_pages=slugs,
        source_pages=tag_slugs(list(listings.sources)),
        all_feeds=all_feeds,
        tag_feeds=tag_feeds,
        paper_feeds=papers_in_feeds(feeds, by_stem),
    )
    none = Citation(None, None)
    papers_folder = {
        f"{p.slug}.html": renderer.paper(
            p, citations.get(p.paper_id, none).bibtex, citations.get(p.paper_id, none).csl
        )
        for p in pages
    }
    root = {
        "index.html": renderer.index(listings, pages, recent=RECENT_DAYS, window=BUSY_WINDOW_DAYS),
        "search.html": renderer.search(listings),
        "search-index.js": search_index_script(pages),
    }
    return {
        "": root,
        "assets": {name: (TEMPLATES / name).read_bytes() for name in ASSETS},
        "days": renderer.days(listings),
        "tags": renderer.tags(listings),
        "sources": renderer.sources(listings),
        "papers": papers_folder,
    }


def write_site(out: Location, files: dict[str, dict[str, bytes]]) -> FileChanges:
    """Sync each folder of the site; pages of papers, days, tags or sources that are gone
    are removed (only files digestlake wrote). Each page is replaced atomically, and the
    folders are flushed once at the end rather than per page: a first build writes thousands
    of pages, derived from the lake, and the next publish rewrites any page that differs."""
    changes = FileChanges()
    for folder, folder_files in files.items():
        path = f"{SITE}/{folder}" if folder else SITE
        changes.extend(sync_folder(out, path, folder_files, _SUFFIXES, sync=False))
    if changes.written or changes.removed:
        out.sync(SITE)
    return changes
