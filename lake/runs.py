"""The ``runs`` table: one row per run, appended (one small file each, compacted by
``vacuum``), and what each run changed in every table, from the tables' own logs."""

from __future__ import annotations

import json
import secrets
from datetime import datetime

import polars as pl
from deltalake import DeltaTable

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


def _origin(dt: DeltaTable, version: int) -> tuple[int, dict | None]:
    """The version whose content ``version`` is (a restore traced back to what it restored),
    and that version's commit info (None once the log no longer holds it)."""
    latest = dt.history(1)
    commit = latest[0] if latest and latest[0]["version"] == version else None
    commits: dict[int, dict] | None = None
    while True:
        if commit is None:
            commits = commits or {c["version"]: c for c in dt.history()}
            commit = commits.get(version)
            if commit is None:
                return version, None
        if commit.get("operation") != "RESTORE":
            return version, commit
        version, commit = int(commit["operationParameters"]["version"]), None


def lake_state(lake: Lake) -> tuple[str | None, dict[str, int]]:
    """What the lake holds now, as the versions that wrote it: each data table's version
    (``runs`` left out: it changes with every run, the data does not), a restore counted as
    the version it brought back, and the run whose commit is the newest of those (None when a
    verb outside a run made it). The same content gives the same answer, rolled back or not."""
    versions, newest = {}, (-1, None)
    for table, current in lake.versions().items():
        if table == "runs":
            continue
        # The log as it is now: delta-rs 1.6.6 numbers the history of a table opened at an
        # older version wrongly (the newest commits, labelled from that version down).
        log = lake.delta(table) if lake.pinned is None else Lake(lake.root).delta(table)
        versions[table], commit = _origin(log, current)
        if commit is not None and commit.get("timestamp", -1) > newest[0]:
            newest = (commit["timestamp"], commit.get(RUN_KEY))
    return newest[1], versions
