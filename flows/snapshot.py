"""The ``import-snapshot`` flow: ``pipeline.snapshot.import_snapshot``."""

from __future__ import annotations

from pathlib import Path

from prefect import flow

from digestlake.flows.runner import PREFECT
from digestlake.pipeline.config import load_config
from digestlake.pipeline.snapshot import SnapshotReport, import_snapshot


@flow(name="import-snapshot")
def import_snapshot_flow(
    file: str, config_path: str | None = None, progress: bool = False
) -> SnapshotReport:
    """Import the Kaggle arXiv metadata snapshot (JSON lines) into papers."""
    return import_snapshot(load_config(config_path), Path(file), progress=progress, runner=PREFECT)
