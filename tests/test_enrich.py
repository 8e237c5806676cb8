"""Enrichment from the stand-in arXiv: metadata, versions, unknown ids, faults, no network."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from conftest import SAMPLES, ingest_into
from standin_arxiv import Paper, StandIn, serve_standin

from digestlake.lake.store import Lake
from digestlake.pipeline.config import SourceConfig
from digestlake.pipeline.enrich import fetch_pending, pending_ids
from digestlake.sources.arxiv_client import ArxivClient
from digestlake.sources.http import HttpPolicy

T0 = datetime(2026, 1, 1, tzinfo=UTC)
INTERVAL = 0.05


def ingest(lake: Lake, sources: list[SourceConfig], cache: Path) -> None:
    ingest_into(lake, sources, T0, cache)


def client(standin: StandIn, **kw) -> ArxivClient:
    return ArxivClient(
        api_url=standin.api_url,
        min_interval_s=INTERVAL,
        policy=HttpPolicy(backoff_s=0.01, timeout_s=2),
        **kw,
    )


def test_enrich_fills_metadata_and_versions_and_remembers_unknown_ids(tmp_path: Path) -> None:
    lake = Lake(tmp_path / "lake")
    ingest(lake, [SourceConfig("v", "vault", path=str(SAMPLES / "vault"))], tmp_path)
    assert pending_ids(lake) == ["2403.90001", "2403.90002", "2403.90003"]
    with serve_standin() as standin:
        standin.add(
            Paper(
                "2403.90001", "Sparse Mixtures of Tiny Experts for On-Device Language Models",
                [("Hana Kim", ["KAIST"]), ("Jordan Lee", [])], version=3, categories=["cs.CL", "cs.LG"],
                updated=datetime(2024, 5, 1, tzinfo=UTC), doi="10.1000/xyz", journal_ref="J. Tiny 1 (2024)",
            ),
            Paper("2403.90002", "$\\infty$-Context: Attention Beyond a Million Tokens", [("Ravi Shankar", [])]),
        )  # fmt: skip
        with client(standin) as c:
            report = fetch_pending(lake, c, T0)
        assert (report.pending, report.enriched, report.unknown, report.waiting) == (3, 2, 1, 0)
        assert report.requests == 1  # one id_list request for all three
        paper = lake.read("papers").filter(pl.col("paper_id") == "2403.90001").row(0, named=True)
        assert paper["metadata_source"] == "arxiv" and paper["primary_category"] == "cs.CL"
        assert paper["authors"][0] == {"name": "Hana Kim", "affiliation": "KAIST"}
        assert (paper["latest_version"], paper["doi"]) == (3, "10.1000/xyz")
        versions = lake.read("paper_versions").filter(pl.col("arxiv_id") == "2403.90001")
        assert versions["version"].to_list() == [1, 3]
        # The unknown id is not asked again; nothing else is pending.
        with client(standin) as c:
            again = fetch_pending(lake, c, T0)
        assert (again.pending, again.requests) == (0, 0)
        assert len(standin.requests) == 1


@pytest.fixture(scope="module")
def vault_lake(bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> Lake:
    root = tmp_path_factory.mktemp("enrich")
    lake = Lake(root / "lake")
    ingest(lake, [SourceConfig("arxiv-today", "vault", path=str(bundle))], root / "cache")
    return lake


def standin_for(lake: Lake) -> StandIn:
    """The stand-in knows every paper of the vault under its id (arXiv's metadata here is what
    the notes say, which is enough to check that nothing is lost or duplicated)."""
    standin = StandIn()
    for row in lake.read("papers").filter(pl.col("arxiv_id").is_not_null()).iter_rows(named=True):
        authors = [(a["name"], []) for a in row["authors"]] or [("Anonymous", [])]
        standin.add(
            Paper(
                row["arxiv_id"],
                row["title"] or row["arxiv_id"],
                authors,
                abstract=row["abstract"] or "-",
            )
        )
    return standin


@pytest.mark.parametrize(
    "fault", [None, ("503", 0.2), ("429",), ("rate_exceeded",), ("empty",), ("truncated",)]
)
def test_enrichment_completes_under_each_fault(vault_lake: Lake, tmp_path: Path, fault) -> None:
    lake = Lake(tmp_path / "lake")
    shutil.copytree(vault_lake.root, lake.root)
    ids = pending_ids(lake)
    with serve_standin(standin_for(lake)) as standin:
        if fault:
            standin.faults.extend([fault] * 3)
        with client(standin) as c:
            report = fetch_pending(lake, c, T0)
        assert len(ids) > 3500
        assert report.enriched == len(ids) and report.waiting == 0 and report.error is None
        papers = lake.read("papers")
        assert papers["paper_id"].is_unique().all()
        assert papers.filter(pl.col("metadata_source") == "arxiv").height == len(ids)
        assert lake.read("paper_versions").height == len(ids)
        batches = sum(-(-min(1000, len(ids) - s) // 200) for s in range(0, len(ids), 1000))
        assert batches == 18  # 200 ids per id_list request
        assert report.requests == len(standin.requests) == batches + (3 if fault else 0)
        assert standin.max_concurrent == 1
        assert min(standin.gaps()) >= INTERVAL - 0.005


def test_no_network_leaves_papers_waiting_for_the_next_run(tmp_path: Path) -> None:
    lake = Lake(tmp_path / "lake")
    ingest(lake, [SourceConfig("v", "vault", path=str(SAMPLES / "vault"))], tmp_path)
    before = lake.read("papers")
    with ArxivClient(api_url="http://arxiv.invalid/api/query", min_interval_s=0) as c:
        report = fetch_pending(lake, c, T0)
    assert (report.enriched, report.waiting, report.requests) == (0, 3, 1)
    assert "does not resolve" in report.error
    assert lake.read("papers").equals(before)
