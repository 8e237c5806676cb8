"""The head of a vault note: its source URL lines, then the paper's title and authors.

Every era puts the paper first (README, "Parsing: decisions and limits", has the counts):
``*Title* (Authors)`` from 2024; ``Title (Authors)`` before, its title hard-wrapped onto an
indented second line where it was pasted from an arXiv listing, or its author list wrapped
onto the next line or cut short; ``Title URL`` and ``Title (URL)``; ``## [Title](url)``; a bare
title, with ``(Authors)`` on the next line or none; or no title (the note opens with
commentary, or with ``URL commentary``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from digestlake.transforms.authors import parse_authors
from digestlake.transforms.commentary import has_hangul
from digestlake.transforms.entry import find_urls
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
# A word of a person's name: it starts with a letter (``yelong``, ``Jörn-Henrik``, ``O.``).
_NAME_WORD = re.compile(r"[^\W\d_][\w.'’-]*")
_MAX_TITLE = 200
_DEPTH = {")": 1, "(": -1}


@dataclass(frozen=True, slots=True)
class Head:
    """What a note's first lines say; the body starts at ``lines[end]``, with ``first`` in
    place of that line's text when it was ``URL commentary`` (the URL is the head's)."""

    title: str | None = None
    authors_raw: str | None = None
    urls: list[str] = field(default_factory=list)
    end: int = 0
    first: str | None = None


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


def _reads_as_authors(inner: str, closed: bool) -> bool:
    """Names as a plain head lists them: two or more (any case: ``yelong shen``), or one
    person of two to five words. An unclosed group needs two, so ``Title (Yet`` is a title."""
    if not inner or "://" in inner:
        return False
    names = parse_authors(inner).names
    if len(names) >= 2:
        return True
    words = inner.split()
    return closed and 2 <= len(words) <= 5 and all(_NAME_WORD.fullmatch(w) for w in words)


def split_author_group(text: str) -> tuple[str, str] | None:
    """``Title (A, B)``: (title, authors_raw), the authors being the last balanced group, or
    an opening ``(`` that is never closed (an author list cut short), when they read as names.
    """
    if has_hangul(text):
        return None
    closed = text.endswith(")")
    depth, stop = 0, 0 if closed else -1
    for k in range(len(text) - 1, -1, -1):
        depth += _DEPTH.get(text[k], 0)
        if text[k] == "(" and depth == stop:
            break
    else:
        return None
    title, inner = text[:k].strip(), text[k + 1 : -1 if closed else None].strip()
    if not title or len(title) > _MAX_TITLE or not _reads_as_authors(inner, closed):
        return None
    return title, inner


def _continues(text: str, following: str) -> bool:
    """The head goes on on the next line: its author group is open, or it has none yet and
    the next line is indented (an arXiv listing's wrap). Korean and tag lines never do."""
    if has_hangul(following) or parse_tag_line(following) is not None:
        return False
    if text.count("(") > text.count(")"):
        return True
    return following[:1].isspace() and not text.endswith(")")


def _is_bare_title(text: str) -> bool:
    if has_hangul(text) or parse_tag_line(text) is not None or text.startswith((">", "[[")):
        return False
    return len(text) < _MAX_TITLE and not text.endswith(".")


def _is_author_line(text: str) -> bool:
    return text.startswith("(") and text.endswith(")") and not has_hangul(text)


def _title_and_authors(
    texts: list[str], k: int, urls: list[str]
) -> tuple[str | None, str | None, int]:
    """(title, authors_raw, index after them) of the head starting at ``texts[k]``; a URL the
    title line carries is added to ``urls``."""
    text = texts[k]
    following = texts[k + 1] if k + 1 < len(texts) else None
    title = authors = None
    if text.startswith("*") and text.rfind("*") == 0 and following is not None:
        text, k = f"{text} {following}", k + 1  # an italic title hard-wrapped over two lines
        following = texts[k + 1] if k + 1 < len(texts) else None
    if italic := _split_italic_title(text):
        (title, authors), k = italic, k + 1
    elif (m := _HEADING_LINK.match(text)) or (
        (m := _TITLE_THEN_URL.match(text)) and not has_hangul(m.group("title"))
    ):
        title, k = m.group("title").strip(), k + 1
        urls.append(m.group("url"))
    elif (
        following is not None
        and _continues(text, following)
        and (wrapped := split_author_group(f"{text} {following.strip()}"))
    ):
        (title, authors), k = wrapped, k + 2
    elif plain := split_author_group(text):
        (title, authors), k = plain, k + 1
    elif _is_bare_title(text):
        title, k = text.strip(), k + 1
    if title is not None and authors is None and k < len(texts) and _is_author_line(texts[k]):
        authors, k = texts[k][1:-1].strip(), k + 1
    return title, authors, k


def read_head(texts: list[str]) -> Head:
    """The head of a note's lines (blank lines and the ``# Links`` section left out)."""
    urls: list[str] = []
    k = 0
    while k < len(texts) and (m := _URL_LINE.match(texts[k])):
        # A Markdown link line ``[url](redirect)`` gives both; ``arxiv.org/...`` gets a scheme.
        urls += find_urls(texts[k]) or [f"https://{m.group(1)}"]
        k += 1
    if k == len(texts):
        return Head(urls=urls, end=k)
    if m := _URL_THEN_TEXT.match(texts[k]):  # an old note: the URL, then its commentary
        return Head(urls=[*urls, m.group(1)], end=k, first=m.group(2))
    title, authors, end = _title_and_authors(texts, k, urls)
    return Head(title, authors, urls, end)
