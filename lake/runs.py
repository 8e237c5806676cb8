"""The ``runs`` table: one row per pipeline run, each in its own file, and what a run changed."""

from __future__ import annotations

import os
import secrets
from datetime import datetime
from pathlib import Path

import polars as pl

from lake.schemas import RUNS
from lake.store import Lake

FileState = dict[str, tuple[int, int]]  # relative path -> (size, mtime in ns)


def new_run_id(started: datetime) -> str:
    return f"{started:%Y%m%dT%H%M%S}Z-{secrets.token_hex(3)}"


def tree_state(root: Path) -> FileState:
    """Size and mtime of every visible file under ``root``: a run's changes are the
    difference between two states, whichever step wrote them."""
    state: FileState = {}
    if not root.is_dir():
        return state
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if name.startswith("."):
                continue
            path = Path(folder, name)
            st = path.stat()
            state[str(path.relative_to(root))] = (st.st_size, st.st_mtime_ns)
    return state


def changed_files(before: FileState, after: FileState) -> list[str]:
    """Files written, rewritten or removed between two states."""
    return sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))


def record_run(lake: Lake, row: dict) -> None:
    lake.write_partition("runs", row["run_id"], pl.DataFrame([row], schema=RUNS.schema))


def last_runs(lake: Lake, n: int = 10) -> pl.DataFrame:
    return lake.read("runs").sort("run_id", descending=True).head(n)
