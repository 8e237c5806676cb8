"""A Markdown note of a vault (one paper per note) into an entry.

Layout (2024 onwards): source URL line(s), ``*Title* (Authors)``, ``> abstract``, commentary,
``#tags``, ``# Links`` with ``[[wikilinks]]``. Older notes vary the head (``note_head``), put
their tags at the end of the last commentary line or text after the tag line, and their
wikilinks anywhere; see README, "Parsing: decisions and limits".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import PurePosixPath

from digestlake.transforms.entry import Entry, ParseIssue, build_entry
from digestlake.transforms.note_head import read_head
from digestlake.transforms.tags import parse_tag_line

_LINKS_HEADING = re.compile(r"^#\s+Links\s*$", re.IGNORECASE)
# ``[[note#heading|alias]]``. Links do not nest: no ``[[`` inside one, so the search from each
# ``[[`` of ``[[a|[[a|...`` stops at the next ``[[`` instead of running to the end of the line.
_WIKILINK = re.compile(r"\[\[((?:[^\[\]|#]|\[(?!\[))++)(?:[#|](?:[^\[\]]|\[(?!\[))*+)?\]\]")
# A line of wikilinks only (``[[]]`` too, an empty one): links, not commentary. Each ``[[``
# group ends at the first ``]]``, so the repetition never has two ways to split a line.
_LINK_LINE = re.compile(r"\s*+(?:\[\[[^\[\]]*+\]\]\s*+)++")
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


def title_from_note_name(path: str) -> str | None:
    """The title a note's file name gives: ``arXiv/2023/231004 Yasa-1.md`` -> ``Yasa-1`` (its
    ``YYMMDD`` prefix dropped); None for a name that is only a date."""
    stem = PurePosixPath(path).name.removesuffix(".md")
    title = _DATE_PREFIX.sub("", stem).strip()
    return title or None


def split_trailing_tags(line: str) -> tuple[str, list[str]]:
    """(text, tags) of a commentary line ending in ``#tags``: notes of 2020-07 and -08 typed
    the tag line onto the last line of the commentary."""
    words = line.split()
    n = len(words)
    while n > 1 and parse_tag_line(words[n - 1]) is not None:
        n -= 1
    if n == len(words):
        return line, []
    cut = len(line)
    for word in reversed(words[n:]):  # each found just before the last: linear in the line
        cut = line.rfind(word, 0, cut)
    tags = [tag for word in words[n:] for tag in parse_tag_line(word) or ()]
    return line[:cut].rstrip(), tags


def parse_note(text: str, path: str) -> ParsedNote:
    """The entry of one note; ``path`` gives its date and names it in issues."""
    lines = [
        (n, line.rstrip(" \t\r"))
        for n, line in enumerate(text.removeprefix("\ufeff").splitlines(), start=1)
    ]
    lines = [(n, line) for n, line in lines if line.strip()]
    if not lines:
        return ParsedNote(None, [ParseIssue(1, "empty note", "")])
    texts = [t for _, t in lines]
    body_end = next((k for k, t in enumerate(texts) if _LINKS_HEADING.match(t)), len(texts))
    head = read_head(texts[:body_end])
    body = texts[head.end : body_end]
    if head.first is not None:
        body[0] = head.first

    k = 0
    abstract_lines: list[str] = []
    while k < len(body) and body[k].startswith(">"):
        if quoted := body[k][1:].strip():
            abstract_lines.append(quoted)
        k += 1

    commentary: list[str] = []
    tags: dict[str, None] = {}  # in order, without repeats
    for line in body[k:]:
        line_tags = parse_tag_line(line)
        if line_tags is None and not _LINK_LINE.fullmatch(line):
            line, line_tags = split_trailing_tags(line)
            commentary.append(line)
        tags.update(dict.fromkeys(line_tags or ()))
    wikilinks = [  # the body's (older notes put them anywhere), then the ``# Links`` section's
        m.strip().removesuffix(".md")
        for t in [*body[k:], *texts[body_end:]]
        for m in _WIKILINK.findall(t)
    ]

    if head.title is None and not head.urls and not commentary:
        issue = ParseIssue(lines[0][0], "note with no title, link or commentary", lines[0][1])
        return ParsedNote(None, [issue])
    entry = build_entry(
        line=1,
        title=head.title,
        authors_raw=head.authors_raw,
        abstract="\n".join(abstract_lines) or None,
        commentary_lines=commentary,
        tags=list(tags),
        source_urls=head.urls,
        wikilinks=wikilinks,
        digest_date=date_from_note_name(path),
        position=0,
        paper_in_text=True,
    )
    if isinstance(entry, ParseIssue):  # past a bound of limits
        return ParsedNote(None, [entry])
    return ParsedNote(entry, [])
