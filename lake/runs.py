"""The ``runs`` table: one row per run, appended (one small file each, compacted by
``vacuum``), and what each run changed in every table, from the tables' own logs."""

from __future__ import annotations

import json
import secrets
from datetime import datetime

import polars as pl

from digestlake.core.tables import RUNS
from digestlake.lake.delta import ROWS_KEY, RUN_KEY
from digestlake.lake.store import Lake


def new_run_id(started: datetime) -> str:
    return f"{started:%Y%m%dT%H%M%S}Z-{secrets.token_hex(3)}"


def record_run(lake: Lake, row: dict) -> None:
    lake.append("runs", pl.DataFrame([row], schema=RUNS.schema))


def last_runs(lake: Lake, n: int = 10) -> pl.DataFrame:
    """The newest ``n`` runs (a run id sorts by its start)."""
    return lake.read("runs").sort("run_id", descending=True).head(n)


def find_run(lake: Lake, run_id: str) -> dict | None:
    """The ``runs`` row of ``run_id`` (a unique prefix of it will do), or None."""
    runs = lake.read("runs").filter(pl.col("run_id").str.starts_with(run_id))
    return runs.row(0, named=True) if runs.height == 1 else None


def table_changes(
    lake: Lake, before: dict[str, int], after: dict[str, int], run_id: str
) -> list[dict]:
    """Every table's versions before and after the run (equal: the run left it alone), and the
    rows the run's own commits added, updated and deleted (summed from their commit info)."""
    changes = []
    for table, version in sorted(after.items()):
        start = before.get(table, 0)  # created by the run: version 0 is its empty table
        rows = {"added": 0, "updated": 0, "deleted": 0}
        dt = lake.delta(table) if version > start else None
        for commit in dt.history(limit=version - start) if dt is not None else []:
            if commit.get(RUN_KEY) == run_id and commit.get(ROWS_KEY):
                counts = json.loads(commit[ROWS_KEY])
                rows = {k: rows[k] + int(counts.get(k, 0)) for k in rows}
        changes.append({"table": table, "version_before": start, "version_after": version, **rows})
    return changes
