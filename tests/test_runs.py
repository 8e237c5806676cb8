"""Run records: the report's row and text, and reading the last runs of many."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from digestlake.core.location import changed_files
from digestlake.exports.files import FileChanges
from digestlake.lake.runs import last_runs, record_run
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


def test_recording_a_run_adds_one_file_and_rewrites_none(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    for i in range(5):
        record_run(lake, run_row(info(f"20261128T06000{i}Z-cccccc"), report()))
    before = {p: s for p, s in lake.location.state().items() if "_delta_log" not in p}
    record_run(lake, run_row(info("20261128T060009Z-dddddd"), report()))
    after = {p: s for p, s in lake.location.state().items() if "_delta_log" not in p}
    (added,) = changed_files(before, after)  # a new data file; no other rewritten
    assert added.startswith("runs/part-") and added not in before
    assert last_runs(lake, 2)["run_id"].to_list() == [
        "20261128T060009Z-dddddd",
        "20261128T060004Z-cccccc",
    ]


def test_single_stages_are_recorded_and_shown_like_pipeline_runs(tmp_path: Path) -> None:
    from conftest import SAMPLES, config_for

    from digestlake.pipeline.config import SourceConfig
    from digestlake.pipeline.ingest import ingest
    from digestlake.pipeline.publish import publish
    from digestlake.pipeline.status import render_status, status

    config = config_for(
        tmp_path / "lake", [SourceConfig("d", "digest", path=str(SAMPLES / "digests"))]
    )
    ingest(config, now=T0)
    publish(config, now=T0 + timedelta(minutes=1))  # run ids sort by their start
    runs = last_runs(Lake(config.lake_path))
    assert runs["flow"].to_list() == ["publish", "ingest"]
    assert runs["status"].to_list() == ["completed", "completed"]
    ingested = {t["table"]: t for t in runs.row(1, named=True)["tables"]}
    assert ingested["mentions"]["added"] > 0 and ingested["citation_keys"]["added"] == 0
    published = {t["table"]: t for t in runs.row(0, named=True)["tables"]}
    assert published["citation_keys"]["added"] > 0 and published["mentions"]["added"] == 0
    assert runs.row(0, named=True)["export_files_written"] > 0
    shown = render_status(status(config))
    assert " publish " in shown and " ingest " in shown


def test_status_shows_the_data_quality_of_the_last_publish() -> None:
    from digestlake.pipeline.status import LakeStatus, render_status

    report = (
        "# digestlake publish run x: completed\n\nCitations (data quality, by key):\n\n"
        "- 2 without authors: anon2019t5, anon2023\n- 1 with a provisional key: kim2024sparse\n"
        "\nFiles written: 0 in the lake, 3 exports.\n"
    )
    row = run_row(info("20261128T060000Z-eeeeee"), None) | {"flow": "publish", "report": report}
    shown = render_status(LakeStatus("lake", [], [], "free", [row]))
    assert shown.splitlines()[-3:] == [
        "citations, data quality (run 20261128T060000Z-eeeeee):",
        "  2 without authors: anon2019t5, anon2023",
        "  1 with a provisional key: kim2024sparse",
    ]
