"""Papers as arXiv gave them (API, OAI-PMH or a title search), stored with their versions."""

from __future__ import annotations

import polars as pl

from digestlake.lake.store import Lake


def store_arxiv_papers(lake: Lake, papers: pl.DataFrame, versions: pl.DataFrame) -> list[str]:
    return lake.upsert("papers", papers) + lake.upsert("paper_versions", versions)
