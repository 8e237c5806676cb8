"""``run``, the main job: ingest every source, enrich from arXiv, publish, and report.

The run holds the lake throughout, so two runs on one lake take turns. A failed source or an
unreachable arXiv is reported; what the lake has is still published, and papers waiting for
metadata are picked up by the next run. The report is kept in the ``runs`` table and handed
to the runner (a Prefect artifact).
"""

from __future__ import annotations

from datetime import UTC, datetime

from digestlake.core.location import Location, changed_files
from digestlake.lake.runs import new_run_id, record_run, table_changes
from digestlake.lake.store import Lake
from digestlake.pipeline.config import Config
from digestlake.pipeline.enrich import enrich_papers
from digestlake.pipeline.ingest import ingest_sources
from digestlake.pipeline.lock import hold_lake
from digestlake.pipeline.publish import write_exports
from digestlake.pipeline.report import PipelineReport, RunInfo, run_row
from digestlake.pipeline.runner import LOCAL, Runner


def run(
    config: Config,
    *,
    offline: bool = False,
    biblatex: bool = False,
    now: datetime | None = None,
    runner: Runner = LOCAL,
) -> PipelineReport:
    """Ingest, enrich, publish (``digestlake run``); the report's ``run`` is its ``runs`` row."""
    clock = (lambda: now) if now else (lambda: datetime.now(UTC))
    run_id = new_run_id(clock())
    lake = Lake(config.lake_path)
    lake.run_id = run_id
    with hold_lake(config, runner, run_id) as found:
        started = clock()  # once the lake is ours: a run that waited says so by its id
        export_files = Location(config.exports_path)
        versions_before, exports_before = lake.versions(), export_files.state()
        report, error = None, None
        try:
            ingested = ingest_sources(config, lake, offline=offline, now=started, runner=runner)
            enriched = enrich_papers(config, lake, offline=offline, now=clock(), runner=runner)
            published = runner.step(
                "publish-exports", write_exports, lake, config.exports_path, config.exports,
                clock(), biblatex=biblatex,
            )  # fmt: skip
            report = PipelineReport(ingested, enriched, published)
        except BaseException as exc:  # recorded as a failed run (Ctrl-C too), then raised
            error = f"{type(exc).__name__}: {exc}"
            raise
        finally:
            info = RunInfo(
                run_id=run_id,
                flow="pipeline",
                flow_run_id=runner.flow_run_id,
                started_at=started,
                finished_at=clock(),
                lake_changed=lake.changed,
                exports_changed=changed_files(exports_before, export_files.state()),
                took_over=found.describe() if found.state == "stale" else None,
                error=error,
            )
            row = run_row(info, report)
            row["tables"] = table_changes(lake, versions_before, lake.versions(), run_id)
            record_run(lake, row)
            runner.publish_report(row["report"], f"run {run_id}")
    report.run = row
    return report
