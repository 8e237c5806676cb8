"""A feed's bytes as items: RSS 2.0 and Atom through feedparser, JSON Feed 1.x by its spec.

Hostile XML never reaches a parser that could expand it: a body that declares a DTD (the only
place an XML bomb's entities or an external entity can be declared) is refused by the rule of
``sources/oai_pmh.refuse_dtd``. feedparser gets the bytes in a stream, never as a string it
could take for a file name or URL, sanitises HTML (``<script>``, ``javascript:``) and reads
malformed XML as far as it goes; what it could not read is a problem reported with the items
it did read. A JSON Feed item whose fields have the wrong types is a problem of its own, and
the other items are still read.
"""

from __future__ import annotations

import calendar
import io
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

import feedparser

from digestlake.sources.oai_pmh import HostileXml, refuse_dtd
from digestlake.transforms.feed_record import FeedItem


@dataclass(frozen=True, slots=True)
class FeedProblem:
    """A part of a feed not read: the whole document (``position`` None) or one item."""

    reason: str
    position: int | None = None
    excerpt: str = ""


@dataclass(slots=True)
class ParsedFeed:
    items: list[FeedItem] = field(default_factory=list)
    problems: list[FeedProblem] = field(default_factory=list)
    title: str | None = None
    published: datetime | None = None  # the channel's pubDate / updated


def _moment(parsed: object) -> datetime | None:
    if parsed is None:
        return None
    return datetime.fromtimestamp(calendar.timegm(parsed), UTC)


def _xml_item(position: int, e: feedparser.FeedParserDict) -> FeedItem:
    authors = tuple(a.get("name", "") for a in e.get("authors", []) if a.get("name"))
    content = e.get("content") or []
    return FeedItem(
        position=position,
        guid=e.get("id") or None,
        link=e.get("link") or None,
        title=e.get("title") or None,
        authors=authors or ((e["author"],) if e.get("author") else ()),
        summary=e.get("summary") or None,
        content=content[0].get("value") if content else None,
        tags=tuple(t.get("term") or "" for t in e.get("tags", [])),
        published=_moment(e.get("published_parsed") or e.get("updated_parsed")),
        announce_type=e.get("arxiv_announce_type") or None,
        rights=e.get("rights") or None,
        doi=e.get("arxiv_doi") or None,
        journal_ref=e.get("arxiv_journal_reference") or None,
    )


def parse_xml_feed(body: bytes, url: str, charset: str | None = None) -> ParsedFeed:
    try:
        refuse_dtd(body)
    except HostileXml as exc:
        return ParsedFeed(problems=[FeedProblem(str(exc))])
    content_type = "application/xml" + (f"; charset={charset}" if charset else "")
    headers = {"content-location": url, "content-type": content_type}
    parsed = feedparser.parse(io.BytesIO(body), response_headers=headers, sanitize_html=True)
    feed = ParsedFeed(
        title=parsed.feed.get("title"),
        published=_moment(parsed.feed.get("published_parsed") or parsed.feed.get("updated_parsed")),
        items=[_xml_item(i, e) for i, e in enumerate(parsed.entries, 1)],
    )
    if parsed.get("bozo") and not feed.items and not parsed.get("version"):
        feed.problems.append(FeedProblem(f"not a feed: {parsed.get('bozo_exception')}"))
    elif parsed.get("bozo") and not isinstance(
        parsed.get("bozo_exception"), feedparser.CharacterEncodingOverride
    ):
        feed.problems.append(
            FeedProblem(
                f"not well-formed ({parsed.get('bozo_exception')}): "
                f"{len(feed.items)} items read as far as it goes"
            )
        )
    return feed


class _WrongType(ValueError):
    pass


def _str(obj: dict, key: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _WrongType(f"{key} is {type(value).__name__}, not a string")
    return value


def _json_item(position: int, raw: object) -> FeedItem:
    if not isinstance(raw, dict):
        raise _WrongType(f"the item is {type(raw).__name__}, not an object")
    people = raw.get("authors") or ([raw["author"]] if raw.get("author") else [])
    tags = raw.get("tags") or []
    if not isinstance(people, list) or not all(isinstance(p, dict) for p in people):
        raise _WrongType("authors is not a list of objects")
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise _WrongType("tags is not a list of strings")
    names = tuple(n for p in people if (n := _str(p, "name")))
    when = _str(raw, "date_published") or _str(raw, "date_modified")
    try:
        published = datetime.fromisoformat(when) if when else None
    except ValueError as exc:
        raise _WrongType(f"date {when!r} is not RFC 3339") from exc
    ident = raw.get("id")
    if (ident is not None and not isinstance(ident, str | int)) or isinstance(ident, bool):
        raise _WrongType(f"id is {type(ident).__name__}, not a string")
    return FeedItem(
        position=position,
        guid=str(ident) if ident is not None else None,
        link=_str(raw, "url") or _str(raw, "external_url"),
        title=_str(raw, "title"),
        authors=names,
        summary=_str(raw, "summary"),
        content=_str(raw, "content_html") or _str(raw, "content_text"),
        tags=tuple(tags),
        published=published if published is None or published.tzinfo else None,
    )


def parse_json_feed(body: bytes) -> ParsedFeed:
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError) as exc:
        return ParsedFeed(problems=[FeedProblem(f"not JSON: {exc}")])
    items = doc.get("items") if isinstance(doc, dict) else None
    if not isinstance(items, list):
        return ParsedFeed(problems=[FeedProblem("a JSON Feed has an items list: none found")])
    feed = ParsedFeed(title=doc.get("title") if isinstance(doc.get("title"), str) else None)
    for position, raw in enumerate(items, 1):
        try:
            feed.items.append(_json_item(position, raw))
        except _WrongType as exc:
            excerpt = json.dumps(raw, ensure_ascii=False, default=str)[:200]
            feed.problems.append(FeedProblem(str(exc), position, excerpt))
    return feed


def parse_feed(body: bytes, url: str, charset: str | None = None) -> ParsedFeed:
    """The items of an RSS, Atom or JSON Feed document (told apart by its first byte)."""
    if body.lstrip()[:1] in (b"{", b"["):
        return parse_json_feed(body)
    return parse_xml_feed(body, url, charset)
