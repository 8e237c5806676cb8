"""The main job, ``pipeline``: ingest every source, enrich from arXiv, publish, and report.

One flow run whose tasks are those of the ``ingest``, ``enrich`` and ``publish`` flows (not
subflows: each flow run costs Prefect a second or so, which a no-op run would mostly be). The
run holds the lake lock throughout, so two runs on one lake take turns; its report is kept in
the ``runs`` table and published as the flow run's artifact.
"""

from __future__ import annotations

from datetime import UTC, datetime

from digestlake.core.location import Location
from digestlake.flows.enrich import enrich_task
from digestlake.flows.ingest import ingest_sources
from digestlake.flows.publish import publish_task
from digestlake.lake.runs import changed_files, new_run_id, record_run
from digestlake.lake.store import Lake
from digestlake.pipeline.config import load_config
from digestlake.pipeline.lock import hold_lake
from digestlake.pipeline.report import PipelineReport, RunInfo, run_row
from prefect import flow, runtime
from prefect.artifacts import create_markdown_artifact


@flow(name="pipeline")
def pipeline_flow(
    config_path: str | None = None, offline: bool = False, biblatex: bool = False
) -> PipelineReport:
    """A failed source or an unreachable arXiv is reported; what the lake has is still published,
    and papers waiting for metadata are picked up by the next run."""
    config = load_config(config_path)
    run_id = new_run_id(datetime.now(UTC))
    with hold_lake(config, run_id) as found:
        started = datetime.now(UTC)  # once the lake is ours: a run that waited says so by its id
        lake_files, export_files = Location(config.lake_path), Location(config.exports_path)
        lake_before, exports_before = lake_files.state(), export_files.state()
        report, error = None, None
        try:
            ingested = ingest_sources(config, offline)
            enriched = enrich_task(config_path, offline)
            published = publish_task(config_path, biblatex)
            report = PipelineReport(ingested, enriched, published)
        except Exception as exc:  # recorded as a failed run, then raised for Prefect
            error = f"{type(exc).__name__}: {exc}"
            raise
        finally:
            info = RunInfo(
                run_id=run_id,
                flow="pipeline",
                flow_run_id=str(runtime.flow_run.id) if runtime.flow_run.id else None,
                started_at=started,
                finished_at=datetime.now(UTC),
                lake_changed=changed_files(lake_before, lake_files.state()),
                exports_changed=changed_files(exports_before, export_files.state()),
                took_over=found.describe() if found.state == "stale" else None,
                error=error,
            )
            row = run_row(info, report)
            record_run(Lake(config.lake_path), row)
            create_markdown_artifact(
                markdown=row["report"], key="pipeline-report", description=f"run {run_id}"
            )
    report.run = row
    return report
