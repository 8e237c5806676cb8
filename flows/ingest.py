"""The ``ingest`` flow: ``pipeline.ingest.ingest`` with each source a Prefect task."""

from __future__ import annotations

from prefect import flow

from digestlake.flows.runner import PREFECT
from digestlake.pipeline.config import load_config
from digestlake.pipeline.ingest import IngestReport, ingest


@flow(name="ingest", log_prints=True)
def ingest_flow(config_path: str | None = None, offline: bool = False) -> IngestReport:
    """Read every enabled source into the lake."""
    return ingest(load_config(config_path), offline=offline, runner=PREFECT)
