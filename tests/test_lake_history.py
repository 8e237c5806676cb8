"""History on Delta tables: what each run changed, rollback of a run that changed and deleted
mentions (tables and exports back byte for byte, and the rollback itself undone), exports as of
an older run, vacuum, and the status of each table."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import SAMPLES, config_for

from digestlake.core.tables import TABLES
from digestlake.lake.frame_cache import FRAMES
from digestlake.lake.store import Lake, LakeError
from digestlake.pipeline.config import SourceConfig
from digestlake.pipeline.history import history, publish_as_of, rollback
from digestlake.pipeline.run import run
from digestlake.pipeline.status import status
from digestlake.pipeline.vacuum import vacuum

T0 = datetime(2026, 1, 1, 6, 0, tzinfo=UTC)


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def _tables(lake: Lake) -> dict[str, list]:
    return {name: lake.read(name).rows() for name in TABLES if name != "runs"}


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Run 1 on three digest days; run 2 after one day's file is deleted and another's
    commentary changed. What the lake and the exports were after each."""
    root = tmp_path_factory.mktemp("history")
    digests = root / "digests"
    shutil.copytree(SAMPLES / "digests", digests)
    config = config_for(root / "lake", [SourceConfig("d", "digest", path=str(digests))])
    first = run(config, offline=True, now=T0).run
    after_first = {"tables": _tables(Lake(config.lake_path)), "exports": _files(root / "exports")}
    (digests / "2024-03-06.txt").unlink()
    day = digests / "2024-03-05.txt"
    day.write_text(day.read_text().replace("\n#", "\n덧붙인 코멘트.\n#", 1))
    second = run(config, offline=True, now=T0 + timedelta(days=1)).run
    after_second = {"tables": _tables(Lake(config.lake_path)), "exports": _files(root / "exports")}
    return {
        "root": root, "config": config, "first": first, "second": second,
        "after_first": after_first, "after_second": after_second,
    }  # fmt: skip


def test_history_says_what_each_run_changed_per_table(two_runs: dict) -> None:
    runs = history(two_runs["config"])
    assert [r["run_id"] for r in runs[:2]] == [
        two_runs["second"]["run_id"],
        two_runs["first"]["run_id"],
    ]
    second = {t["table"]: t for t in runs[0]["changed"]}
    assert second["mentions"]["deleted"] == 0  # a deleted mention is kept, marked deleted
    assert second["mentions"]["updated"] > 1 and second["mentions"]["added"] == 0
    assert "citation_keys" not in second  # no new paper: no new key
    first = {t["table"]: t for t in runs[1]["changed"]}
    assert first["mentions"]["added"] == len(two_runs["after_first"]["tables"]["mentions"])
    assert first["mentions"]["version_before"] == 0


def test_rollback_restores_tables_and_exports_and_can_itself_be_undone(two_runs: dict) -> None:
    config, root = two_runs["config"], two_runs["root"]
    undo = rollback(config, two_runs["second"]["run_id"], now=T0 + timedelta(days=2))
    assert "mentions" in undo.tables
    assert _tables(Lake(config.lake_path)) == two_runs["after_first"]["tables"]
    assert _files(root / "exports") == two_runs["after_first"]["exports"]
    rows = history(config)
    assert rows[0]["flow"] == "rollback" and rows[0]["rollback_of"] == two_runs["second"]["run_id"]

    redo = rollback(config, undo.run_id[:18], now=T0 + timedelta(days=3))  # a prefix will do
    assert redo.rolled_back == undo.run_id
    assert _tables(Lake(config.lake_path)) == two_runs["after_second"]["tables"]
    assert _files(root / "exports") == two_runs["after_second"]["exports"]


def test_publish_as_of_an_older_run_writes_its_exports_byte_for_byte(two_runs: dict) -> None:
    config, out = two_runs["config"], two_runs["root"] / "as-of"
    versions = Lake(config.lake_path).versions()
    publish_as_of(config, two_runs["first"]["run_id"], out)
    assert _files(out) == two_runs["after_first"]["exports"]
    assert Lake(config.lake_path).versions() == versions  # read only
    with pytest.raises(LakeError, match="no run 'nope'"):
        publish_as_of(config, "nope", out)


def test_vacuum_compacts_the_runs_and_status_shows_every_table(two_runs: dict) -> None:
    config = two_runs["config"]
    before = {t.table: t for t in status(config).tables}
    assert before["runs"].files >= 2 and before["runs"].last_vacuum is None
    reports = {r.table: r for r in vacuum(config, retain_days=0)}
    assert reports["runs"].files_compacted >= 2 and reports["mentions"].files_removed > 0
    after = {t.table: t for t in status(config).tables}
    assert after["runs"].files == 1 and after["runs"].rows == before["runs"].rows
    assert after["mentions"].rows == before["mentions"].rows and after["mentions"].last_vacuum
    again = {r.table: r for r in vacuum(config, retain_days=0)}
    assert all(r.files_compacted == r.files_removed == 0 for r in again.values()), again
    # The first run's files are gone now: its exports cannot be rebuilt, and it says why (in a
    # new process: this one still holds the frames it read).
    FRAMES.clear()
    with pytest.raises(LakeError, match="cannot be read"):
        publish_as_of(config, two_runs["first"]["run_id"], two_runs["root"] / "gone")
