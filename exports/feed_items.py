"""Paper-days as the items of our feeds: what every format (RSS, Atom, JSON Feed) says about one.

An item is a paper on a digest day (``transforms.paper_days``): GUID
``urn:digestlake:paper:<paper_id>:<YYYY-MM-DD>`` (a mention naming no paper:
``urn:digestlake:mention:<mention_id>:<date>``), so it never changes for that paper and day and
a later mention of the paper is a new item. Its content is HTML built here from plain text,
every character of which is escaped, so nothing from a source reaches a reader as markup: one
``<p>`` per commentary line, each source's commentary under its own heading, its signals
(upvotes, stars) beneath, then the abstract. The summary is plain text. Control characters
are removed (lxml refuses them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from html import escape
from zoneinfo import ZoneInfo

import polars as pl

from digestlake.transforms.entry import find_urls
from digestlake.transforms.paper_days import SIGNALS

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_SUMMARY_CHARS = 300
_LABELS = dict(SIGNALS)


def clean(text: str | None) -> str:
    return _CONTROL.sub("", text or "")


@dataclass(frozen=True, slots=True)
class PaperDayItem:
    guid: str
    title: str
    link: str | None
    authors: tuple[str, ...]
    summary: str | None  # plain text
    content_html: str
    tags: tuple[str, ...]
    published: datetime


def _linked(line: str) -> str:
    """A line as HTML: escaped, its http(s) URLs made links (no other scheme can appear)."""
    urls = find_urls(line)
    if not urls:
        return escape(line)
    pieces = re.split("(" + "|".join(map(re.escape, urls)) + ")", line)
    return "".join(
        f'<a href="{escape(p)}">{escape(p)}</a>' if k % 2 else escape(p)
        for k, p in enumerate(pieces)
    )


def _paragraphs(text: str | None) -> list[str]:
    return [f"<p>{_linked(line)}</p>" for line in clean(text).split("\n") if line.strip()]


def _signals(mention: dict) -> list[str]:
    shown = []
    for column, label in SIGNALS:
        value = mention.get(column)
        if value is None or column == "machine_summary":
            continue
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            shown.append(f'{escape(label)}: <a href="{escape(value)}">{escape(clean(value))}</a>')
        else:
            shown.append(f"{escape(label)}: {escape(clean(str(value)))}")
    return [f"<p><small>{' · '.join(shown)}</small></p>"] if shown else []


def _source_body(mention: dict, commentary: bool) -> list[str]:
    body = _paragraphs(mention["commentary"]) if commentary else []
    body += _signals(mention)
    if summary := mention.get("machine_summary"):
        label = escape(_LABELS["machine_summary"])
        body += [f"<p><em>{label}:</em> {_linked(clean(summary))}</p>"]
    return body


def _sources(mentions: list[dict]) -> list[str]:
    """A heading and the body per source; a commentary another source of the day already
    gave (a vault note and its rendering as a text digest) is not repeated: that source's
    name joins the first one's heading."""
    sections: list[tuple[list[str], list[str]]] = []  # (sources, body)
    owner: dict[str, int] = {}  # commentary -> the section that gave it
    for mention in mentions:
        source, text = clean(mention["source_id"]), mention["commentary"]
        if text and text in owner:
            names, body = sections[owner[text]]
            names.append(source)
            body += _source_body(mention, commentary=False)
            continue
        if text:
            owner[text] = len(sections)
        sections.append(([source], _source_body(mention, commentary=True)))
    return [
        line
        for names, body in sections
        if body
        for line in (f"<h3>{escape(', '.join(names))}</h3>", *body)
    ]


def content_html(day: dict) -> str:
    parts = _sources(day["mentions"])
    if day["abstract"]:
        parts += ["<h3>Abstract</h3>", *_paragraphs(day["abstract"])]
    about = []
    if day["link"]:
        label = f"arXiv:{day['arxiv_id']}" if day["arxiv_id"] else day["link"]
        about.append(f'<a href="{escape(day["link"])}">{escape(clean(label))}</a>')
    first: date = day["first_date"]
    if first != day["digest_date"]:
        about.append(f"first mentioned {first.isoformat()}")
    if about:
        parts.append(f"<p>{' · '.join(about)}</p>")
    return "\n".join(parts)


def plain_summary(day: dict) -> str | None:
    """The first commentary (else the abstract) as one line, cut at a word near 300
    characters; none rather than the title again when there is neither."""
    text = next((m["commentary"] for m in day["mentions"] if m["commentary"]), day["abstract"])
    flat = " ".join(clean(text).split())
    if len(flat) <= _SUMMARY_CHARS:
        return flat or None
    cut = flat.rfind(" ", 0, _SUMMARY_CHARS)
    return flat[: cut if cut > 0 else _SUMMARY_CHARS] + " …"


def guid(day: dict) -> str:
    about = f"paper:{day['paper_id']}" if day["paper_id"] else day["item_id"]
    return f"urn:digestlake:{about}:{day['digest_date'].isoformat()}"


def paper_day_items(days: pl.DataFrame, timezone: str) -> list[PaperDayItem]:
    """Every paper-day as an item, in the frame's order (newest day first)."""
    zone = ZoneInfo(timezone)
    return [
        PaperDayItem(
            guid=guid(day),
            title=clean(day["title"]),
            link=day["link"],
            authors=tuple(clean(name) for name in day["authors"]),
            summary=plain_summary(day),
            content_html=content_html(day),
            tags=tuple(day["tags"]),
            published=datetime.combine(day["digest_date"], time(0, 0), tzinfo=zone),
        )
        for day in days.iter_rows(named=True)
    ]
