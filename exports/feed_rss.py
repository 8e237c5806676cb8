"""RSS 2.0 and Atom with feedgen, minding its traps (../shared/docs/landscape.md §11): items
appended in order (its default prepends), the build date set to the newest item (so unchanged
data gives identical bytes), timezone-aware dates.

Authors go out as one ``dc:creator`` in RSS (its own ``<author>`` must be an e-mail
address), names comma-joined as arXiv's listings write them, and one ``<author><name>`` each
in Atom; the HTML content as ``content:encoded`` / ``content type="html"``, the plain summary
as ``description`` / ``summary``. An item's feedgen entry is built once and shared by every
feed that lists it (the tag feeds and ``all``): building entries, not writing
XML, is where a naive loop spends its time.
"""

from __future__ import annotations

from datetime import UTC, datetime

from feedgen.entry import FeedEntry
from feedgen.ext.dc import DcEntryExtension
from feedgen.feed import FeedGenerator

from digestlake.exports.feed_items import PaperDayItem

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


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
    fe = FeedEntry()
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
