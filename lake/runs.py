"""The ``runs`` table: one row per run, appended (one small file each, compacted by
``vacuum``), and what each run changed in every table, from the tables' own logs."""

from __future__ import annotations

import secrets
from datetime import datetime

import polars as pl

from digestlake.core.tables import RUNS
from digestlake.lake.delta import RUN_KEY
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


def table_changes(lake: Lake, before: dict[str, int], after: dict[str, int]) -> list[dict]:
    """Every table's versions before and after the run (equal: the run left it alone), and the
    rows its commits added, updated and deleted (as this process counted them while it
    committed; each commit's info in the table's log says the same)."""
    changes = []
    for table, version in sorted(after.items()):
        rows = {"added": 0, "updated": 0, "deleted": 0, **lake.rows_changed.get(table, {})}
        changes.append(
            {
                "table": table,
                "version_before": before.get(table, 0),  # created by the run: its empty table
                "version_after": version,
                **{k: rows[k] for k in ("added", "updated", "deleted")},
            }
        )
    return changes


def _origin(lake: Lake, table: str, version: int) -> tuple[int, dict | None]:
    """The version whose content ``version`` is (a restore traced back to what it restored),
    and that version's commit info (None once the log no longer holds it)."""
    while (commit := lake.tables.commit_info(table, version)) is not None:
        if commit.get("operation") != "RESTORE":
            return version, commit
        version = int(commit["operationParameters"]["version"])
    return version, None


def lake_state(lake: Lake) -> tuple[str | None, dict[str, int]]:
    """What the lake holds now, as the versions that wrote it: each data table's version
    (``runs`` left out: it changes with every run, the data does not), a restore counted as
    the version it brought back, and the run whose commit is the newest of those (None when a
    verb outside a run made it). The same content gives the same answer, rolled back or not."""
    versions, newest = {}, (-1, None)
    for table, current in lake.versions().items():
        if table == "runs":
            continue
        versions[table], commit = _origin(lake, table, current)
        if commit is not None and commit.get("timestamp", -1) > newest[0]:
            newest = (commit["timestamp"], commit.get(RUN_KEY))
    return newest[1], versions
