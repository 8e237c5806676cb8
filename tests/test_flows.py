"""The Prefect layer: the ingest flow against one embedded server for the whole session."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

import pytest
from conftest import SAMPLES
from httpserver import Route, serve

pytestmark = pytest.mark.prefect

DAY = "2024년 1월 2일\nA Paper\n(Ann Lee)\nAn abstract long enough to be an abstract here.\n코멘트.\n#llm\n"


def config(tmp_path: Path, extra: str = "", arxiv: str = "[arxiv]\nenabled = false\n") -> Path:
    """Samples, plus a source that cannot be read; arXiv off unless a test points it at the
    stand-in (tests never talk to the real arXiv)."""
    path = tmp_path / "digestlake.toml"
    path.write_text(
        f'[lake]\npath = "lake"\n[cache]\npath = "cache"\n[http]\nbackoff_s = 0.05\n'
        f'[[sources]]\nname = "digests"\nkind = "digest"\npath = "{SAMPLES / "digests"}"\n'
        f'[[sources]]\nname = "vault"\nkind = "vault"\npath = "{SAMPLES / "vault"}"\n'
        f'[[sources]]\nname = "missing"\nkind = "digest"\npath = "{tmp_path / "nowhere"}"\n'
        + extra
        + arxiv
    )
    return path


def test_ingest_flow_reports_a_failed_source_and_commits_the_others(
    prefect_server, tmp_path: Path
) -> None:
    from digestlake.flows.ingest import ingest_flow

    report = ingest_flow(config_path=str(config(tmp_path)))
    status = {s.source_id: s.status for s in report.sources}
    assert status == {"digests": "ok", "vault": "ok", "missing": "failed"}
    assert "no such file or folder" in report.failed[0].error
    assert report.mentions == 12 and report.files_written

    again = ingest_flow(config_path=str(config(tmp_path)))
    assert {s.source_id: s.status for s in again.sources} == {
        **status,
        "digests": "unchanged",
        "vault": "unchanged",
    }
    assert again.files_written == []


def test_transient_http_failure_is_retried(prefect_server, tmp_path: Path) -> None:
    from digestlake.flows.ingest import ingest_flow

    with serve({"/d.txt": [Route(b"busy", 503), Route(DAY.encode())]}) as server:
        extra = f'[[sources]]\nname = "web"\nkind = "digest"\nurl = "{server.base_url}/d.txt"\n'
        report = ingest_flow(config_path=str(config(tmp_path, extra)))
    web = next(s for s in report.sources if s.source_id == "web")
    assert web.status == "ok" and web.new == 1
    assert len(server.requests) == 2  # one 503, then the retry


def test_pipeline_ingests_then_publishes_and_a_rerun_writes_nothing(
    prefect_server, tmp_path: Path
) -> None:
    from digestlake.flows.pipeline import pipeline_flow

    config_path = str(config(tmp_path))
    report = pipeline_flow(config_path=config_path, biblatex=True)
    assert report.ingest.mentions == 12 and report.publish.papers == 6  # the cp949 day is not here
    exports = tmp_path / "data" / "exports"
    assert (exports / "bibtex" / "all.bib").exists() and (exports / "biblatex" / "all.bib").exists()
    assert (exports / "feeds" / "index.opml").exists() and (
        exports / "jsonl" / "papers.jsonl"
    ).exists()
    again = pipeline_flow(config_path=config_path, biblatex=True)
    assert again.ingest.files_written == [] and again.publish.files.written == []
    assert again.publish.keys_issued == 0

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from digestlake.lake.store import Lake

    runs = Lake(tmp_path / "lake").read("runs").sort("started_at").to_dicts()
    assert [r["status"] for r in runs] == ["completed", "completed"]
    assert runs[0]["export_files_written"] > 0 and runs[1]["export_files_written"] == 0
    assert runs[1]["lake_files_written"] == 0  # its own record is a new file, not counted
    sources = {s["source_id"]: s for s in runs[0]["sources"]}
    assert sources["digests"]["new"] == 8 and sources["missing"]["status"] == "failed"
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["pipeline-report"]))
        )
    reports = {a.flow_run_id: a.data for a in artifacts}
    assert reports[UUID(runs[1]["flow_run_id"])] == runs[1]["report"]


def test_pipeline_enriches_through_the_global_rate_limit(prefect_server, tmp_path: Path) -> None:
    from prefect.client.orchestration import get_client
    from standin_arxiv import Paper, serve_standin

    from digestlake.flows.pipeline import pipeline_flow

    with serve_standin() as standin:
        standin.add(
            Paper(
                "2403.90001",
                "Sparse Mixtures of Tiny Experts",
                [("Hana Kim", [])],
                categories=["cs.CL"],
            )
        )
        arxiv = (
            f'[arxiv]\napi_url = "{standin.api_url}"\nmin_interval_s = 0.5\ncache = "arxiv-cache"\n'
        )
        report = pipeline_flow(config_path=str(config(tmp_path, arxiv=arxiv)))
    assert (report.enrich.enriched, report.enrich.unknown, report.enrich.waiting) == (1, 2, 0)
    bib = (tmp_path / "data" / "exports" / "bibtex" / "all.bib").read_text()
    assert "primaryClass = {cs.CL}" in bib
    with get_client(sync_client=True) as client:
        limit = client.read_global_concurrency_limit_by_name("arxiv-api")
    assert limit.limit == 1 and limit.slot_decay_per_second == pytest.approx(1 / 0.55)


def test_a_failed_run_is_recorded_and_status_tells_it_from_a_stale_lock(
    prefect_server, tmp_path: Path, capsys
) -> None:
    from digestlake.flows.cli import main
    from digestlake.flows.pipeline import pipeline_flow
    from digestlake.lake.store import Lake

    config_path = config(tmp_path, extra='[exports]\npath = "exports"\n')
    (tmp_path / "exports").write_text("a file where the exports folder should be")
    with pytest.raises(Exception, match="exports"):
        pipeline_flow(config_path=str(config_path))
    (failed,) = Lake(tmp_path / "lake").read("runs").to_dicts()
    assert failed["status"] == "failed" and "exports" in failed["error"]
    # What it got to is kept: the ingest ran (its sources are reported) before publish failed.
    assert "ok" in [s["status"] for s in failed["sources"]]
    assert "**Failed:**" in failed["report"]
    assert main(["status", "--config", str(config_path)]) == 0
    out = capsys.readouterr().out
    assert "lock: free" in out and "pipeline failed" in out
