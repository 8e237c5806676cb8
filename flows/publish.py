"""The ``publish`` flow: ``pipeline.publish.publish``."""

from __future__ import annotations

from prefect import flow

from digestlake.flows.runner import PREFECT
from digestlake.pipeline.config import load_config
from digestlake.pipeline.publish import PublishReport, publish


@flow(name="publish")
def publish_flow(config_path: str | None = None, biblatex: bool = False) -> PublishReport:
    """Issue citation keys for new papers and rewrite the exports that changed."""
    return publish(load_config(config_path), biblatex=biblatex, runner=PREFECT)
