"""A recorded run: every verb that writes the lake (``run``, and ``ingest``, ``enrich``,
``publish`` or ``rollback`` alone) holds the lake, stamps its commits with its run id, and
leaves a ``runs`` row: what it did, the versions it found and left each table at, its report.
A run that fails, Ctrl-C included, is recorded as failed, then the error goes on."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from digestlake.core.location import Location, changed_files
from digestlake.lake.runs import new_run_id, record_run, table_changes
from digestlake.lake.store import Lake
from digestlake.pipeline.config import Config
from digestlake.pipeline.lock import hold_lake
from digestlake.pipeline.report import PipelineReport, RunInfo, run_row
from digestlake.pipeline.runner import Runner


@dataclass(slots=True)
class Recording:
    lake: Lake  # the lake, its commits stamped with ``run_id``
    run_id: str
    started: datetime
    report: PipelineReport = field(default_factory=PipelineReport)  # filled in by the verb
    row: dict | None = None  # the ``runs`` row, once recorded
    rollback_of: str | None = None


@contextmanager
def recorded_run(
    config: Config, runner: Runner, flow: str, clock: Callable[[], datetime] | None = None
) -> Iterator[Recording]:
    clock = clock or (lambda: datetime.now(UTC))
    run_id = new_run_id(clock())
    lake = Lake(config.lake_path)
    lake.run_id = run_id
    with hold_lake(config, runner, run_id) as found:
        # The clock starts once the lake is ours: a run that waited says so by its id.
        recording = Recording(lake, run_id, clock())
        exports = Location(config.exports_path)
        versions, exported = lake.versions(), exports.state()
        lake.held = True  # from here on, only this run commits to the lake
        error = None
        try:
            yield recording
        except BaseException as exc:
            error = f"{type(exc).__name__}: {exc}"
            raise
        finally:
            info = RunInfo(
                run_id=run_id,
                flow=flow,
                flow_run_id=runner.flow_run_id,
                started_at=recording.started,
                finished_at=clock(),
                lake_changed=lake.changed,
                exports_changed=changed_files(exported, exports.state()),
                took_over=found.describe() if found.state == "stale" else None,
                error=error,
            )
            row = run_row(info, recording.report)
            row["tables"] = table_changes(lake, versions, lake.versions())
            row["rollback_of"] = recording.rollback_of
            record_run(lake, row)
            runner.publish_report(row["report"], f"{flow} run {run_id}")
            recording.row = recording.report.run = row
