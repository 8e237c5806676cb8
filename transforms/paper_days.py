"""Live mentions grouped into paper-days: one row per (paper, digest day), every source's
mention of that paper on that day merged into it.

This is what a feed item or a site's day listing is about: a paper that the vault, a text
digest and Hugging Face all covered on one day is one thing to read, with three commentaries.
A later mention of an older paper is a new paper-day (the paper came up again that day), and
``first_date`` says when it was first seen. A mention that names no paper is its own group.
"""

from __future__ import annotations

import polars as pl

from digestlake.core.tables import LIVE

# Per-mention signals a source may carry (HF Daily Papers, arXiv listings): shown when the
# mentions table has the column and the mention a value, never required.
# ``machine_summary`` is HF's AI-written summary: carried so a reader can label it as such.
SIGNALS: tuple[tuple[str, str], ...] = (
    ("upvotes", "upvotes"),
    ("comments", "comments"),
    ("github_stars", "GitHub stars"),
    ("github_repo", "GitHub"),
    ("project_page", "project page"),
    ("organization", "organisation"),
    ("announce_type", "arXiv announcement"),
    ("machine_summary", "machine-written summary"),
)
MENTION_COLUMNS = (
    "mention_id", "source_id", "kind", "position", "title", "commentary", "commentary_ko",
    "commentary_en", "source_urls",
)  # fmt: skip


def _names(authors: pl.Expr) -> pl.Expr:
    return authors.list.eval(pl.element().struct.field("name"))


def signal_columns(mentions: pl.DataFrame) -> list[str]:
    """The signal columns this mentions table has."""
    return [name for name, _ in SIGNALS if name in mentions.columns]


def paper_days(mentions: pl.DataFrame, papers: pl.DataFrame) -> pl.DataFrame:
    """One row per (paper, digest day) of the live, dated mentions, newest day first.

    Columns: ``item_id`` (``paper_id``, or ``mention:<id>`` for a mention naming no paper),
    ``paper_id``, ``arxiv_id``, ``digest_date``, ``first_date`` (the paper's first digest day),
    ``title``, ``authors`` (names), ``link``, ``abstract``, ``tags`` (the day's, in order, no
    repeats), ``sources`` and ``mentions`` (a list of structs in source order: the mention's
    own fields and the signal columns the table has). The paper's own title, authors, link and
    abstract win; a mention's fill what the paper lacks.
    """
    signals = signal_columns(mentions)
    live = (
        mentions.filter(LIVE & pl.col("digest_date").is_not_null())
        .with_columns(
            item_id=pl.coalesce("paper_id", pl.lit("mention:") + pl.col("mention_id")),
            mention_link=pl.coalesce(
                pl.col("source_urls").list.first(), pl.col("links").list.first()
            ),
        )
        .sort("digest_date", "source_id", "position", "mention_id", nulls_last=True)
    )
    first_dates = live.group_by("item_id").agg(first_date=pl.col("digest_date").min())
    days = live.group_by("item_id", "digest_date", maintain_order=True).agg(
        paper_id=pl.col("paper_id").first(),
        mention_title=pl.col("title").drop_nulls().first(),
        mention_authors=pl.col("authors").filter(pl.col("authors").list.len() > 0).first(),
        mention_abstract=pl.col("abstract").drop_nulls().first(),
        mention_link=pl.col("mention_link").drop_nulls().first(),
        mention_arxiv_id=pl.col("arxiv_id").drop_nulls().first(),
        first_commentary=pl.col("commentary").drop_nulls().first(),
        tags=pl.col("tags")
        .list.explode(keep_nulls=False, empty_as_null=False)
        .unique(maintain_order=True),
        sources=pl.col("source_id").unique(maintain_order=True),
        mentions=pl.struct(*MENTION_COLUMNS, *signals),
    )
    paper = papers.select(
        "paper_id",
        pl.col("arxiv_id").alias("paper_arxiv_id"),
        pl.col("title").alias("paper_title"),
        _names(pl.col("authors")).alias("paper_authors"),
        pl.col("url").alias("paper_url"),
        pl.col("abstract").alias("paper_abstract"),
    )
    untitled = pl.col("first_commentary").str.split("\n").list.first().str.slice(0, 80)
    return (
        days.join(first_dates, on="item_id", how="left")
        .join(paper, on="paper_id", how="left")
        .select(
            "item_id",
            "paper_id",
            pl.coalesce("paper_arxiv_id", "mention_arxiv_id").alias("arxiv_id"),
            "digest_date",
            "first_date",
            pl.coalesce("paper_title", "mention_title", untitled, "item_id").alias("title"),
            pl.when(pl.col("paper_authors").list.len() > 0)
            .then("paper_authors")
            .otherwise(pl.col("mention_authors").fill_null([]))
            .alias("authors"),
            pl.coalesce("paper_url", "mention_link").alias("link"),
            pl.coalesce("paper_abstract", "mention_abstract").alias("abstract"),
            "tags",
            "sources",
            "mentions",
        )
        .sort(
            pl.col("digest_date"),
            pl.col("mentions").list.first().struct.field("source_id"),
            pl.col("mentions").list.first().struct.field("position"),
            pl.col("item_id"),
            descending=[True, False, False, False],
            nulls_last=True,
        )
    )
