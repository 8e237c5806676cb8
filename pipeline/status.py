"""``status``: the tables, the sources, the lock and the last runs, read without Prefect."""

from __future__ import annotations

from dataclasses import dataclass

from digestlake.core.location import Location
from digestlake.core.tables import LIVE
from digestlake.lake.lock import lock_state
from digestlake.lake.maintenance import TableStatus, table_status
from digestlake.lake.runs import last_runs
from digestlake.lake.store import Lake
from digestlake.pipeline.config import Config
from digestlake.pipeline.lock import lease_name
from digestlake.pipeline.report import quality_lines


@dataclass(slots=True)
class LakeStatus:
    lake: str
    tables: list[TableStatus]
    sources: list[dict]  # the ``sources`` rows, with ``quarantined`` counted
    lock: str
    runs: list[dict]  # the newest ``runs`` rows, newest first
    live_mentions: int = 0  # mentions not deleted: the count runs and the dataset card give

    @property
    def rows(self) -> dict[str, int]:
        return {t.table: t.rows for t in self.tables}


def status(config: Config, *, runs: int = 10) -> LakeStatus:
    lake = Lake(config.lake_path)
    quarantine = lake.read("quarantine").group_by("source_id").len()
    counts = dict(zip(quarantine["source_id"].to_list(), quarantine["len"].to_list(), strict=True))
    sources = [
        {**row, "quarantined": counts.get(row["source_id"], 0)}
        for row in lake.read("sources").sort("source_id").to_dicts()
    ]
    local = Location(config.lake_path).local_path
    lock = (
        lock_state(local).describe()
        if local is not None
        else f"the Prefect lease {lease_name(lake.root)} (prefect gcl inspect shows it)"
    )
    tables = table_status(lake)
    live = lake.read("mentions", columns=["deleted"]).filter(LIVE).height
    return LakeStatus(lake.root, tables, sources, lock, last_runs(lake, runs).to_dicts(), live)


def render_status(s: LakeStatus) -> str:
    lines = [f"lake: {s.lake}"]
    for t in s.tables:
        if t.version is None:
            lines.append(f"  {t.table:<16} (not created yet)")
            continue
        vacuumed = f"vacuumed {t.last_vacuum:%Y-%m-%d}" if t.last_vacuum else "never vacuumed"
        lines.append(
            f"  {t.table:<16} {t.rows:>8} rows  v{t.version:<5} {t.files:>5} files "
            f"{t.bytes / 1e6:>9.2f} MB  {vacuumed}"
        )
        if t.table == "mentions":
            lines.append(f"  {'':<16} {s.live_mentions:>8} live (not deleted)")
    if s.sources:
        lines.append("sources:")
    for row in s.sources:
        cursor = (row["cursor"] or "-")[:16]
        ok = (
            row["last_success_at"].isoformat(timespec="seconds")
            if row["last_success_at"]
            else "never"
        )
        line = f"  {row['source_id']:<20} {row['kind']:<7} cursor {cursor:<17} last advanced {ok}"
        lines.append(line + f", {row['quarantined']} quarantined")
        if row["last_error"]:
            lines.append(f"    last error: {row['last_error']}")
    lines.append(f"lock: {s.lock}")
    if s.runs:
        lines.append("last runs:")
    for run in s.runs:
        took = (run["finished_at"] - run["started_at"]).total_seconds()
        lines.append(
            f"  {run['run_id']}  {run['flow']:<8} {run['status']:<9} {took:6.1f} s  "
            f"{run['lake_files_written']} lake partitions / "
            f"{run['export_files_written']} export files"
        )
        if run["error"]:
            lines.append(f"    {run['error']}")
    published = next((r for r in s.runs if r["flow"] in ("pipeline", "publish")), None)
    quality = quality_lines(published["report"] or "") if published else []
    if quality:
        lines.append(f"citations, data quality (run {published['run_id']}):")
        lines += [f"  {q}" for q in quality]
    return "\n".join(lines)
