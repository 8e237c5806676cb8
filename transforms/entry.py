"""One paper as one digest entry or note presents it, and the problems met while parsing."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date

from digestlake.transforms.arxiv_ids import find_arxiv_ids, parse_arxiv_id
from digestlake.transforms.authors import parse_authors
from digestlake.transforms.commentary import split_commentary
from digestlake.transforms.limits import exceeded

_URL = re.compile(r"https?://[^\s<>\"'`\]]+")
_TRAILING = ".,;:!?)]}'\""


@dataclass(slots=True)
class Entry:
    """The fields of a mention that parsing decides (DESIGN.md §3)."""

    line: int  # 1-based line in the file where the entry starts
    title: str | None
    authors_raw: str | None
    authors: list[str]
    author_org: str | None
    abstract: str | None
    commentary: str | None
    commentary_ko: str | None
    commentary_en: str | None
    tags: list[str]
    links: list[str]
    cited_arxiv_ids: list[str]
    arxiv_id: str | None
    arxiv_version: int | None
    source_urls: list[str] = field(default_factory=list)
    wikilinks: list[str] = field(default_factory=list)
    digest_date: date | None = None
    position: int = 0

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class ParseIssue:
    """A part of the input that could not be read as an entry; it goes to quarantine."""

    line: int
    reason: str
    excerpt: str


def find_urls(text: str) -> list[str]:
    """URLs in text, trailing punctuation and unbalanced closing brackets trimmed."""
    urls: dict[str, None] = {}
    for raw in _URL.findall(text):
        end, opened, closed = len(raw), raw.count("("), raw.count(")")
        while end and raw[end - 1] in _TRAILING:
            if raw[end - 1] == ")":
                if opened >= closed:
                    break
                closed -= 1
            end -= 1
        urls.setdefault(raw[:end])
    return list(urls)


def build_entry(
    *,
    line: int,
    title: str | None,
    authors_raw: str | None,
    abstract: str | None,
    commentary_lines: list[str],
    tags: list[str],
    source_urls: list[str] = (),
    wikilinks: list[str] = (),
    digest_date: date | None = None,
    position: int = 0,
    paper_in_text: bool = False,
) -> Entry | ParseIssue:
    """Derive authors, commentary parts, links and arXiv ids from the raw pieces of an entry;
    an entry past a bound of ``limits`` is the issue that names the bound instead.

    ``paper_in_text``: without a source URL, the entry's paper is the first arXiv one its text
    links (older notes name their paper inside the commentary; a digest's text only cites).
    """
    commentary = split_commentary(commentary_lines)
    reason = exceeded(
        {
            "title": title,
            "authors_raw": authors_raw,
            "abstract": abstract,
            "commentary": commentary.text,
            "tags": tags,
            "source_urls": source_urls,
            "wikilinks": wikilinks,
        }
    )
    if reason:
        return ParseIssue(line, reason, (title or next(iter(commentary_lines), ""))[:200])
    authors = parse_authors(authors_raw)
    body = "\n".join(filter(None, [abstract, commentary.text]))
    links = find_urls(body)
    own = next((a for a in map(parse_arxiv_id, source_urls) if a is not None), None)
    if own is None and paper_in_text and not source_urls:
        own = next(iter(find_arxiv_ids(body)), None)
    cited = dict.fromkeys(aid.id for aid in find_arxiv_ids(commentary.text or ""))
    if own is not None:
        cited.pop(own.id, None)
    return Entry(
        line=line,
        title=title,
        authors_raw=authors_raw,
        authors=authors.names,
        author_org=authors.organisation,
        abstract=abstract,
        commentary=commentary.text,
        commentary_ko=commentary.ko,
        commentary_en=commentary.en,
        tags=tags,
        links=links,
        cited_arxiv_ids=list(cited),
        arxiv_id=own.id if own else None,
        arxiv_version=own.version if own else None,
        source_urls=list(source_urls),
        wikilinks=list(wikilinks),
        digest_date=digest_date,
        position=position,
    )
