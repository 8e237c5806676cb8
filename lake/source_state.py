"""The ``sources`` table: the one place source state is read and written."""

from __future__ import annotations

import polars as pl

from digestlake.core.tables import SOURCES
from digestlake.lake.store import Lake


def read_source_states(lake: Lake) -> dict[str, dict]:
    """source_id -> its row (cursor as text, last success, last error)."""
    return {row["source_id"]: row for row in lake.read("sources").to_dicts()}


def write_source_states(lake: Lake, rows: list[dict]) -> list[str]:
    """Upsert these rows (other sources' rows stay); returns the files written."""
    if not rows:
        return []
    return lake.upsert("sources", pl.DataFrame(rows, schema=SOURCES.schema))
