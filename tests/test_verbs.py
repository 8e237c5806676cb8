"""The pipeline verbs as library calls (no Prefect): what they report, that a failed source
costs only itself, and that each stage resolves mentions once."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import SAMPLES, config_for
from standin_arxiv import Paper, serve_standin

import digestlake.pipeline.reconcile as reconcile_module
from digestlake.pipeline.config import ArxivConfig, SourceConfig
from digestlake.pipeline.enrich import enrich
from digestlake.pipeline.ingest import ingest
from digestlake.pipeline.run import run

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
