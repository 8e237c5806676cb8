"""The pipeline verbs as library calls (no Prefect): what they report, that a failed source
costs only itself, and that each stage resolves mentions once."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import SAMPLES, config_for
from httpserver import Route, serve
from standin_arxiv import Paper, serve_standin

import digestlake.pipeline.reconcile as reconcile_module
from digestlake.pipeline.config import ArxivConfig, SourceConfig
from digestlake.pipeline.enrich import enrich
from digestlake.pipeline.ingest import ingest
from digestlake.pipeline.run import run
from digestlake.sources.http import HttpPolicy

T0 = datetime(2026, 1, 1, tzinfo=UTC)
SOURCES = [
    SourceConfig("digests", "digest", path=str(SAMPLES / "digests")),
    SourceConfig("vault", "vault", path=str(SAMPLES / "vault")),
]


@pytest.fixture
def resolutions(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times mentions were resolved (one entry per call: the mentions resolved)."""
    calls: list[int] = []
    resolve = reconcile_module.resolve_mentions

    def counted(mentions, *args):
        calls.append(mentions.height)
        return resolve(mentions, *args)

    monkeypatch.setattr(reconcile_module, "resolve_mentions", counted)
    return calls


def test_run_as_a_library_call_isolates_a_failed_source(tmp_path: Path, resolutions) -> None:
    missing = SourceConfig("missing", "digest", path=str(tmp_path / "nowhere"))
    config = config_for(tmp_path / "lake", [*SOURCES, missing])
    report = run(config, now=T0)
    status = {s.source_id: s.status for s in report.ingest.sources}
    assert status == {"digests": "ok", "vault": "ok", "missing": "failed"}
    assert report.ingest.mentions == 12 and report.publish.papers == 6
    assert report.run["status"] == "completed" and report.run["flow_run_id"] is None
    assert (tmp_path / "exports" / "bibtex" / "all.bib").exists()
    assert len(resolutions) == 1  # the ingest stage; arXiv is off, publish resolves nothing

    again = run(config, now=T0)
    assert again.ingest.files_written == [] and again.publish.files.written == []


def test_each_stage_resolves_mentions_once(tmp_path: Path, resolutions) -> None:
    titled = tmp_path / "digests"
    titled.mkdir()
    (titled / "2024-06-18.txt").write_text(
        "2024년 6월 18일\nAutoregressive Image Generation without Vector Quantization\n"
        "(Tianhong Li, Kaiming He)\n코멘트.\n#vq\n"
    )
    sources = [*SOURCES, SourceConfig("titled", "digest", path=str(titled))]
    ingest(config_for(tmp_path / "lake", sources), now=T0)
    assert len(resolutions) == 1
    with serve_standin() as standin:
        standin.add(
            Paper("2403.90001", "Sparse Mixtures of Tiny Experts", [("Hana Kim", [])]),
            Paper(
                "2406.11838",
                "Autoregressive Image Generation without Vector Quantization",
                [("Tianhong Li", [])],
            ),
        )
        arxiv = ArxivConfig(api_url=standin.api_url, min_interval_s=0, cache=str(tmp_path / "a"))
        report = enrich(config_for(tmp_path / "lake", sources, arxiv=arxiv), now=T0)
    # Metadata by id and a title search both changed what resolution reads: one reconcile.
    assert report.enriched == 1 and report.resolution.resolved == 1
    assert len(resolutions) == 2


def test_enrich_rides_out_a_burst_of_five_faults_within_one_run(tmp_path: Path) -> None:
    vault = SourceConfig("vault", "vault", path=str(SAMPLES / "vault"))
    ingest(config_for(tmp_path / "lake", [vault]), now=T0)
    with serve_standin() as standin:
        for i in (1, 2, 3):
            standin.add(Paper(f"2403.9000{i}", f"Paper {i}", [("Hana Kim", [])]))
        standin.faults.extend(
            [("503", 0.2), ("429",), ("rate_exceeded",), ("empty",), ("truncated",)]
        )
        arxiv = ArxivConfig(api_url=standin.api_url, min_interval_s=0.1, cache=str(tmp_path / "a"))
        config = config_for(tmp_path / "lake", [vault], arxiv=arxiv)
        config = replace(config, http=HttpPolicy(backoff_s=0.05, retry_budget_s=30))
        report = enrich(config, now=T0)
    assert (report.enriched, report.waiting, report.error) == (3, 0, None)
    by_id = [query for _, query in standin.requests if query.startswith("id_list=")]
    assert len(by_id) == 1 + 5 and standin.max_concurrent == 1  # one request, five retries
    assert min(standin.gaps()) >= 0.1 - 0.01


def test_a_digest_url_failing_twice_is_read_in_the_run_and_a_304_writes_nothing(
    tmp_path: Path,
) -> None:
    day = "2024년 1월 2일\nA Paper\n(Ann Lee)\nAn abstract long enough to be an abstract.\n코멘트.\n#llm\n"
    busy = Route(b"busy", 503, {"Retry-After": "0"})
    page = Route(day.encode(), headers={"ETag": '"v1"'})
    with serve({"/d.txt": [busy, busy, page]}) as server:
        web = SourceConfig("web", "digest", url=f"{server.base_url}/d.txt")
        config = replace(
            config_for(tmp_path / "lake", [web]), http=HttpPolicy(backoff_s=0.05, retry_budget_s=5)
        )
        first = ingest(config, now=T0)
        assert first.sources[0].status == "ok" and first.sources[0].new == 1
        assert len(server.requests) == 3
        again = ingest(config, now=T0)
    assert again.sources[0].status == "unchanged" and again.files_written == []
    assert server.requests[-1][1]["If-None-Match"] == '"v1"'
