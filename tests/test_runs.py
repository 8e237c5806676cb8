"""Run records: the report's row and text, and reading the last runs of many."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from digestlake.exports.files import FileChanges
from digestlake.lake.runs import changed_files, last_runs, record_run
from digestlake.lake.store import Lake
from digestlake.pipeline.enrich import EnrichReport
from digestlake.pipeline.ingest import IngestReport, SourceReport
from digestlake.pipeline.publish import PublishReport
from digestlake.pipeline.report import PipelineReport, RunInfo, run_row
from digestlake.pipeline.titles import ResolveReport

T0 = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)


def info(run_id: str, **kw) -> RunInfo:
    return RunInfo(
        run_id=run_id, flow="pipeline", flow_run_id=None, started_at=T0,
        finished_at=T0 + timedelta(seconds=4.2), lake_changed=["papers/bucket=2401/part-0.parquet"],
        exports_changed=["bibtex/all.bib", "feeds/llm.xml"], **kw,
    )  # fmt: skip


def report() -> PipelineReport:
    return PipelineReport(
        IngestReport(
            [SourceReport("digests", "ok", new=3, unchanged=5, quarantined=1),
             SourceReport("web", "failed", error="HTTP 503")],
            files_written=[], mentions=8, papers=7,
        ),
        EnrichReport(pending=4, enriched=3, waiting=1, resolution=ResolveReport(unresolved=2)),
        PublishReport(papers=7, keys_issued=3, files=FileChanges()),
    )  # fmt: skip


def test_the_report_says_what_each_source_and_arxiv_did() -> None:
    row = run_row(info("20261128T060000Z-aaaaaa", took_over="stale: run x"), report())
    assert (row["status"], row["papers_enriched"], row["papers_waiting"]) == ("completed", 3, 1)
    assert (row["titles_unresolved"], row["lake_files_written"], row["export_files_written"]) == (
        2,
        1,
        2,
    )
    text = row["report"]
    assert "| digests | ok | 3 | 0 | 5 | 0 | 1 |" in text and "| web | failed |" in text
    assert "3 enriched from arXiv, 1 waiting for metadata, 2 titles unresolved" in text
    assert "took 4.2 s" in text and "Found a stale lock (stale: run x)" in text
    assert "- exports/feeds/llm.xml" in text


def test_a_failed_run_keeps_its_error() -> None:
    row = run_row(info("20261128T060000Z-bbbbbb", error="OSError: disk full"), None)
    assert row["status"] == "failed" and row["sources"] == []
    assert "**Failed:** OSError: disk full" in row["report"]


def test_the_last_runs_are_read_from_their_own_files_only(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    for i in range(5):
        record_run(lake, run_row(info(f"20261128T06000{i}Z-cccccc"), report()))
    before = lake.location.state()
    record_run(lake, run_row(info("20261128T060009Z-dddddd"), report()))
    assert changed_files(before, lake.location.state()) == [
        "runs/run_id=20261128T060009Z-dddddd/part-0.parquet"
    ]  # a new file; no other rewritten
    assert last_runs(lake, 2)["run_id"].to_list() == [
        "20261128T060009Z-dddddd",
        "20261128T060004Z-cccccc",
    ]
