"""What the CLI prints after a verb: a few lines per report, the problems first shown."""

from __future__ import annotations

from pathlib import Path

from digestlake.lake.maintenance import VacuumReport
from digestlake.pipeline.enrich import EnrichReport
from digestlake.pipeline.history import RollbackReport
from digestlake.pipeline.ingest import IngestReport
from digestlake.pipeline.publish import PublishReport
from digestlake.pipeline.report import PipelineReport

SHOWN = 10  # problems listed per source; the quarantine table has all of them


def ingest_summary(report: IngestReport, lake_path: Path | str) -> list[str]:
    lines = []
    for s in report.sources:
        if s.status == "failed":
            lines.append(f"  {s.source_id}: FAILED: {s.error}")
        elif s.status in ("unchanged", "skipped"):
            lines.append(f"  {s.source_id}: {s.status}{f' ({s.error})' if s.error else ''}")
        else:  # an arXiv listing served again or empty says so before its counts
            state = f"{s.status} ({s.error}): " if s.status != "ok" else ""
            lines.append(
                f"  {s.source_id}: {state}{s.new} new, {s.updated} updated, "
                f"{s.unchanged} unchanged, {s.deleted} deleted, {s.quarantined} quarantined"
                + (f", {s.links_skipped} links skipped" if s.links_skipped else "")
            )
        lines += [f"    quarantined {problem}" for problem in s.problems[:SHOWN]]
        if len(s.problems) > SHOWN:
            lines.append(f"    ... and {len(s.problems) - SHOWN} more")
    lines.append(
        f"lake: {lake_path} ({report.mentions} mentions, {report.papers} papers, "
        f"{len(report.files_written)} partitions committed)"
    )
    if any(s.quarantined for s in report.sources):
        lines.append('all of it: digestlake query "select * from quarantine"')
    return lines


def enrich_summary(report: EnrichReport) -> list[str]:
    lines = []
    for h in report.harvests:
        state = (
            "finished" if h.finished else f"stopped: {h.error}" if h.error else "continues next run"
        )
        lines.append(f"OAI-PMH {h.source_id}: {h.records} records in {h.pages} pages, {state}")
    lines.append(
        f"arXiv: {report.enriched} papers enriched, {report.unknown} unknown to arXiv, "
        f"{report.waiting} waiting for metadata (requests: {report.requests}, "
        f"from the cache: {report.cache_hits})"
    )
    if report.resolution is not None and report.resolution.titles:
        r = report.resolution
        lines.append(
            f"  titles without an id: {r.titles} searched, {r.resolved} entries resolved, "
            f"{r.unresolved} left unresolved (their best candidates: digestlake query "
            "\"select * from title_candidates where decision in ('weak', 'ambiguous')\")"
        )
    if report.error:
        lines.append(f"  stopped: {report.error}; the waiting papers are tried again next run")
    return lines


def publish_summary(report: PublishReport, exports_path: Path | str) -> list[str]:
    files = report.files
    lines = [
        f"exports: {exports_path} ({report.papers} papers, {report.keys_issued} new citation "
        f"keys; {len(files.written)} files written, {len(files.unchanged)} unchanged, "
        f"{len(files.removed)} removed)"
    ]
    lines += [f"  simplified {item}" for item in report.simplified[:SHOWN]]
    lines += [f"  citations: {line}" for line in report.quality.lines(SHOWN)]
    return lines


def run_summary(
    report: PipelineReport, lake_path: Path | str, exports_path: Path | str
) -> list[str]:
    run = report.run
    return [
        *ingest_summary(report.ingest, lake_path),
        *enrich_summary(report.enrich),
        *publish_summary(report.publish, exports_path),
        f"run {run['run_id']}: {run['lake_files_written']} lake partitions and "
        f"{run['export_files_written']} exports written (digestlake history lists the last runs)",
    ]


def history_lines(runs: list[dict]) -> list[str]:
    if not runs:
        return ["no runs yet"]
    lines = []
    for run in runs:
        what = f" (rollback of {run['rollback_of']})" if run.get("rollback_of") else ""
        lines.append(f"{run['run_id']}  {run['flow']:<8} {run['status']:<9}{what}")
        if run["error"]:
            lines.append(f"    {run['error']}")
        for t in run["changed"]:
            lines.append(
                f"    {t['table']:<16} v{t['version_before']} -> v{t['version_after']}  "
                f"+{t['added']} ~{t['updated']} -{t['deleted']} rows"
            )
        if not run["changed"]:
            lines.append("    no table changed")
    return lines


def rollback_lines(report: RollbackReport) -> list[str]:
    tables = ", ".join(report.tables) or "no table (the run changed none)"
    return [
        f"rolled back run {report.rolled_back} as run {report.run_id}: restored {tables}",
        *publish_summary(report.publish, "exports")[:1],
        f"(digestlake rollback {report.run_id} undoes this)",
    ]


def vacuum_lines(reports: list[VacuumReport]) -> list[str]:
    lines = [
        f"  {r.table:<16} {r.files_compacted} files compacted, {r.files_removed} removed"
        for r in reports
    ]
    return ["vacuum:", *lines] if lines else ["vacuum: the lake has no tables yet"]
