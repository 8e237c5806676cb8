"""``run``, the main job: ingest every source, enrich from arXiv, publish, and report.

The run holds the lake throughout, so two runs on one lake take turns. A failed source or an
unreachable arXiv is reported; what the lake has is still published, and papers waiting for
metadata are picked up by the next run. The report is kept in the ``runs`` table and handed
to the runner (a Prefect artifact).
"""

from __future__ import annotations

from datetime import UTC, datetime

from digestlake.pipeline.config import Config
from digestlake.pipeline.enrich import enrich_papers
from digestlake.pipeline.ingest import ingest_sources
from digestlake.pipeline.publish import write_exports
from digestlake.pipeline.recorded import recorded_run
from digestlake.pipeline.report import PipelineReport
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
    clock = (lambda: now) if now else None
    with recorded_run(config, runner, "pipeline", clock) as rec:
        lake, report = rec.lake, rec.report
        report.ingest = ingest_sources(
            config, lake, offline=offline, now=rec.started, runner=runner
        )
        report.enrich = enrich_papers(
            config, lake, offline=offline, now=now or datetime.now(UTC), runner=runner
        )
        report.publish = runner.step(
            "publish-exports", write_exports, lake, config.exports_path, config.exports,
            now or datetime.now(UTC), biblatex=biblatex,
        )  # fmt: skip
    return report
