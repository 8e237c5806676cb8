"""The main job, ``pipeline``: ingest every source, enrich from arXiv, publish."""

from __future__ import annotations

from dataclasses import dataclass

from prefect import flow

from flows.enrich import enrich_flow
from flows.enrich_steps import EnrichReport
from flows.ingest import ingest_flow
from flows.ingest_steps import IngestReport
from flows.publish import publish_flow
from flows.publish_steps import PublishReport


@dataclass(slots=True)
class PipelineReport:
    ingest: IngestReport
    enrich: EnrichReport
    publish: PublishReport


@flow(name="pipeline")
def pipeline_flow(
    config_path: str | None = None, offline: bool = False, biblatex: bool = False
) -> PipelineReport:
    """A failed source or an unreachable arXiv is reported; what the lake has is still published,
    and papers waiting for metadata are picked up by the next run."""
    ingested = ingest_flow(config_path=config_path, offline=offline)
    enriched = enrich_flow(config_path=config_path, offline=offline)
    return PipelineReport(
        ingested, enriched, publish_flow(config_path=config_path, biblatex=biblatex)
    )
