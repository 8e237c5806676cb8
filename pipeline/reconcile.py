"""Reconcile: mentions resolved to papers, and the papers mentions describe rebuilt, once per
stage that changed what resolution reads (mentions, arXiv papers, title decisions).

After a snapshot import the lake holds millions of papers that no mention touches, so none
of this reads ``papers`` whole: resolution reads the rows of the mentions' titles and ids
(``papers_read_by_resolution``), the papers built from mentions are found in the files whose
statistics say they may hold some, and only the buckets whose derived papers changed are read
whole and rewritten.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from digestlake.core.ids import ARXIV_SOURCES, PROVISIONAL_PREFIX
from digestlake.core.tables import LIVE, PAPER_INDEX, buckets_of, id_bucket
from digestlake.lake.store import Lake
from digestlake.pipeline.citation_keys import carry_over_keys
from digestlake.transforms.papers import (
    RESOLUTION_INPUTS,
    arxiv_wins,
    buckets_to_rewrite,
    build_papers,
    has_arxiv_metadata,
    papers_read_by_resolution,
    resolve_mentions,
)
from digestlake.transforms.title_search import searched_resolutions


def stored_derived_papers(lake: Lake) -> pl.DataFrame:
    """The stored papers built from mentions (no arXiv metadata yet), as ``PAPER_INDEX``."""
    return lake.read(
        "papers", columns=PAPER_INDEX, holding_other_than=("metadata_source", ARXIV_SOURCES)
    ).filter(~has_arxiv_metadata())


def _papers_for_resolution(
    lake: Lake, mentions: pl.DataFrame, searched: pl.DataFrame
) -> pl.DataFrame:
    titles, ids = papers_read_by_resolution(mentions, searched)
    by_title = lake.read(
        "papers", columns=PAPER_INDEX, where=pl.col("title_norm").is_in(titles.implode())
    )
    by_id = lake.read(
        "papers",
        columns=PAPER_INDEX,
        partitions=buckets_of(ids),
        where=pl.col("paper_id").is_in(ids.implode()),
    )
    return pl.concat([by_title, by_id]).unique("paper_id", maintain_order=True)


@dataclass(slots=True)
class Reconciled:
    mentions: int  # live mentions
    papers: int  # papers with arXiv metadata or named by a mention
    files_written: list[str]


def reconcile(lake: Lake, mentions: pl.DataFrame | None = None) -> Reconciled:
    """Resolve ``mentions`` (default: the lake's) and write them with the papers they
    describe; a provisional paper that became an arXiv paper hands over its citation key."""
    if mentions is None:  # the lake's own: what it held before is the same read
        mentions = lake.read("mentions")
        before = mentions.select(RESOLUTION_INPUTS)
    else:
        before = lake.read("mentions", columns=RESOLUTION_INPUTS)
    searched = searched_resolutions(lake.read("title_candidates"))
    mentions = resolve_mentions(
        mentions, _papers_for_resolution(lake, mentions, searched), searched
    )
    derived = build_papers(mentions).with_columns(bucket=id_bucket("paper_id"))
    written = lake.write("mentions", mentions)
    moved = before.join(mentions.select("mention_id", new="paper_id"), on="mention_id").filter(
        pl.col("paper_id").str.starts_with(PROVISIONAL_PREFIX)
        & ~pl.col("new").str.starts_with(PROVISIONAL_PREFIX)
    )
    written += carry_over_keys(lake, moved.select(old="paper_id", new="new"))
    stored = stored_derived_papers(lake).select("paper_id", "bucket")
    buckets = buckets_to_rewrite(before, mentions, stored, derived.select("paper_id", "bucket"))
    existing = lake.read("papers", partitions=buckets)
    rewritten = derived.filter(pl.col("bucket").is_in(list(buckets)))
    papers = arxiv_wins(existing, rewritten.select(existing.columns))
    written += lake.write_partitions("papers", papers, buckets)
    return Reconciled(
        mentions=mentions.filter(LIVE).height,
        papers=lake.row_count("papers"),
        files_written=[str(p) for p in written],
    )
