"""RSS 2.0 and Atom with feedgen, minding its traps (../shared/docs/landscape.md §11): items
appended in order (its default prepends), the build date set to the newest item (so unchanged
data gives identical bytes), timezone-aware dates.

Authors go out as one ``dc:creator`` in RSS (its own ``<author>`` must be an e-mail
address), names comma-joined as arXiv's listings write them, and one ``<author><name>`` each
in Atom; the HTML content as ``content:encoded`` / ``content type="html"``, the plain summary
as ``description`` / ``summary``. An item's feedgen entry is built once and shared by every
feed that lists it (the tag feeds and ``all``), and so are its XML elements: a naive loop
spends more of its time building them than writing them.
"""

from __future__ import annotations

from datetime import UTC, datetime

from feedgen.entry import FeedEntry
from feedgen.ext.dc import DcEntryExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from digestlake.exports.feed_items import PaperDayItem

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class _BuiltOnce(FeedEntry):
    """A feedgen entry whose RSS and Atom elements are built on first use and reused by every
    later feed: feedgen builds them anew for each feed it renders. Reusing one is safe because
    a feed is serialised before the next is built (appending the element to the next feed's
    channel moves it there) and an item is in a feed at most once."""

    _rss = None
    _atom = None

    def rss_entry(self, extensions: bool = True) -> etree._Element:
        if self._rss is None:
            self._rss = super().rss_entry(extensions)
        return self._rss

    def atom_entry(self, extensions: bool = True) -> etree._Element:
        if self._atom is None:
            self._atom = super().atom_entry(extensions)
        return self._atom


class FeedEntries:
    """One feedgen entry per item, made on first use."""

    def __init__(self) -> None:
        self._made: dict[str, FeedEntry] = {}

    def entry(self, item: PaperDayItem) -> FeedEntry:
        fe = self._made.get(item.guid)
        if fe is None:
            fe = self._made[item.guid] = _entry(item)
        return fe


def _entry(item: PaperDayItem) -> FeedEntry:
    fe = _BuiltOnce()
    fe.register_extension("dc", DcEntryExtension, atom=False, rss=True)
    fe.id(item.guid)
    fe.guid(item.guid, permalink=False)
    fe.title(item.title)
    if item.link:
        fe.link(href=item.link)
    for name in item.authors:
        fe.author(name=name)
    if item.authors:  # one element, names comma-joined, as arXiv's listings write it
        fe.dc.dc_creator(", ".join(item.authors))
    fe.content(item.content_html, type="html")
    if item.summary:  # after the content: feedgen's description() would replace Atom's content
        fe.summary(item.summary)
    for tag in item.tags:
        fe.category(term=tag)
    fe.pubDate(item.published)
    fe.updated(item.published)
    return fe


def render_feeds(
    items: list[PaperDayItem], entries: FeedEntries, *, title: str, url: str, site_url: str
) -> tuple[bytes, bytes]:
    """(RSS 2.0, Atom) of ``items``, from one generator; ``url`` is the feeds' address
    without its suffix (``.xml``, ``.atom``)."""
    fg = FeedGenerator()
    fg.load_extension("dc", atom=False, rss=True)
    fg.title(title)
    fg.description(f"{title}: papers from the digests, with their commentary")
    fg.author({"name": "digestlake"})
    fg.language("ko")
    fg.generator("digestlake")
    newest = max((i.published for i in items), default=_EPOCH)
    fg.lastBuildDate(newest)
    fg.updated(newest)
    for item in items:
        fg.add_entry(entries.entry(item), order="append")
    rendered = []
    for suffix, render in ((".xml", fg.rss_str), (".atom", fg.atom_str)):
        fg.id(url + suffix)
        fg.link(href=url + suffix, rel="self", replace=True)
        fg.link(href=site_url, rel="alternate")  # RSS <link> is the last link added
        rendered.append(render(pretty=True))
    return rendered[0], rendered[1]
