"""The ``enrich`` flow: ``pipeline.enrich.enrich`` under the cross-worker arXiv limit."""

from __future__ import annotations

from prefect import flow

from digestlake.flows.runner import PREFECT
from digestlake.pipeline.config import load_config
from digestlake.pipeline.enrich import EnrichReport, enrich


@flow(name="enrich")
def enrich_flow(config_path: str | None = None, offline: bool = False) -> EnrichReport:
    """Fetch what arXiv knows about pending papers; an outage leaves them pending."""
    return enrich(load_config(config_path), offline=offline, runner=PREFECT)
