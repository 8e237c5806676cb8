"""``history``, ``rollback`` and ``publish --as-of``: the lake's runs as versions of its tables.

Every run records, for every table, the Delta version it found and the one it left
(``runs.tables``). Rolling a run back restores each table it changed to the version it found,
as new commits (a rollback is itself a run, and can be rolled back); publishing as of a run
reads every table at the version that run left, so the exports are what that run wrote, as
long as ``vacuum`` has not removed the files of those versions (``[lake] retain_days``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime

from digestlake.lake.runs import find_run, last_runs
from digestlake.lake.store import Lake, LakeError
from digestlake.pipeline.config import Config
from digestlake.pipeline.publish import PublishReport, write_exports
from digestlake.pipeline.recorded import recorded_run
from digestlake.pipeline.runner import LOCAL, Runner


def history(config: Config, *, runs: int = 10) -> list[dict]:
    """The last runs, newest first, each with the tables it changed (``changed``)."""
    rows = last_runs(Lake(config.lake_path), runs).to_dicts()
    for row in rows:
        row["changed"] = [
            t for t in row["tables"] or [] if t["version_after"] != t["version_before"]
        ]
    return rows


def _run(lake: Lake, run_id: str) -> dict:
    found = find_run(lake, run_id)
    if found is None:
        raise LakeError(f"no run {run_id!r} in {lake.root} (digestlake history lists them)")
    if not found["tables"]:
        raise LakeError(
            f"run {found['run_id']} recorded no table versions (written by an earlier "
            "digestlake, before the lake was on Delta tables)"
        )
    return found


@dataclass(slots=True)
class RollbackReport:
    run_id: str  # the rollback's own run
    rolled_back: str  # the run undone
    tables: list[str]  # the tables restored
    publish: PublishReport


def rollback(
    config: Config, run_id: str, *, now: datetime | None = None, runner: Runner = LOCAL
) -> RollbackReport:
    """Restore every table ``run_id`` changed to the version it found, then republish. Runs
    after it are undone on those tables too (their versions came later)."""
    clock = (lambda: now) if now else None
    with recorded_run(config, runner, "rollback", clock) as rec:
        target = _run(rec.lake, run_id)
        rec.rollback_of = target["run_id"]
        restored = []
        for t in target["tables"]:
            if t["version_after"] != t["version_before"] and t["table"] != "runs":
                extra = {"digestlake.rollback_of": target["run_id"]}
                rec.lake.restore(t["table"], t["version_before"], extra)
                restored.append(t["table"])
        rec.report.publish = write_exports(
            rec.lake, config.exports_path, config.exports, rec.started
        )
    return RollbackReport(rec.run_id, target["run_id"], restored, rec.report.publish)


def publish_as_of(
    config: Config,
    run_id: str,
    out: str | os.PathLike[str] | None = None,
    *,
    biblatex: bool = False,
) -> PublishReport:
    """The exports of the lake as ``run_id`` left it, into ``out`` (default: the exports
    folder). Reads only: nothing in the lake changes."""
    target = _run(Lake(config.lake_path), run_id)
    pinned = Lake(config.lake_path, {t["table"]: t["version_after"] for t in target["tables"]})
    return write_exports(
        pinned, out or config.exports_path, config.exports, target["finished_at"],
        biblatex=biblatex,
    )  # fmt: skip
