"""Link digests: any text, Markdown or HTML page in which each link to a paper is a mention.

A paper link is an arXiv one (abs, pdf, html, the 10.48550 DOI, hf.co/papers, alphaxiv: the
one id rule of ``transforms/arxiv_ids.py``), a DOI, or any link labelled ``Paper`` or ``PDF``
(a row whose paper is in a journal or on a lab's site, found again by its title). Its
commentary is the block around it: the table row, the list item (with its continuation
lines) or the paragraph, as clean text; its title the block's first bold text, else a
numbered row's first words, else the link's label unless that is a word such as "Paper";
its tags the block's ``#tags``; its date the nearest heading above that names a day
(``## Top ML Papers of the Week (May 27 - June 2) - 2024`` is 2024-06-02, the week's end),
a year taken from the nearest year heading when the heading has none, else ``fallback_day``
(the commit's date). A mention is known by its file and paper, so an edited row updates it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from digestlake.transforms.arxiv_ids import parse_arxiv_id
from digestlake.transforms.entry import ParseIssue, build_entry, find_urls
from digestlake.transforms.feed_text import clean_lines, html_to_text, strip_controls
from digestlake.transforms.limits import MAX_ENTRIES_PER_FILE
from digestlake.transforms.mentions import MentionInput
from digestlake.transforms.tags import normalise_tag

_DOI = re.compile(r"^https?://(?:dx\.)?doi\.org/(10\.\d{4,9}/\S+)$", re.IGNORECASE)
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*)$")
_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_BOLD = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")
_LABELLED = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")
_TAG = re.compile(r"(?:^|\s)#([A-Za-z][\w.+-]*)")
_MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}
_DAY = re.compile(
    r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+(\d{1,2})\b"
)
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_YEAR = re.compile(r"\b(20\d\d|19\d\d)\b")
# A numbered row without bold: ``| 1) Title  This paper ...`` (two spaces or a dash end it)
_NUMBERED = re.compile(r"^\|?\s*\d+\)\s+(.+?)(?:\s{2,}|\s[-\u2013\u2014]\s)")
# A link labelled so names its row's paper wherever it points (a journal, a lab's PDF).
_TOO_MANY = f"more than {MAX_ENTRIES_PER_FILE} paper links in one file: the rest is not read"
_PAPER_LABELS = {"paper", "pdf", "arxiv"}
_GENERIC = {"paper", "pdf", "arxiv", "link", "abs", "here", "code", "project", "tweet"}


@dataclass(frozen=True, slots=True)
class Block:
    line: int  # 1-based
    text: str
    day: date | None


def heading_day(heading: str, year: int | None) -> date | None:
    """The last day a heading names (a week's end), its year from the heading or ``year``."""
    if m := _ISO.search(heading):
        try:
            return date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return None
    days = list(_DAY.finditer(heading))
    if not days:
        return None
    month, day = _MONTHS[days[-1][1][:3].lower()], int(days[-1][2])
    if m := re.match(r"\s*[-\u2013]\s*(\d{1,2})\b", heading[days[-1].end() :]):
        day = int(m[1])  # ``Jan 1-8``: the range ends in the same month
    found = _YEAR.findall(heading)
    year = int(found[-1]) if found else year
    try:
        return date(year, month, day) if year else None
    except ValueError:
        return None


def blocks(text: str) -> list[Block]:
    """Table rows, list items and paragraphs, each with the day of the heading above it."""
    out: list[Block] = []
    day: date | None = None
    year: int | None = None
    current: list[str] = []
    start = 0

    def close() -> None:
        if current:
            out.append(Block(start, "\n".join(current), day))
            current.clear()

    for number, line in enumerate(text.split("\n"), 1):
        if m := _HEADING.match(line):
            close()
            title = m[2]
            if (y := _YEAR.fullmatch(title.strip())) is not None:
                year = int(y[1])
            day = heading_day(title, year) or day
            continue
        stripped = line.strip()
        starts = stripped.startswith("|") or bool(_ITEM.match(line))
        if not stripped or starts:
            close()
        if stripped:
            if not current:
                start = number
            current.append(stripped)
            if stripped.startswith("|"):
                close()
    close()
    return out


def paper_links(text: str) -> list[tuple[str, str | None]]:
    """``(url, label)`` of every paper link of a block, in order, one per paper."""
    labels = {url: label for label, url in _LABELLED.findall(text)}
    seen: dict[str, tuple[str, str | None]] = {}
    for url in find_urls(text):
        aid = parse_arxiv_id(url)
        doi = _DOI.match(url)
        named = (labels.get(url) or "").strip().lower() in _PAPER_LABELS
        if aid is None and doi is None and not named:
            continue
        key = aid.id if aid else doi[1].lower() if doi else url
        seen.setdefault(key, (url, labels.get(url)))
    return list(seen.values())


def _title(block: str, label: str | None) -> str | None:
    if m := _BOLD.search(block) or _NUMBERED.match(block):
        return clean_lines(next(g for g in m.groups() if g)) or None
    if label and label.strip().lower() not in _GENERIC:
        return clean_lines(label) or None
    return None


def _commentary(block: str) -> list[str]:
    text = _LABELLED.sub(r"\1 (\2)", _ITEM.sub("", block, count=1))
    text = re.sub(r"\s*\|\s*", " | ", text).strip(" |")
    return [line.strip() for line in text.replace("**", "").split("\n") if line.strip()]


def link_mentions(
    text: str, file: str, fallback_day: date | None, *, html: bool = False
) -> tuple[list[MentionInput], list[ParseIssue]]:
    """The mentions of a link digest's text (``html``: an HTML page, read as clean text)."""
    if html:  # headings stay headings (for the days they name), list items items
        text = re.sub(r"<h([1-6])\b[^>]*>", lambda m: f"<p>{'#' * int(m[1])} ", text, flags=re.I)
        text = re.sub(r"<li\b[^>]*>", "<li>- ", text, flags=re.I)
        text = html_to_text(text)
    text = strip_controls(text)
    mentions: list[MentionInput] = []
    issues: list[ParseIssue] = []
    for block in blocks(text):
        links = paper_links(block.text)
        tags = list(dict.fromkeys(normalise_tag(t) for t in _TAG.findall(block.text)))
        for url, label in links:
            if len(mentions) == MAX_ENTRIES_PER_FILE:
                issues.append(ParseIssue(block.line, _TOO_MANY, block.text[:200]))
                return mentions, issues
            made = build_entry(
                line=block.line,
                title=_title(block.text, label),
                authors_raw=None,
                abstract=None,
                commentary_lines=_commentary(block.text),
                tags=[t for t in tags if t],
                source_urls=[url],
                digest_date=block.day or fallback_day,
                position=len(mentions) + 1,
            )
            if isinstance(made, ParseIssue):
                issues.append(made)
                continue
            key = made.arxiv_id or url.lower()
            mentions.append(MentionInput(made, file, f"{file}#{key}"))
    return mentions, issues
