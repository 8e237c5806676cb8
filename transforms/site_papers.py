"""The site's papers: one record per paper a live mention names, with every mention of it as
a reader sees it (which digest, which day, the commentary in its languages, tags, signals)
and the links worth following.

Everything here is text from the lake, untouched: the templates escape it. Only links are
judged here, since an attribute cannot be made safe by escaping alone: a link is kept only
when it is an absolute http(s) URL (``javascript:``, ``data:``, relative paths are dropped).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote, urlsplit

import polars as pl

from digestlake.core.tables import NAMES_A_PAPER
from digestlake.transforms.arxiv_ids import parse_arxiv_id
from digestlake.transforms.commentary import has_hangul
from digestlake.transforms.paper_days import SIGNALS

# Signals shown beside a mention as label: value (the feeds' labels); those that are links
# (GitHub, project page) are among the paper's links, HF's summary is a labelled block.
_AS_LINK_OR_TEXT = {"github_repo", "project_page", "machine_summary"}
SIGNAL_LABELS = tuple((name, label) for name, label in SIGNALS if name not in _AS_LINK_OR_TEXT)
_SLUG = re.compile(r"[^A-Za-z0-9.]+")
_SPACE = re.compile(r"\s")


@dataclass(frozen=True, slots=True)
class Commentary:
    lang: str  # "ko" or "en": the language the text is written in
    paragraphs: tuple[tuple[str, ...], ...]  # paragraphs of lines
    machine: bool = False  # written by a machine (HF's summary), not the digest's author


@dataclass(frozen=True, slots=True)
class SiteMention:
    mention_id: str
    source_id: str
    day: date | None
    position: int | None  # the entry's place in its digest that day
    title: str | None
    commentary: tuple[Commentary, ...]
    tags: tuple[str, ...]
    signals: tuple[tuple[str, str], ...]  # (label, value)


@dataclass(frozen=True, slots=True)
class SitePaper:
    paper_id: str
    slug: str  # the page's file name stem: papers/<slug>.html
    title: str
    authors: tuple[str, ...]
    abstract: str | None
    arxiv_id: str | None
    tags: tuple[str, ...]
    sources: tuple[str, ...]
    days: tuple[date, ...]  # the digest days it was mentioned on, oldest first
    mentions: tuple[SiteMention, ...]  # oldest first
    links: tuple[tuple[str, str], ...]  # (label, absolute http(s) URL)

    @property
    def last_day(self) -> date | None:
        return self.days[-1] if self.days else None


def safe_url(url: str | None) -> str | None:
    """``url`` when it is an absolute http(s) URL with a host and no whitespace, else None."""
    if not url or _SPACE.search(url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme.lower() in ("http", "https") and parts.hostname else None


def paper_slugs(paper_ids: list[str]) -> dict[str, str]:
    """A file name stem per paper: ``2406.11838``, ``hep-th-9901001``, ``dl-3f2a...``; ids
    that would clash (they differ only in punctuation or case) get a numbered suffix."""
    slugs: dict[str, str] = {}
    used: set[str] = set()
    for paper_id in sorted(paper_ids):
        base = _SLUG.sub("-", paper_id).strip("-.") or "paper"
        slug, n = base, 1
        while slug.lower() in used:
            n += 1
            slug = f"{base}-{n}"
        used.add(slug.lower())
        slugs[paper_id] = slug
    return slugs


def _paragraphs(text: str) -> tuple[tuple[str, ...], ...]:
    blocks = re.split(r"\n\s*\n", text.strip())
    return tuple(
        tuple(line.strip() for line in block.splitlines() if line.strip())
        for block in blocks
        if block.strip()
    )


def commentary_blocks(row: dict) -> tuple[Commentary, ...]:
    """The mention's commentary as written: its Korean and English parts apart when the
    source marks them, else the whole text in the language it is written in."""
    ko, en, whole = row.get("commentary_ko"), row.get("commentary_en"), row.get("commentary")
    blocks = []
    if ko or en:
        blocks = [Commentary(lang, _paragraphs(t)) for lang, t in (("ko", ko), ("en", en)) if t]
    elif whole and whole.strip():
        blocks = [Commentary("ko" if has_hangul(whole) else "en", _paragraphs(whole))]
    summary = row.get("machine_summary")
    if summary and summary.strip():
        blocks.append(Commentary("en", _paragraphs(summary), machine=True))
    return tuple(blocks)


def _signals(row: dict) -> tuple[tuple[str, str], ...]:
    return tuple(
        (label, str(row[name])) for name, label in SIGNAL_LABELS if row.get(name) not in (None, "")
    )


def _is_arxiv_page(url: str, arxiv_id: str) -> bool:
    host = urlsplit(url).hostname or ""
    cited = parse_arxiv_id(url)
    return (
        (host == "arxiv.org" or host.endswith(".arxiv.org"))
        and bool(cited)
        and cited.id == arxiv_id
    )


def paper_links(paper: dict, rows: list[dict]) -> tuple[tuple[str, str], ...]:
    """arXiv abstract and PDF, DOI, code, project pages, then the paper's own URL and the
    mentions' source URLs, each once, http(s) only. (Links inside a commentary are often other
    papers; they stay in the commentary, where the site links them.)"""
    links: list[tuple[str, str]] = []
    if arxiv_id := paper.get("arxiv_id"):
        links += [("arXiv", f"https://arxiv.org/abs/{arxiv_id}")]
        links += [("PDF", f"https://arxiv.org/pdf/{arxiv_id}")]
    if doi := paper.get("doi"):
        links.append(("DOI", "https://doi.org/" + quote(doi, safe="/:;()._-")))
    for row in rows:
        links += [("code", row.get("github_repo")), ("project page", row.get("project_page"))]
    others = [paper.get("url")]
    others += [u for row in rows for u in row.get("source_urls") or []]
    for url in filter(safe_url, others):
        if urlsplit(url).hostname in ("github.com", "www.github.com"):
            links.append(("code", url))
        elif not (arxiv_id and _is_arxiv_page(url, arxiv_id)):  # its abs page, once is enough
            links.append(("link", url))
    seen: set[str] = set()
    kept = []
    for label, url in links:
        url = safe_url(url)
        if url and url.rstrip("/") not in seen:
            seen.add(url.rstrip("/"))
            kept.append((label, url))
    return tuple(kept)


def _first(values: Iterable[str | None]) -> str | None:
    return next((v for v in values if v and v.strip()), None)


def _title(paper: dict, rows: list[dict]) -> str:
    titles = [paper.get("title")] + [r.get("title") for r in rows]
    return next((t.strip() for t in titles if t and t.strip()), paper["paper_id"])


def _authors(paper: dict, rows: list[dict]) -> tuple[str, ...]:
    names = [a["name"] for a in paper.get("authors") or [] if a.get("name")]
    if not names:
        names = next((list(r["authors"]) for r in rows if r.get("authors")), [])
    return tuple(names)


def _mention(row: dict) -> SiteMention:
    return SiteMention(
        mention_id=row["mention_id"],
        source_id=row["source_id"],
        day=row.get("digest_date"),
        position=row.get("position"),
        title=row.get("title"),
        commentary=commentary_blocks(row),
        tags=tuple(row.get("tags") or ()),
        signals=_signals(row),
    )


def live_mentions(mentions: pl.DataFrame) -> pl.DataFrame:
    """The mentions the site shows: live, naming a paper, oldest day first (undated last)."""
    return mentions.filter(NAMES_A_PAPER).sort(
        "digest_date", "source_id", "position", "mention_id", nulls_last=True
    )


def site_papers(papers: pl.DataFrame, mentions: pl.DataFrame) -> list[SitePaper]:
    """One ``SitePaper`` per paper of ``papers`` that a live mention names (as every export
    publishes them), ordered by paper id."""
    by_paper: dict[str, list[dict]] = {}
    for row in live_mentions(mentions).iter_rows(named=True):
        by_paper.setdefault(row["paper_id"], []).append(row)
    known = {p["paper_id"]: p for p in papers.iter_rows(named=True) if p["paper_id"] in by_paper}
    slugs = paper_slugs(list(known))
    out = []
    for paper_id in sorted(known):
        rows = by_paper[paper_id]
        paper = known[paper_id]
        tags = dict.fromkeys(t for r in rows for t in r.get("tags") or ())
        abstract = paper.get("abstract") or _first(r.get("abstract") for r in rows)
        out.append(
            SitePaper(
                paper_id=paper_id,
                slug=slugs[paper_id],
                title=_title(paper, rows),
                authors=_authors(paper, rows),
                abstract=abstract,
                arxiv_id=paper.get("arxiv_id"),
                tags=tuple(tags),
                sources=tuple(dict.fromkeys(r["source_id"] for r in rows)),
                days=tuple(sorted({r["digest_date"] for r in rows if r["digest_date"]})),
                mentions=tuple(_mention(r) for r in rows),
                links=paper_links(paper, rows),
            )
        )
    return out
