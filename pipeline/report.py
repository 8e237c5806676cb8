"""What one pipeline run did, as a ``runs`` row and as Markdown (no Prefect here).

The same text is printed by the CLI, published as the flow run's Prefect artifact and kept in
the ``runs`` table, so ``digestlake status`` shows the last runs without Prefect.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the stages import the verb that records them (pipeline/recorded.py)
    from digestlake.pipeline.enrich import EnrichReport
    from digestlake.pipeline.ingest import IngestReport
    from digestlake.pipeline.publish import PublishReport


QUALITY_HEADING = "Citations (data quality, by key):"


def quality_lines(report: str) -> list[str]:
    """The data-quality items of a run report (what ``status`` shows of the last publish)."""
    _, found, rest = report.partition(QUALITY_HEADING)
    if not found:
        return []
    items = []
    for line in rest.strip().splitlines():
        if not line.startswith("- "):
            break
        items.append(line[2:])
    return items


@dataclass(slots=True)
class PipelineReport:
    """What each stage of a run reported (None: the run did not get to it, or has no such
    stage: ``ingest`` alone has no publish)."""

    ingest: IngestReport | None = None
    enrich: EnrichReport | None = None
    publish: PublishReport | None = None
    run: dict | None = None  # the ``runs`` row, once recorded


@dataclass(slots=True)
class RunInfo:
    run_id: str
    flow: str
    flow_run_id: str | None
    started_at: datetime
    finished_at: datetime
    lake_changed: list[str]
    exports_changed: list[str]
    took_over: str | None = None  # the stale lock this run found: a killed run's work resumed
    error: str | None = None


def run_row(info: RunInfo, report: PipelineReport | None) -> dict:
    """The ``runs`` row; a failed run has its error and whatever report it got to."""
    sources = report.ingest.sources if report and report.ingest else []
    enrich = report.enrich if report else None
    resolution = enrich.resolution if enrich else None
    row = {
        "run_id": info.run_id,
        "flow": info.flow,
        "flow_run_id": info.flow_run_id,
        "status": "failed" if info.error else "completed",
        "started_at": info.started_at,
        "finished_at": info.finished_at,
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "sources": [
            {
                "source_id": s.source_id,
                "status": s.status,
                "new": s.new,
                "updated": s.updated,
                "unchanged": s.unchanged,
                "deleted": s.deleted,
                "quarantined": s.quarantined,
            }
            for s in sources
        ],
        "papers_enriched": enrich.enriched if enrich else None,
        "papers_waiting": enrich.waiting if enrich else None,
        "titles_unresolved": resolution.unresolved if resolution else None,
        "lake_files_written": len(info.lake_changed),
        "export_files_written": len(info.exports_changed),
        "error": info.error,
    }
    row["report"] = render_markdown(row, report, info)
    return row


def _duration(row: dict) -> str:
    return f"{(row['finished_at'] - row['started_at']).total_seconds():.1f} s"


def render_markdown(row: dict, report: PipelineReport | None, info: RunInfo) -> str:
    lines = [
        f"# digestlake {row['flow']} run {row['run_id']}: {row['status']}",
        "",
        f"Started {row['started_at']:%Y-%m-%d %H:%M:%S} UTC, took {_duration(row)}.",
    ]
    if info.took_over:
        lines += ["", f"Found a stale lock ({info.took_over}); this run completed its work."]
    if row["error"]:
        lines += ["", f"**Failed:** {row['error']}"]
    if row["sources"]:
        lines += [
            "",
            "| source | status | new | updated | unchanged | deleted | quarantined |",
            "|---|---|---:|---:|---:|---:|---:|",
        ]
        lines += [
            f"| {s['source_id']} | {s['status']} | {s['new']} | {s['updated']} | "
            f"{s['unchanged']} | {s['deleted']} | {s['quarantined']} |"
            for s in row["sources"]
        ]
    if report is not None and report.enrich is not None:
        e = report.enrich
        lines += [
            "",
            f"Papers: {e.enriched} enriched from arXiv, {e.waiting} waiting for metadata, "
            f"{row['titles_unresolved'] or 0} titles unresolved"
            + (f" (arXiv: {e.error})" if e.error else "")
            + ".",
        ]
    if report is not None and report.publish and (quality := report.publish.quality.lines()):
        lines += ["", QUALITY_HEADING, "", *[f"- {q}" for q in quality]]
    lines += [
        "",
        f"Files written: {row['lake_files_written']} in the lake, "
        f"{row['export_files_written']} exports.",
    ]
    for path in info.exports_changed[:20]:
        lines.append(f"- exports/{path}")
    if len(info.exports_changed) > 20:
        lines.append(f"- ... and {len(info.exports_changed) - 20} more")
    return "\n".join(lines) + "\n"
