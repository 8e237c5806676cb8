"""Papers as arXiv gave them (API, OAI-PMH, a title search or a category listing), stored with
their versions."""

from __future__ import annotations

import polars as pl

from digestlake.core.ids import LISTING_SOURCE
from digestlake.core.tables import buckets_of
from digestlake.lake.store import Lake


def store_arxiv_papers(lake: Lake, papers: pl.DataFrame, versions: pl.DataFrame) -> list[str]:
    return lake.upsert("papers", papers) + lake.upsert("paper_versions", versions)


def store_listed_papers(lake: Lake, listed: pl.DataFrame) -> list[str]:
    """Papers an arXiv listing announced, stored unless the lake describes them already from
    arXiv's API or snapshot at that version or later (those have the submission dates), or
    holds the same listing's row (nothing to commit)."""
    listed = listed.unique("paper_id", keep="last")
    stored = lake.read("papers", partitions=buckets_of(listed["paper_id"])).filter(
        pl.col("paper_id").is_in(listed["paper_id"].implode())
    )
    fuller = stored.filter(pl.col("metadata_source") != LISTING_SOURCE).select(
        "paper_id", have="latest_version"
    )
    compared = ["paper_id", "latest_version", "title", "abstract", "license", "metadata_source"]
    fresh = (
        listed.join(fuller, on="paper_id", how="left")
        .filter(pl.col("have").is_null() | (pl.col("have") < pl.col("latest_version")))
        .drop("have")
        .join(stored.select(compared), on=compared, how="anti", nulls_equal=True)
    )
    return lake.upsert("papers", fresh) if fresh.height else []
