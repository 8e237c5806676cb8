"""Feed items (RSS 2.0, Atom, JSON Feed, as ``sources/feed_parse.py`` reads them) as mentions.

One mention per item, known by its GUID (else its link, else its title): a feed that edits an
item updates its mention, and items that fall off the end of the feed stay in the lake. Its
commentary is the item's content (or summary) as clean text with its links kept; its paper is
the arXiv id of its link or GUID, else the first its text names; an arXiv category listing
(``transforms/feed_arxiv.py``) gives the abstract, authors and announce type instead.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, tzinfo

from digestlake.transforms.arxiv_ids import find_arxiv_ids, parse_arxiv_id
from digestlake.transforms.entry import ParseIssue, build_entry
from digestlake.transforms.feed_arxiv import Listed, listing_entry
from digestlake.transforms.feed_record import FeedItem
from digestlake.transforms.feed_text import clean_lines, html_to_text, web_link
from digestlake.transforms.mentions import MentionInput
from digestlake.transforms.tags import normalise_tag

_LONGEST = 2048  # characters of an identity kept as it is


def item_identity(item: FeedItem) -> str | None:
    """The GUID, else the link, else the title: what keeps the item's mention stable (one
    longer than a URL may be is known by its digest, so no hostile GUID fills the lake)."""
    for value in (item.guid, item.link, item.title):
        if value and (text := clean_lines(value)):
            return (
                text if len(text) <= _LONGEST else f"sha1:{hashlib.sha1(text.encode()).hexdigest()}"
            )
    return None


def item_location(feed: str, item: FeedItem) -> str:
    """Where an item is, for the mention's ``file`` and quarantine: ``<feed>#<identity>``."""
    identity = item_identity(item)
    return f"{feed}#{identity}" if identity else f"{feed}#item-{item.position}"


def digest_day(moment: datetime | None, zone: tzinfo) -> date | None:
    return moment.astimezone(zone).date() if moment else None


def _tags(item: FeedItem) -> list[str]:
    return list(dict.fromkeys(t for t in map(normalise_tag, item.tags) if t))


def feed_mention(
    item: FeedItem, feed: str, zone: tzinfo, listing: Listed | None = None
) -> MentionInput | ParseIssue:
    """The mention of ``item`` of the feed at ``feed`` (``listing``: its arXiv listing parts),
    or the issue that quarantines it (an item with neither title nor link, or past a bound of
    ``transforms/limits.py``)."""
    title = html_to_text(item.title) or None
    link = web_link(item.link)
    location = item_location(feed, item)
    if not title and not link:
        what = f"item {item.position} has no title and no link"
        return ParseIssue(0, what, clean_lines(item.summary or item.content or "")[:200])
    day = digest_day(item.published, zone)
    if listing is not None:
        entry = listing_entry(item, listing, title, day)
        if isinstance(entry, ParseIssue):
            return entry
        signals = {"guid": item.guid, "announce_type": listing.announce_type}
        return MentionInput(entry, location, location, signals=signals)
    body = html_to_text(item.content or item.summary)
    guid_id = parse_arxiv_id(item.guid) if item.guid else None
    entry = build_entry(
        line=0,
        title=title,
        authors_raw=", ".join(clean_lines(a) for a in item.authors if a.strip()) or None,
        abstract=None,
        commentary_lines=body.split("\n") if body else [],
        tags=_tags(item),
        source_urls=[u for u in (link, guid_id and f"https://arxiv.org/abs/{guid_id}") if u],
        digest_date=day,
        position=item.position,
    )
    if isinstance(entry, ParseIssue):
        return entry
    named = find_arxiv_ids(body)
    if entry.arxiv_id is None and named:  # an item about the paper its text links first
        entry.arxiv_id, entry.arxiv_version = named[0].id, named[0].version
        entry.cited_arxiv_ids = [i for i in entry.cited_arxiv_ids if i != named[0].id]
    return MentionInput(entry, location, location, signals={"guid": item.guid})
