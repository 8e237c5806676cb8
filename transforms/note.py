"""A Markdown note of a vault (one paper per note) into an entry.

Layout (2024 onwards): source URL line(s), ``*Title* (Authors)``, ``> abstract``, commentary,
``#tags``, ``# Links`` with ``[[wikilinks]]``. Older notes have ``Title (Authors)`` without
italics, or a title and URL on one line, or no title at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import PurePosixPath

from digestlake.transforms.commentary import has_hangul
from digestlake.transforms.digest import split_inline_head
from digestlake.transforms.entry import Entry, ParseIssue, build_entry
from digestlake.transforms.tags import parse_tag_line

# Every pattern here stays linear in the line: no run is matched again from each of its
# positions. A URL line has no whitespace (checked once, by the lookahead) and its URL starts
# at the first ``http(s)://`` or ``arxiv.org/``.
_URL_LINE = re.compile(r"^\s*+(?=\S++$)\S*?((?:https?://|arxiv\.org/)\S+)$")
_URL_THEN_TEXT = re.compile(r"^\s*(https?://\S+)\s+(\S.*)$")
# ``Title https://...``: the title ends on a non-space, so the spaces before the URL are
# matched from the start of their run only.
_TITLE_THEN_URL = re.compile(r"^(?P<title>[^\s#>](?:.*?\S)?)\s++\(?(?P<url>https?://[^\s)]++)\)?$")
_HEADING_LINK = re.compile(r"^#{1,6}\s*\[(?P<title>[^\]]+)\]\((?P<url>https?://[^)\s]+)\)\s*$")
_LINKS_HEADING = re.compile(r"^#\s+Links\s*$", re.IGNORECASE)
# ``[[note#heading|alias]]``. Links do not nest: no ``[[`` inside one, so the search from each
# ``[[`` of ``[[a|[[a|...`` stops at the next ``[[`` instead of running to the end of the line.
_WIKILINK = re.compile(r"\[\[((?:[^\[\]|#]|\[(?!\[))++)(?:[#|](?:[^\[\]]|\[(?!\[))*+)?\]\]")
_DATE_PREFIX = re.compile(r"^(\d{2})(\d{2})(\d{2})(?!\d)")


@dataclass(frozen=True, slots=True)
class ParsedNote:
    entry: Entry | None
    issues: list[ParseIssue]


def date_from_note_name(path: str) -> date | None:
    """The paper date of ``arXiv/2024/240617 Title.md`` (its ``YYMMDD`` prefix)."""
    m = _DATE_PREFIX.match(PurePosixPath(path).name)
    if not m:
        return None
    try:
        return date(2000 + int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _split_italic_title(text: str) -> tuple[str, str | None] | None:
    """``*Title* (Authors)``: the title runs to the last ``*``, titles hold parentheses."""
    if not text.startswith("*") or (text.startswith("**") and text.count("*") < 4):
        return None
    last = text.rfind("*")
    if last <= 0:
        return None
    title = text[1:last].strip()
    rest = text[last + 1 :].strip()
    authors = rest[1:-1].strip() if rest.startswith("(") and rest.endswith(")") else None
    return title, authors


def parse_note(text: str, path: str) -> ParsedNote:
    """The entry of one note; ``path`` gives its date and names it in issues."""
    lines = [
        (n, line.rstrip(" \t\r"))
        for n, line in enumerate(text.removeprefix("\ufeff").splitlines(), start=1)
    ]
    lines = [(n, line) for n, line in lines if line.strip()]
    if not lines:
        return ParsedNote(None, [ParseIssue(1, "empty note", "")])
    body_end = next((k for k, (_, t) in enumerate(lines) if _LINKS_HEADING.match(t)), len(lines))
    wikilinks = [
        m.strip().removesuffix(".md") for _, t in lines[body_end:] for m in _WIKILINK.findall(t)
    ]
    lines = lines[:body_end]

    urls: list[str] = []
    k = 0
    while k < len(lines) and (m := _URL_LINE.match(lines[k][1])):
        urls.append(m.group(1) if m.group(1).startswith("http") else f"https://{m.group(1)}")
        k += 1
    if k < len(lines) and (m := _URL_THEN_TEXT.match(lines[k][1])):
        urls.append(m.group(1))  # an old note: the URL, then its commentary on the same line
        lines[k] = (lines[k][0], m.group(2))

    title = authors = None
    if k < len(lines):
        text0 = lines[k][1]
        if text0.startswith("*") and text0.rfind("*") == 0 and k + 1 < len(lines):
            text0 = f"{text0} {lines[k + 1][1]}"  # an italic title hard-wrapped over two lines
            k += 1
        if italic := _split_italic_title(text0):
            title, authors = italic
            k += 1
        elif (m := _HEADING_LINK.match(text0)) or (
            (m := _TITLE_THEN_URL.match(text0)) and not has_hangul(m.group("title"))
        ):
            title = m.group("title").strip()
            urls.append(m.group("url"))
            k += 1
        elif inline := split_inline_head(text0):
            title, authors = inline
            k += 1
        elif (
            parse_tag_line(text0) is None
            and not has_hangul(text0)
            and not text0.startswith(">")
            and len(text0) < 200
            and not text0.endswith(".")
        ):
            title = text0.strip()
            k += 1
        if authors is None and k < len(lines):
            following = lines[k][1]
            if following.startswith("(") and following.endswith(")") and not has_hangul(following):
                authors = following[1:-1].strip()
                k += 1

    abstract_lines: list[str] = []
    while k < len(lines) and lines[k][1].startswith(">"):
        quoted = lines[k][1][1:].strip()
        if quoted:
            abstract_lines.append(quoted)
        k += 1

    commentary: list[str] = []
    tags: dict[str, None] = {}  # in order, without repeats
    for _, line in lines[k:]:
        line_tags = parse_tag_line(line)
        if line_tags is not None:
            tags.update(dict.fromkeys(line_tags))
        else:
            commentary.append(line)

    if title is None and not urls and not commentary:
        issue = ParseIssue(lines[0][0], "note with no title, link or commentary", lines[0][1])
        return ParsedNote(None, [issue])
    entry = build_entry(
        line=1,
        title=title,
        authors_raw=authors,
        abstract="\n".join(abstract_lines) or None,
        commentary_lines=commentary,
        tags=list(tags),
        source_urls=urls,
        wikilinks=wikilinks,
        digest_date=date_from_note_name(path),
        position=0,
    )
    if isinstance(entry, ParseIssue):  # past a bound of limits
        return ParsedNote(None, [entry])
    return ParsedNote(entry, [])
