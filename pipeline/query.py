"""``query``: one SQL statement over the lake's tables, each a view of its name (DuckDB)."""

from __future__ import annotations

import polars as pl

from digestlake.lake.query import run_query
from digestlake.lake.store import Lake
from digestlake.pipeline.config import Config


def query(config: Config, sql: str) -> pl.DataFrame:
    return run_query(Lake(config.lake_path), sql)
