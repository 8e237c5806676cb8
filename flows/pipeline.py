"""The main job's flow, ``pipeline``: ``pipeline.run.run`` (ingest, enrich, publish, report).

One flow run whose steps are tasks (not subflows: each flow run costs Prefect a second or so,
which a no-op run would mostly be); its report is also the flow run's artifact.
"""

from __future__ import annotations

from prefect import flow

from digestlake.flows.runner import PREFECT
from digestlake.pipeline.config import load_config
from digestlake.pipeline.report import PipelineReport
from digestlake.pipeline.run import run


@flow(name="pipeline")
def pipeline_flow(
    config_path: str | None = None, offline: bool = False, biblatex: bool = False
) -> PipelineReport:
    """Ingest every source, enrich from arXiv, publish; a failed source is reported."""
    return run(load_config(config_path), offline=offline, biblatex=biblatex, runner=PREFECT)
