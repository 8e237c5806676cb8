"""The lake's Delta tables: idempotent commits, one per write, crash safety, schema evolution,
and clear errors for tables that are newer or broken."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest
from deltalake import DeltaTable, Schema

from digestlake.core.tables import QUARANTINE, SCHEMA_VERSION
from digestlake.lake.maintenance import vacuum_lake
from digestlake.lake.store import Lake, LakeError, conform

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


def _data_files(root: Path) -> set[str]:
    return {
        str(p.relative_to(root)) for p in root.rglob("*.parquet") if "_delta_log" not in p.parts
    }


def _live_files(root: Path, table: str) -> set[str]:
    return {str(Path(f).relative_to(root)) for f in DeltaTable(str(root / table)).file_uris()}


def test_roundtrip_partitioned_and_readable_by_delta_readers(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.write("mentions", pl.concat([_mentions(3, "s1"), _mentions(2, "s2")]))
    assert DeltaTable(str(tmp_path / "mentions")).metadata().partition_columns == ["source_id"]
    back = lake.read("mentions")
    assert back.height == 5 and back["tags"][0].to_list() == ["a", "b"]
    scanned = pl.scan_delta(str(tmp_path / "mentions"))
    assert scanned.select(pl.len()).collect().item() == 5
    assert scanned.collect_schema()["first_seen_at"] == pl.Datetime("us", "UTC")
    con = duckdb.connect()
    con.register("mentions", DeltaTable(str(tmp_path / "mentions")).to_pyarrow_dataset())
    rows = con.sql("select source_id, count(*) from mentions group by 1 order by 1").fetchall()
    assert rows == [("s1", 3), ("s2", 2)]


def test_same_content_commits_nothing_and_writes_no_file(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    df = _mentions(4)
    assert lake.write("mentions", df)
    stamps, version = lake.location.state(), lake.version("mentions")
    assert lake.write("mentions", df.reverse()) == []  # row order does not matter
    assert lake.upsert("mentions", df.head(2)) == []
    assert lake.location.state() == stamps and lake.version("mentions") == version


def test_only_the_changed_partitions_are_rewritten_in_one_commit(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.write("mentions", pl.concat([_mentions(3, "s1"), _mentions(2, "s2"), _mentions(1, "s3")]))
    before, version = _data_files(tmp_path), lake.version("mentions")
    changed = lake.write(
        "mentions",
        pl.concat([_mentions(3, "s1"), _mentions(2, "s2").with_columns(title=pl.lit("x"))]),
    )
    assert changed == ["mentions/source_id=s2", "mentions/source_id=s3"]
    assert lake.version("mentions") == version + 1  # both partitions: one commit
    (new,) = _data_files(tmp_path) - before
    assert new.startswith("mentions/source_id=s2/")
    assert not any("source_id=s3" in f for f in _live_files(tmp_path, "mentions"))
    commit = DeltaTable(str(tmp_path / "mentions")).history(1)[0]
    assert json.loads(commit["digestlake.rows"]) == {"added": 0, "deleted": 1, "updated": 2}


def test_duplicate_keys_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="share a key"):
        Lake(tmp_path).write("mentions", pl.concat([_mentions(2), _mentions(1)]))


def test_a_crash_before_the_commit_leaves_the_old_table(tmp_path: Path, monkeypatch) -> None:
    lake = Lake(tmp_path)
    lake.write("mentions", _mentions(3))
    version = lake.version("mentions")

    def half_written(src, dst):  # killed mid-way through a data file
        Path(src).write_bytes(Path(src).read_bytes()[:100])
        raise KeyboardInterrupt("killed mid-write")

    monkeypatch.setattr(os, "replace", half_written)
    with pytest.raises(KeyboardInterrupt):
        lake.write("mentions", _mentions(5))
    monkeypatch.undo()

    def killed(*args, **kwargs):  # the data file is written, the commit is not
        raise KeyboardInterrupt("killed before the commit")

    monkeypatch.setattr(DeltaTable, "create_write_transaction", killed)
    with pytest.raises(KeyboardInterrupt):
        lake.write("mentions", _mentions(6))
    monkeypatch.undo()
    fresh = Lake(tmp_path)
    assert fresh.read("mentions").height == 3 and fresh.version("mentions") == version
    assert fresh.write("mentions", _mentions(5))
    assert Lake(tmp_path).read("mentions").height == 5
    # Left: the file never committed and the one replaced; a vacuum removes both.
    assert len(_data_files(tmp_path) - _live_files(tmp_path, "mentions")) == 2
    vacuum_lake(fresh, retain_days=0)
    assert _data_files(tmp_path) == _live_files(tmp_path, "mentions")
    assert Lake(tmp_path).read("mentions").height == 5


def test_a_newer_table_is_refused_and_a_broken_log_names_its_table(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.write("papers", pl.DataFrame({"paper_id": ["2401.00001"]}))
    lake.write("mentions", _mentions(2))
    DeltaTable(str(tmp_path / "papers")).alter.set_table_properties(
        {"digestlake.schema_version": str(SCHEMA_VERSION + 1)}, raise_if_not_exists=False
    )
    with pytest.raises(LakeError, match=r"papers .* has schema version .* Upgrade digestlake"):
        Lake(tmp_path).read("papers")
    log = tmp_path / "mentions" / "_delta_log"
    newest = sorted(log.glob("*.json"))[-1]
    newest.write_text('{"add": {"path": ')  # cut short
    with pytest.raises(LakeError, match="table mentions at"):
        Lake(tmp_path).read("mentions")
    newest.unlink()
    (log / "00000000000000000000.json").unlink()  # a gap at the start of the log
    with pytest.raises(LakeError, match="table mentions at"):
        Lake(tmp_path).read("mentions")


def test_a_new_column_is_added_by_schema_evolution(tmp_path: Path) -> None:
    """A table created before a column existed gets it on the next write; its old files read
    the column as null."""
    older = {k: v for k, v in QUARANTINE.columns.items() if k != "excerpt"}
    DeltaTable.create(
        str(tmp_path / "quarantine"),
        Schema.from_arrow(pl.DataFrame(schema=older).to_arrow().schema),
        configuration={"digestlake.schema_version": "3"},
        raise_if_key_not_exists=False,
    )
    row = {"source_id": "s", "location": "f:1", "reason": "bad", "seen_at": NOW}
    Lake(tmp_path).write("quarantine", pl.DataFrame([row]))
    fields = [f.name for f in DeltaTable(str(tmp_path / "quarantine")).schema().fields]
    assert sorted(fields) == sorted(QUARANTINE.columns)  # added at the end
    assert pl.read_delta(str(tmp_path / "quarantine"))["excerpt"].to_list() == [None]


def test_partition_reads_and_writes_touch_one_bucket(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    papers = pl.DataFrame({"paper_id": ["2401.00001", "2402.00002", "hep-th/9901001", "dl:abc"]})
    lake.write("papers", papers)
    assert sorted(lake.files("papers")["partition"]) == ["2401", "2402", "dl", "hep-th"]
    assert lake.read_partition("papers", "2402")["paper_id"].to_list() == ["2402.00002"]
    changed = lake.write_partition(
        "papers", "2402", pl.DataFrame({"paper_id": ["2402.00002", "2402.00003"]})
    )
    assert changed == ["papers/bucket=2402"]
    assert lake.read("papers").height == 5
    with pytest.raises(ValueError, match="outside partition"):
        lake.write_partition("papers", "2402", pl.DataFrame({"paper_id": ["2403.00001"]}))


def test_empty_table_reads_typed(tmp_path: Path) -> None:
    papers = Lake(tmp_path).read("papers")
    assert papers.height == 0 and papers.schema["authors"] == pl.List(
        pl.Struct({"name": pl.String, "affiliation": pl.String})
    )


def _papers(rows: list[tuple[str, str, str]]) -> pl.DataFrame:
    ids, titles, sources = zip(*rows, strict=True)
    return pl.DataFrame(
        {"paper_id": ids, "arxiv_id": ids, "title_norm": titles, "metadata_source": sources}
    )


def test_reads_skip_files_by_statistics_and_filter_by_predicate(tmp_path: Path) -> None:
    """After a snapshot import most files hold nothing but its papers: a read for the others
    skips them by the statistics in the log, and a predicate read keeps only matching rows,
    the same whether files were decoded before (cached) or not."""
    from digestlake.core.ids import ARXIV_SOURCES
    from digestlake.lake.frame_cache import FRAMES

    lake = Lake(tmp_path)
    lake.write(
        "papers",
        _papers(
            [
                ("2401.00001", "alpha", "arxiv-snapshot"),
                ("2401.00002", "beta", "arxiv-snapshot"),
                ("2402.00001", "alpha", "arxiv"),
                ("2402.00002", "gamma", "note"),
                ("2403.00001", "delta", "digest"),
                ("2404.00001", "alpha", "arxiv"),
                ("2404.00002", "beta", "arxiv-snapshot"),
            ]
        ),
    )
    kept = lake.files("papers", holding_other_than=("metadata_source", ARXIV_SOURCES))
    # 2401: all one arXiv source, skipped; 2404: two arXiv sources, read (not provably one)
    assert kept["partition"].to_list() == ["2402", "2403", "2404"]
    skipped = lake.read("papers", holding_other_than=("metadata_source", ARXIV_SOURCES))
    assert skipped["paper_id"].to_list()[:3] == ["2402.00001", "2402.00002", "2403.00001"]

    alpha = pl.col("title_norm").is_in(["alpha", "delta"])
    for cached in ([], ["2402"], ["2401", "2402", "2403", "2404"]):
        FRAMES.clear()
        for part in cached:
            lake.read("papers", columns=["paper_id", "title_norm"], partitions={part})
        got = lake.read("papers", columns=["paper_id", "title_norm"], where=alpha)
        assert got["paper_id"].to_list() == [
            "2401.00001", "2402.00001", "2403.00001", "2404.00001"
        ], cached  # fmt: skip
    FRAMES.clear()
    whole = lake.read("papers")  # one scan, then each file's frame cached
    assert whole.height == 7 and whole["bucket"].to_list()[0] == "2401"
    assert lake.read("papers", partitions={"2403"})["title_norm"].to_list() == ["delta"]


def test_files_older_than_a_column_read_it_as_null_beside_newer_ones(tmp_path: Path) -> None:
    """A table read in one scan may hold files written before a column existed, in other
    partitions (whose value is in the log, not in the files)."""
    from deltalake import write_deltalake

    from digestlake.core.tables import MENTIONS
    from digestlake.lake.frame_cache import FRAMES

    older = {k: v for k, v in MENTIONS.columns.items() if k != "upvotes"}
    table = str(tmp_path / "mentions")
    old = conform(_mentions(2, "old"), MENTIONS).drop("upvotes")
    DeltaTable.create(
        table, Schema.from_arrow(old.to_arrow().schema), partition_by=["source_id"],
        configuration={"digestlake.schema_version": "3"}, raise_if_key_not_exists=False,
    )  # fmt: skip
    write_deltalake(table, old.to_arrow(), mode="append")
    assert set(pl.read_delta(table).columns) == set(older)
    lake = Lake(tmp_path)
    lake.upsert("mentions", _mentions(1, "new").with_columns(upvotes=pl.lit(7, pl.Int32)))
    FRAMES.clear()
    back = Lake(tmp_path).read("mentions")
    assert back.select("source_id", "upvotes").rows() == [("new", 7), ("old", None), ("old", None)]
