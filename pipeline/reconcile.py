"""Reconcile: mentions resolved to papers, and the papers mentions describe rebuilt, once per
stage that changed what resolution reads (mentions, arXiv papers, title decisions).

Papers are read as an index of four columns, and only the buckets that hold papers built from
mentions (now or before) are read whole and rewritten: after a snapshot import the lake holds
millions of papers that no mention touches.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from digestlake.core.ids import PROVISIONAL_PREFIX
from digestlake.core.tables import LIVE, PAPER_INDEX, id_bucket
from digestlake.lake.store import Lake
from digestlake.pipeline.citation_keys import carry_over_keys
from digestlake.transforms.papers import (
    RESOLUTION_INPUTS,
    arxiv_wins,
    buckets_to_rewrite,
    build_papers,
    has_arxiv_metadata,
    resolve_mentions,
)
from digestlake.transforms.title_search import searched_resolutions


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
    index = lake.read("papers", columns=PAPER_INDEX)
    mentions = resolve_mentions(
        mentions, index, searched_resolutions(lake.read("title_candidates"))
    )
    derived = build_papers(mentions).with_columns(bucket=id_bucket("paper_id"))
    fetched = index.filter(has_arxiv_metadata())
    written = lake.write("mentions", mentions)
    moved = before.join(mentions.select("mention_id", new="paper_id"), on="mention_id").filter(
        pl.col("paper_id").str.starts_with(PROVISIONAL_PREFIX)
        & ~pl.col("new").str.starts_with(PROVISIONAL_PREFIX)
    )
    written += carry_over_keys(lake, moved.select(old="paper_id", new="new"))
    stored = index.filter(~has_arxiv_metadata()).select("paper_id", "bucket")
    buckets = buckets_to_rewrite(before, mentions, stored, derived.select("paper_id", "bucket"))
    existing = lake.read("papers", partitions=buckets & set(fetched["bucket"]))
    rewritten = derived.filter(pl.col("bucket").is_in(list(buckets)))
    papers = arxiv_wins(existing, rewritten.select(existing.columns))
    written += lake.write_partitions("papers", papers, buckets)
    described = derived.join(fetched.select("paper_id"), on="paper_id", how="anti").height
    return Reconciled(
        mentions=mentions.filter(LIVE).height,
        papers=fetched.height + described,
        files_written=[str(p) for p in written],
    )
