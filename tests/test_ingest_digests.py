"""Digest sources: folders, files and URLs; bad files quarantined, nothing in the lake lost."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from conftest import SAMPLES, ingest_into
from httpserver import Route, serve

from digestlake.lake.store import Lake
from digestlake.pipeline.config import SourceConfig
from digestlake.pipeline.extract import extract_source
from digestlake.sources.digest_files import SourceUnavailable
from digestlake.sources.http import HttpClient, HttpPolicy
from digestlake.sources.kinds import ReadContext

T0 = datetime(2026, 1, 1, tzinfo=UTC)
# A client that gives up on a failing server within half a second (the default rides out
# minutes).
FAST = ReadContext(Path("cache"), http=HttpClient(HttpPolicy(backoff_s=0.05, retry_budget_s=0.5)))
DAY = "2024년 1월 2일\nA Paper\n(Ann Lee)\nAn abstract long enough to be an abstract here.\n코멘트.\n#llm\n"


def run(lake: Lake, source: SourceConfig, tmp_path: Path, days: int = 0):
    return ingest_into(lake, [source], T0 + timedelta(days=days), tmp_path / "cache")


def test_bad_file_is_quarantined_and_the_rest_ingested(tmp_path: Path) -> None:
    folder = tmp_path / "digests"
    shutil.copytree(SAMPLES / "digests", folder)
    shutil.copy(SAMPLES / "digests-legacy" / "2024-03-07.txt", folder)  # cp949, not configured
    lake = Lake(tmp_path / "lake")
    report = run(lake, SourceConfig("d", "digest", path=str(folder)), tmp_path)
    assert report.sources[0].new == 8 and not report.failed
    quarantine = lake.read("quarantine").sort("location")
    assert quarantine["location"].to_list() == ["2024-03-05.txt:8", "2024-03-07.txt:1"]
    assert "not valid UTF-8" in quarantine["reason"][1] and "cp949" in quarantine["reason"][1]

    # With the encoding configured the same file reads, and its quarantine row goes away.
    legacy = SourceConfig(
        "legacy", "digest", path=str(SAMPLES / "digests-legacy"), encoding="cp949"
    )
    run(lake, legacy, tmp_path)
    assert lake.read("mentions").filter(pl.col("source_id") == "legacy")["title"].to_list() == [
        "Korean Instruction Data at Scale"
    ]


def test_file_that_turns_unreadable_keeps_its_mentions(tmp_path: Path) -> None:
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "2024-01-02.txt").write_text(DAY)
    (folder / "2024-01-03.txt").write_text(DAY.replace("1월 2일", "1월 3일"))
    lake, source = Lake(tmp_path / "lake"), SourceConfig("d", "digest", path=str(folder))
    run(lake, source, tmp_path)
    (folder / "2024-01-03.txt").write_bytes(b"2024\xb3\xe2 broken\n")
    report = run(lake, source, tmp_path, 1)
    mentions = lake.read("mentions")
    assert mentions.height == 2 and not mentions["deleted"].any()
    assert report.sources[0].quarantined == 1
    (folder / "2024-01-03.txt").unlink()
    run(lake, source, tmp_path, 2)
    gone = lake.read("mentions").filter(pl.col("file") == "2024-01-03.txt").row(0, named=True)
    assert gone["deleted"] and gone["title"] == "A Paper"
    assert lake.read("quarantine").height == 0


def test_edited_and_removed_entries(tmp_path: Path) -> None:
    file = tmp_path / "2024-01-02.txt"
    file.write_text(
        DAY + "B Paper\n(Bo Kim)\nAnother abstract long enough to count as one.\n다른.\n#x\n"
    )
    lake, source = Lake(tmp_path / "lake"), SourceConfig("d", "digest", path=str(file))
    run(lake, source, tmp_path)
    file.write_text(DAY.replace("코멘트.", "고친 코멘트."))
    report = run(lake, source, tmp_path, 1)
    s = report.sources[0]
    assert (s.new, s.updated, s.deleted) == (0, 1, 1)
    rows = {r["title"]: r for r in lake.read("mentions").to_dicts()}
    assert rows["A Paper"]["commentary"] == "고친 코멘트." and rows["B Paper"]["deleted"]


def test_url_source_with_conditional_get(tmp_path: Path) -> None:
    body = DAY.encode("utf-8")
    routes = {"/d.txt": Route(body, headers={"ETag": '"v1"', "Content-Type": "text/plain"})}
    with serve(routes) as server:
        lake = Lake(tmp_path / "lake")
        source = SourceConfig("web", "digest", url=f"{server.base_url}/d.txt")
        assert run(lake, source, tmp_path).sources[0].new == 1
        report = run(lake, source, tmp_path, 1)
        assert report.sources[0].status == "unchanged" and report.files_written == []
        assert server.requests[-1][1].get("If-None-Match") == '"v1"'
        assert "digestlake" in server.requests[-1][1]["User-Agent"]
        routes["/d.txt"] = Route(b"busy", 503)
        with pytest.raises(SourceUnavailable, match="HTTP 503") as err:
            extract_source(
                SourceConfig("web2", "digest", url=f"{server.base_url}/d.txt"),
                lake, FAST, None,
            )  # fmt: skip
        assert err.value.transient
        with pytest.raises(SourceUnavailable, match="HTTP 404") as err:
            extract_source(
                SourceConfig("web3", "digest", url=f"{server.base_url}/nope"),
                lake, FAST, None,
            )  # fmt: skip
        assert not err.value.transient


def test_a_failed_source_is_reported_and_the_others_committed(tmp_path: Path) -> None:
    lake = Lake(tmp_path / "lake")
    good = SourceConfig("good", "digest", path=str(SAMPLES / "digests"))
    bad = SourceConfig("bad", "digest", path=str(tmp_path / "missing"))
    with pytest.raises(SourceUnavailable, match="no such file or folder"):
        extract_source(bad, lake, ReadContext(tmp_path), None)
    report = ingest_into(lake, [good, bad], T0, tmp_path)
    assert "no such file or folder" in report.failed[0].error
    assert [(s.source_id, s.status) for s in report.sources] == [("good", "ok"), ("bad", "failed")]
    sources = {r["source_id"]: r for r in lake.read("sources").to_dicts()}
    assert sources["bad"]["last_error"] and sources["bad"]["cursor"] is None
    assert sources["good"]["cursor"].startswith("sha256:")


def test_crash_before_the_cursor_is_written_is_completed_by_a_rerun(
    tmp_path: Path, monkeypatch
) -> None:
    source = SourceConfig("d", "digest", path=str(SAMPLES / "digests"))
    clean = Lake(tmp_path / "clean")
    run(clean, source, tmp_path)

    crashed = Lake(tmp_path / "crashed")
    real_write = Lake.write

    def write_until_sources(self, table, df):
        if table == "sources":
            raise KeyboardInterrupt("killed before the cursor was written")
        return real_write(self, table, df)

    monkeypatch.setattr(Lake, "write", write_until_sources)
    with pytest.raises(KeyboardInterrupt):
        run(crashed, source, tmp_path)
    monkeypatch.undo()
    assert crashed.read("mentions").height == 8  # readable, the work so far is there
    assert crashed.read("sources").height == 0  # but the cursor did not advance
    report = run(crashed, source, tmp_path)
    assert report.sources[0].unchanged == 8  # the re-run reads again and finds nothing to add
    for table in ("mentions", "papers", "quarantine", "sources"):
        assert crashed.read(table).equals(clean.read(table)), table
