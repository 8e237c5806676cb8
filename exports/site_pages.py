"""The site's HTML pages, rendered with Jinja2 from ``site_templates/`` with autoescaping on:
every text from the lake is escaped wherever it lands, and a link from the lake is written
only when ``safe_url`` accepts it (http(s), with a host), so no title, commentary or link can
add markup or a script. Pages link to each other relatively, so the site works from any
folder, ``file://`` included.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from digestlake.exports.site_chart import month_chart
from digestlake.transforms.site_listings import Listings
from digestlake.transforms.site_papers import SitePaper, safe_url

TEMPLATES = Path(__file__).parent / "site_templates"
_URL = re.compile(r"https?://[^\s<>\"'()\[\]{}]+")


@dataclass(frozen=True, slots=True)
class FeedLink:
    type: str  # the MIME type, for <link rel="alternate" type=...>
    title: str
    href: str  # relative to the site's root folder


def linkify(text: str) -> Markup:
    """``text`` escaped, with each http(s) URL in it a link (trailing punctuation left out)."""
    if "http" not in text:  # most lines: no URL to look for
        return escape(text)
    out, last = [], 0
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(".,;:!?")
        out.append(escape(text[last : match.start()]))
        if safe_url(url):
            out.append(Markup('<a href="{0}" rel="nofollow noopener">{0}</a>').format(url))
        else:
            out.append(escape(url))
        last = match.start() + len(url)
    out.append(escape(text[last:]))
    return Markup("").join(out)


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["linkify"] = linkify
    return env


def _with_root(feeds: list[FeedLink], root: str) -> list[FeedLink]:
    return [FeedLink(f.type, f.title, root + f.href) for f in feeds]


@dataclass
class PageRenderer:
    """Renders each page kind with what every page needs: the tag and source page names and
    the feeds (relative to the site root) for everything, for each tag and for each paper. A
    page announces the feeds it belongs to; the footer, the feeds for everything."""

    tag_pages: dict[str, str]
    source_pages: dict[str, str]
    all_feeds: list[FeedLink]
    tag_feeds: dict[str, list[FeedLink]]
    paper_feeds: dict[str, list[FeedLink]]  # by paper id: the feeds that hold an item of it

    def __post_init__(self) -> None:
        self.env = environment()
        self.env.globals["tag_links"] = self.tag_links
        self._tag_links: dict[tuple[tuple[str, ...], str], Markup] = {}

    def tag_links(self, tags: tuple[str, ...], root: str) -> Markup:
        """A list of links to the tags' pages: the same few lists recur on thousands of
        pages, so each is rendered once."""
        key = (tuple(tags), root)
        if key not in self._tag_links:
            items = Markup("").join(
                Markup('<li><a href="{}tags/{}.html">#{}</a></li>').format(
                    root, self.tag_pages[tag], tag
                )
                for tag in tags
            )
            self._tag_links[key] = (
                Markup('<ul class="tags" aria-label="Tags">{}</ul>').format(items) if tags else ""
            )
        return self._tag_links[key]

    def render(self, template: str, root: str, feeds: list[FeedLink], **values: object) -> bytes:
        page = self.env.get_template(template).render(
            root=root,
            feeds=_with_root(feeds, root),
            site_feeds=_with_root(self.all_feeds, root),
            tag_pages=self.tag_pages,
            source_pages=self.source_pages,
            **values,
        )
        return page.encode()

    def index(self, listings: Listings, papers: list[SitePaper], *, recent: int, window: int):
        newest = next(iter(listings.days), None)
        return self.render(
            "index.html",
            "",
            self.all_feeds,
            days=list(listings.days.items())[:recent],
            busiest=listings.busiest[:20],
            window_days=window,
            newest=newest,
            window_start=newest - timedelta(days=window - 1) if newest else None,
            n_papers=len(papers),
            n_mentions=sum(len(p.mentions) for p in papers),
            n_sources=len(listings.sources),
        )

    def days(self, listings: Listings) -> dict[str, bytes]:
        ordered = list(listings.days.items())
        pages = {}
        for i, (day, entries) in enumerate(ordered):
            pages[f"{day.isoformat()}.html"] = self.render(
                "day.html",
                "../",
                self.all_feeds,
                day=day,
                entries=entries,
                newer=ordered[i - 1][0] if i > 0 else None,
                older=ordered[i + 1][0] if i + 1 < len(ordered) else None,
            )
        months: dict[str, list[tuple[date, int]]] = {}
        for day, entries in ordered:
            months.setdefault(day.strftime("%Y-%m"), []).append((day, len(entries)))
        pages["index.html"] = self.render(
            "days.html", "../", self.all_feeds, months=list(months.items())
        )
        return pages

    def tags(self, listings: Listings) -> dict[str, bytes]:
        pages = {}
        for tag, papers in listings.tags.items():
            months = listings.tag_months.get(tag, [])
            pages[f"{self.tag_pages[tag]}.html"] = self.render(
                "tag.html",
                "../",
                self.tag_feeds.get(tag, []),
                tag=tag,
                papers=papers,
                months=months,
                chart=Markup(month_chart(months, tag)),
            )
        counts = sorted(((t, len(p)) for t, p in listings.tags.items()), key=lambda x: x[0])
        pages["index.html"] = self.render("tags.html", "../", self.all_feeds, tags=counts)
        return pages

    def sources(self, listings: Listings) -> dict[str, bytes]:
        pages = {
            f"{self.source_pages[source]}.html": self.render(
                "source.html",
                "../",
                self.all_feeds,
                source=source,
                days=days,
                total=sum(days.values()),
            )
            for source, days in listings.sources.items()
        }
        pages["index.html"] = self.render(
            "sources.html", "../", self.all_feeds, sources=listings.sources
        )
        return pages

    def paper(self, paper: SitePaper, bibtex: str | None, csl: str | None) -> bytes:
        return self.render(
            "paper.html", "../", self.paper_feeds.get(paper.paper_id, []),
            paper=paper, bibtex=bibtex, csl=csl,
        )  # fmt: skip

    def search(self, listings: Listings) -> bytes:
        days = list(listings.days)
        counts = sorted(((t, len(p)) for t, p in listings.tags.items()), key=lambda x: x[0])
        return self.render(
            "search.html",
            "",
            self.all_feeds,
            tags=counts,
            sources=list(listings.sources),
            first_day=days[-1].isoformat() if days else "",
            last_day=days[0].isoformat() if days else "",
        )
