"""One row per paper as the exports see it: the paper, its key, its tags, its mentions."""

from __future__ import annotations

import re
from datetime import date, datetime

import polars as pl

from digestlake.core.tables import NAMES_A_PAPER
from digestlake.transforms.names import listed_names

_NEW_ID = re.compile(r"^(\d{2})(\d{2})\.\d{4,5}$")
_OLD_ID = re.compile(r"^[a-z-]+(?:\.[A-Z]{2})?/(\d{2})(\d{2})\d{3}$")
_YEAR_FOLDER = re.compile(r"(?:^|/)((?:19|20)\d\d)/")  # arXiv/2024/Cosmos.md


def paper_year(
    published: datetime | None,
    arxiv_id: str | None,
    first_date: date | None,
    files: list[str | None] = (),
) -> int | None:
    """v1's year: arXiv's ``published`` when known, else the YYMM in the id, else the first
    digest's; for a paper only undated notes mention, the year folder the earliest of them is
    filed in (``arXiv/2024/...``): biblatex and CSL want a year on every entry."""
    if published is not None:
        return published.year
    if arxiv_id:
        if m := _NEW_ID.match(arxiv_id):
            return 2000 + int(m.group(1))
        if m := _OLD_ID.match(arxiv_id):
            yy = int(m.group(1))
            return (1900 if yy >= 91 else 2000) + yy
    if first_date:
        return first_date.year
    folders = (_YEAR_FOLDER.search(f or "") for f in files)
    return min((int(found[1]) for found in folders if found), default=None)


PEOPLE = pl.List(pl.Struct({"name": pl.String, "organisation": pl.Boolean}))
MENTION_FIELDS = (
    "mention_id", "source_id", "kind", "file", "digest_date", "position", "title", "authors_raw",
    "commentary", "commentary_ko", "commentary_en", "tags", "links", "cited_arxiv_ids",
)  # fmt: skip


def publication_records(papers: pl.DataFrame, mentions: pl.DataFrame) -> pl.DataFrame:
    """Papers with at least one live mention, with ``tags`` (in the order digests used them),
    ``first_date``, ``last_date``, ``year``, ``people`` (the authors as entries list them, a
    list prefix's groups first, each with whether it is a group's name) and their ``mentions``
    nested."""
    live = mentions.filter(NAMES_A_PAPER).sort(
        "digest_date", "position", "mention_id", nulls_last=True
    )
    per_paper = live.group_by("paper_id", maintain_order=True).agg(
        tags=pl.col("tags")
        .list.explode(keep_nulls=False, empty_as_null=False)
        .unique(maintain_order=True),
        first_date=pl.col("digest_date").min(),
        last_date=pl.col("digest_date").max(),
        author_org=pl.col("author_org").drop_nulls().first(),
        mentions=pl.struct(*MENTION_FIELDS),
    )
    records = papers.join(per_paper, on="paper_id", how="inner").sort("paper_id")
    names = records["authors"].list.eval(pl.element().struct.field("name")).to_list()
    files = records["mentions"].list.eval(pl.element().struct.field("file")).to_list()
    years = [
        paper_year(p, a, d, f)
        for p, a, d, f in zip(
            records["published"], records["arxiv_id"], records["first_date"], files, strict=True
        )
    ]
    people = [
        [{"name": n, "organisation": o} for n, o in listed_names(ns, org)]
        for ns, org in zip(names, records["author_org"], strict=True)
    ]
    return records.with_columns(
        author_names=pl.Series(names, dtype=pl.List(pl.String)),
        people=pl.Series(people, dtype=PEOPLE),
        year=pl.Series(years, dtype=pl.Int32),
    )
