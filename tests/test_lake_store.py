"""Atomic, idempotent table writes; reads that migrate older files and refuse newer ones."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest

from digestlake.core.tables import SCHEMA_VERSION
from digestlake.lake.store import Lake, LakeError

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _mentions(n: int, source: str = "s1") -> pl.DataFrame:
    return pl.DataFrame(
        {
            "mention_id": [f"{source}-m{i}" for i in range(n)],
            "source_id": [source] * n,
            "title": [f"Title {i}" for i in range(n)],
            "tags": [["a", "b"]] * n,
            "deleted": [False] * n,
            "first_seen_at": [NOW] * n,
        }
    )


def test_roundtrip_partitioned_and_readable_by_duckdb(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.write("mentions", pl.concat([_mentions(3, "s1"), _mentions(2, "s2")]))
    assert lake.files("mentions") == [
        "mentions/source_id=s1/part-0.parquet",
        "mentions/source_id=s2/part-0.parquet",
    ]
    back = lake.read("mentions")
    assert back.height == 5 and back["tags"][0].to_list() == ["a", "b"]
    rows = duckdb.sql(
        f"select source_id, count(*) from read_parquet('{tmp_path}/mentions/**/*.parquet', "
        "hive_partitioning=true) group by 1 order by 1"
    ).fetchall()
    assert rows == [("s1", 3), ("s2", 2)]
    scanned = pl.scan_parquet(f"{tmp_path}/mentions/**/*.parquet", hive_partitioning=True)
    assert scanned.select(pl.len()).collect().item() == 5


def test_same_content_rewrites_no_file(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    df = _mentions(4)
    assert lake.write("mentions", df)
    stamps = lake.location.state()
    assert lake.write("mentions", df.reverse()) == []  # row order does not matter
    assert lake.location.state() == stamps


def test_only_the_changed_partition_is_rewritten(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.write("mentions", pl.concat([_mentions(3, "s1"), _mentions(2, "s2")]))
    changed = lake.write(
        "mentions",
        pl.concat([_mentions(3, "s1"), _mentions(2, "s2").with_columns(title=pl.lit("x"))]),
    )
    assert changed == ["mentions/source_id=s2/part-0.parquet"]


def test_duplicate_keys_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="share a key"):
        Lake(tmp_path).write("mentions", pl.concat([_mentions(2), _mentions(1)]))


def test_crash_while_writing_leaves_the_old_table(tmp_path: Path, monkeypatch) -> None:
    lake = Lake(tmp_path)
    lake.write("mentions", _mentions(3))

    def crash(src, dst):  # killed once the new file is on disk, before it takes the old's place
        Path(src).write_bytes(Path(src).read_bytes()[:100])  # and half of it at that
        raise KeyboardInterrupt("killed mid-write")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        lake.write("mentions", _mentions(5))
    monkeypatch.undo()
    assert lake.read("mentions").height == 3  # the temp file is ignored
    assert lake.write("mentions", _mentions(5))
    assert lake.read("mentions").height == 5


def test_older_file_is_migrated_and_newer_file_refused(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    target = tmp_path / "papers" / "part-0.parquet"
    target.parent.mkdir(parents=True)
    # A version-1 file: one file, no doi column yet. It reads with the column null and its
    # bucket derived, and the next write moves it to the version-2 layout.
    pl.DataFrame({"paper_id": ["2401.00001"], "title": ["T"]}).write_parquet(
        target, metadata={"digestlake.schema_version": "1"}
    )
    papers = lake.read("papers")
    assert papers.columns[:3] == ["paper_id", "arxiv_id", "latest_version"]
    assert papers["doi"].to_list() == [None] and papers["bucket"].to_list() == ["2401"]
    moved = tmp_path / "papers" / "bucket=2401" / "part-0.parquet"
    assert lake.write("papers", papers) == [
        "papers/bucket=2401/part-0.parquet",
        "papers/part-0.parquet",
    ]
    assert not target.exists() and lake.read("papers").equals(papers)
    pl.DataFrame({"paper_id": ["p1"]}).write_parquet(
        moved, metadata={"digestlake.schema_version": str(SCHEMA_VERSION + 1)}
    )
    with pytest.raises(LakeError, match="Upgrade digestlake"):
        lake.read("papers")


def test_partition_reads_and_writes_touch_one_bucket(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    papers = pl.DataFrame({"paper_id": ["2401.00001", "2402.00002", "hep-th/9901001", "dl:abc"]})
    lake.write("papers", papers)
    assert sorted(p.split("/")[1] for p in lake.files("papers")) == [
        "bucket=2401", "bucket=2402", "bucket=dl", "bucket=hep-th",
    ]  # fmt: skip
    assert lake.read_partition("papers", "2402")["paper_id"].to_list() == ["2402.00002"]
    changed = lake.write_partition(
        "papers", "2402", pl.DataFrame({"paper_id": ["2402.00002", "2402.00003"]})
    )
    assert changed == ["papers/bucket=2402/part-0.parquet"]
    assert lake.read("papers").height == 5
    with pytest.raises(ValueError, match="outside partition"):
        lake.write_partition("papers", "2402", pl.DataFrame({"paper_id": ["2403.00001"]}))


def test_empty_table_reads_typed(tmp_path: Path) -> None:
    papers = Lake(tmp_path).read("papers")
    assert papers.height == 0 and papers.schema["authors"] == pl.List(
        pl.Struct({"name": pl.String, "affiliation": pl.String})
    )
