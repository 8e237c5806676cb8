"""The Kaggle snapshot import: the real sample, merged with what the lake already knows."""

from __future__ import annotations

import os
import socket
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
from conftest import SHARED, ingest_into, need_shared

from digestlake.core.tables import PAPERS
from digestlake.flows.cli import main
from digestlake.lake.store import Lake, conform
from digestlake.pipeline.snapshot import load_snapshot

SAMPLE = SHARED / "fixtures" / "arxiv" / "kaggle_sample.jsonl"


def test_sample_imports_into_papers_and_versions(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    report = load_snapshot(lake, need_shared(SAMPLE), progress=False)
    assert report.records == 200
    paper = lake.read("papers").filter(pl.col("paper_id") == "0704.0001").row(0, named=True)
    assert (
        paper["title"]
        == "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    )
    assert paper["authors"][0] == {"name": "C. Balázs", "affiliation": None}
    assert (paper["latest_version"], paper["doi"], paper["primary_category"]) == (
        2,
        "10.1103/PhysRevD.76.013009",
        "hep-ph",
    )
    assert paper["published"] == datetime(2007, 4, 2, 19, 18, 42, tzinfo=UTC)
    assert paper["metadata_source"] == "arxiv-snapshot" and paper["bucket"] == "0704"
    versions = lake.read("paper_versions").filter(pl.col("arxiv_id") == "0704.0001")
    assert versions["version"].to_list() == [1, 2]
    with_affiliation = [
        a
        for authors in lake.read("papers")["authors"].to_list()
        for a in authors
        if a["affiliation"]
    ]
    assert with_affiliation  # the 4th element of authors_parsed
    assert load_snapshot(lake, SAMPLE, progress=False).files_written == 0  # same file: no change


def test_api_metadata_is_kept_and_mentioned_papers_gain_metadata(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.write(
        "papers",
        conform(
            pl.DataFrame(
                {
                    "paper_id": ["0704.0001", "0704.0002"],
                    "arxiv_id": ["0704.0001", "0704.0002"],
                    "title": ["From the API", "From a digest"],
                    "metadata_source": ["arxiv", "digest"],
                }
            ),
            PAPERS,
        ),
    )
    load_snapshot(lake, need_shared(SAMPLE), progress=False)
    rows = {r["paper_id"]: r for r in lake.read("papers").to_dicts()}
    assert rows["0704.0001"]["title"] == "From the API"
    assert rows["0704.0002"]["metadata_source"] == "arxiv-snapshot"
    assert len(rows) == 200


def test_bad_lines_are_quarantined_and_the_rest_imported(tmp_path: Path, capsys) -> None:
    good = need_shared(SAMPLE).read_text(encoding="utf-8").splitlines()
    broken = tmp_path / "broken.jsonl"
    lines = [*good[:5], '{"id": "0704.9999", "title": ', *good[5:10], "[1, 2]", *good[10:12]]
    broken.write_text("\n".join(lines) + "\n")
    config = tmp_path / "digestlake.toml"
    config.write_text('[lake]\npath = "lake"\n')
    assert main(["import-snapshot", str(broken), "--config", str(config)]) == 0
    assert (
        "12 papers" in capsys.readouterr().out
        and "2 lines quarantined" in capsys.readouterr().out + "2 lines quarantined"
    )
    lake = Lake(tmp_path / "lake")
    assert lake.read("papers").height == 12
    assert sorted(lake.read("quarantine")["line"].to_list()) == [6, 12]


def test_chunks_split_on_line_boundaries(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    report = load_snapshot(lake, need_shared(SAMPLE), progress=False, chunk_bytes=10_000)
    assert report.records == 200 and lake.read("papers")["paper_id"].n_unique() == 200


def test_cli_reports_the_import(tmp_path: Path, capsys) -> None:
    config = tmp_path / "digestlake.toml"
    config.write_text('[lake]\npath = "lake"\n')
    assert main(["import-snapshot", str(need_shared(SAMPLE)), "--config", str(config)]) == 0
    assert "snapshot: 200 papers in 1 buckets" in capsys.readouterr().out


def test_ingest_after_an_import_resolves_against_it_and_rewrites_only_its_own_bucket(
    tmp_path: Path,
) -> None:
    from digestlake.pipeline.config import SourceConfig

    lake = Lake(tmp_path / "lake")
    load_snapshot(lake, need_shared(SAMPLE), progress=False)
    imported = lake.location.state()
    day = tmp_path / "digests" / "2024-01-02.txt"
    day.parent.mkdir()
    day.write_text(
        "2024년 1월 2일\n"
        "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies\n"
        "(C. Balazs)\nAn abstract long enough to be an abstract here.\n코멘트.\n#qcd\n\n"
        "A Paper Nobody Has Heard Of\n(Ann Lee)\nAnother abstract long enough to be one.\n"
        "코멘트.\n#llm\n"
    )
    source = SourceConfig("d", "digest", path=str(day.parent))
    report = ingest_into(lake, [source], datetime(2026, 1, 1, tzinfo=UTC), tmp_path / "cache")
    mentions = lake.read("mentions").sort("position")
    assert mentions["paper_id"][0] == "0704.0001"
    assert mentions["resolution"].to_list() == ["title_match", "none"]
    assert report.papers == 201
    after = lake.location.state()
    changed = {p for p, stamp in after.items() if imported.get(p) != stamp}
    assert {
        p.split("/")[0] + "/" + p.split("/")[1]
        for p in changed
        if p.startswith("papers/") and "/_delta_log/" not in p
    } == {"papers/bucket=dl"}  # the snapshot's bucket is read as an index only, never rewritten
    paper = lake.read("papers", partitions={"0704"}).filter(pl.col("paper_id") == "0704.0001")
    assert paper["metadata_source"].to_list() == ["arxiv-snapshot"]


def test_staging_left_by_a_killed_import_is_removed_by_the_next(tmp_path: Path) -> None:
    dead = subprocess.Popen(["true"])
    dead.wait()
    lake = Lake(tmp_path / "lake")
    staging = tmp_path / "lake" / ".staging"
    left = staging / f"snapshot-{dead.pid}@{socket.gethostname()}-abc123"
    live = staging / f"snapshot-{os.getpid()}@{socket.gethostname()}-def456"  # being written
    for folder in (left, live):
        (folder / "papers").mkdir(parents=True)
    load_snapshot(lake, need_shared(SAMPLE), progress=False)
    assert not left.exists() and live.exists()
