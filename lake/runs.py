"""The ``runs`` table: one row per pipeline run, each in its own file, and what a run changed."""

from __future__ import annotations

import secrets
from datetime import datetime
from urllib.parse import unquote

import polars as pl

from digestlake.core.location import FileState
from digestlake.core.tables import RUNS
from digestlake.lake.store import Lake


def new_run_id(started: datetime) -> str:
    return f"{started:%Y%m%dT%H%M%S}Z-{secrets.token_hex(3)}"


def changed_files(before: FileState, after: FileState) -> list[str]:
    """Files written, rewritten or removed between two states."""
    return sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))


def record_run(lake: Lake, row: dict) -> None:
    lake.write_partition("runs", row["run_id"], pl.DataFrame([row], schema=RUNS.schema))


def last_runs(lake: Lake, n: int = 10) -> pl.DataFrame:
    """The newest ``n`` runs, reading only their files: a run id sorts by its start, so the
    file names say which they are however many runs the table holds."""
    ids = sorted(unquote(rel.split("/")[1].partition("=")[2]) for rel in lake.files("runs"))
    return lake.read("runs", partitions=set(ids[-n:])).sort("run_id", descending=True)
