"""Keeping the lake small and its history usable: compaction, vacuum, and what ``status``
shows of each table.

Every run adds a small file to ``runs`` and rewrites the partitions it changed; the files it
replaced stay for time travel (``publish --as-of``, ``rollback``) until ``vacuum`` removes
those older than the retention. A vacuum with nothing to do commits nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from deltalake import WriterProperties

from digestlake.core.tables import TABLES
from digestlake.lake.delta import add_actions, commit_properties
from digestlake.lake.store import Lake


@dataclass(slots=True)
class TableStatus:
    table: str
    version: int | None  # None: not created yet
    files: int
    bytes: int
    rows: int
    last_vacuum: datetime | None


@dataclass(slots=True)
class VacuumReport:
    table: str
    files_compacted: int  # small files merged into bigger ones
    files_removed: int  # files no version within the retention needs, crash leftovers too


def table_status(lake: Lake) -> list[TableStatus]:
    found = []
    for name in TABLES:
        dt = lake.delta(name)
        if dt is None:
            found.append(TableStatus(name, None, 0, 0, 0, None))
            continue
        with lake.tables.reading(name):
            files = add_actions(dt)
            vacuums = [h for h in dt.history() if h.get("operation") == "VACUUM END"]
        last = datetime.fromtimestamp(vacuums[0]["timestamp"] / 1000, UTC) if vacuums else None
        found.append(
            TableStatus(
                name,
                dt.version(),
                files.height,
                int(files["size_bytes"].sum()),
                int(files["num_records"].sum()),
                last,
            )
        )
    return found


def vacuum_lake(lake: Lake, retain_days: int) -> list[VacuumReport]:
    """Compact each table's small files, then remove the files older than ``retain_days``
    that its current version does not use (``full``: also those no commit ever named, which
    a killed writer leaves). After it, versions older than the retention cannot be read."""
    reports = []
    for name in TABLES:
        dt = lake.delta(name)
        if dt is None:
            continue
        with lake.tables.writing(name):
            compacted = dt.optimize.compact(
                writer_properties=WriterProperties(compression="ZSTD"),
                commit_properties=commit_properties(lake.run_id),
            )
            options = {
                "retention_hours": retain_days * 24,
                "enforce_retention_duration": False,
                "full": True,  # crash leftovers too, which no commit ever named
            }
            # delta-rs lists files already removed by an earlier vacuum again (their tombstones
            # stay in the log), and would commit for them: only files still there count.
            listed = dt.vacuum(dry_run=True, **options)
            there = [f for f in listed if lake.location.exists(f"{name}/{f}")]
            if there:
                dt.vacuum(
                    dry_run=False, commit_properties=commit_properties(lake.run_id), **options
                )
            dt.cleanup_metadata()
        reports.append(VacuumReport(name, int(compacted.get("numFilesRemoved", 0)), len(there)))
    return reports
