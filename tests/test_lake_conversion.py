"""A lake written by the previous release (Parquet files, schema 2) becomes Delta tables on the
first writing verb of this one: every row and citation key kept, the old files removed only
after the new tables are committed, and a crash in between completed by the next verb."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import tarfile
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from conftest import BUNDLE, ROOT, config_for, need_shared

from digestlake.core.location import Location
from digestlake.core.tables import TABLES
from digestlake.lake.delta import LEGACY_FILE
from digestlake.lake.legacy import convert_legacy, legacy_files, read_legacy
from digestlake.lake.store import Lake, LakeError
from digestlake.pipeline.config import SourceConfig
from digestlake.pipeline.ingest import ingest
from digestlake.pipeline.publish import publish

# The last release on the Parquet lake (schema 2): its code, from this repository's history.
PREVIOUS_RELEASE = "102d17a"
FOLDERS = ("core", "transforms", "sources", "lake", "pipeline", "exports")
BUILD = """
import sys
from digestlake.pipeline.config import load_config
from digestlake.pipeline.ingest import ingest
from digestlake.pipeline.publish import publish
config = load_config(sys.argv[1])
ingest(config, offline=True)
publish(config)
"""
T0 = datetime(2026, 1, 2, tzinfo=UTC)


def previous_release(where: Path) -> Path:
    """The previous release's package, importable from ``where`` (PYTHONPATH)."""
    try:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", PREVIOUS_RELEASE, *FOLDERS],
            check=True, capture_output=True,
        ).stdout  # fmt: skip
    except (subprocess.CalledProcessError, FileNotFoundError):
        pytest.skip(f"release {PREVIOUS_RELEASE} is not in this clone's history (a shallow one)")
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(where / "src", filter="data")
    (where / "pkg" / "digestlake").mkdir(parents=True)
    for folder in FOLDERS:
        (where / "pkg" / "digestlake" / folder).symlink_to(where / "src" / folder)
    return where / "pkg"


@pytest.fixture(scope="module")
def old_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real vault, ingested and published by the previous release."""
    root = tmp_path_factory.mktemp("old")
    package = previous_release(root / "release")
    (root / "digestlake.toml").write_text(
        '[lake]\npath = "lake"\n[exports]\npath = "exports"\n[cache]\npath = "cache"\n'
        f'[arxiv]\nenabled = false\n[[sources]]\nname = "vault"\nkind = "vault"\n'
        f'path = "{need_shared(BUNDLE)}"\n'
    )
    env = {**os.environ, "PYTHONPATH": str(package)}
    subprocess.run(
        [sys.executable, "-c", BUILD, str(root / "digestlake.toml")], check=True, env=env,
        capture_output=True,
    )  # fmt: skip
    assert (root / "lake" / "mentions").is_dir() and not (
        root / "lake" / "mentions" / "_delta_log"
    ).exists()
    return root


def _keys(bib: str) -> set[str]:
    return set(re.findall(r"^@\w+\{([^,\s]+),", bib, flags=re.MULTILINE))


def _config(root: Path):
    source = SourceConfig("vault", "vault", path=str(need_shared(BUNDLE)))
    return config_for(root / "lake", [source], cache=root / "cache", exports=root / "exports")


def test_the_first_write_converts_every_row_and_keeps_every_key(old_lake: Path) -> None:
    legacy = Lake(old_lake / "lake", legacy_ok=True)
    before = {
        name: read_legacy(legacy, spec, legacy_files(legacy, name)) for name, spec in TABLES.items()
    }
    assert before["mentions"].height > 3000 and before["citation_keys"].height > 3000
    with pytest.raises(LakeError, match="layout of an earlier digestlake"):
        Lake(old_lake / "lake").read("mentions")  # a reader never mistakes it for an empty lake
    bib = (old_lake / "exports" / "bibtex" / "all.bib").read_text(encoding="utf-8")

    report = ingest(_config(old_lake), offline=True, now=T0)  # the first writing verb
    assert {s.status for s in report.sources} == {"unchanged"}  # the cursor came through too
    lake = Lake(old_lake / "lake")
    for name, rows in before.items():
        if name in ("sources", "runs"):
            continue  # the ingest updated its source's row (last success), and recorded itself
        assert lake.read(name).sort(list(TABLES[name].key)).equals(rows, null_equal=True), name
    assert not list((old_lake / "lake").rglob(LEGACY_FILE))
    publish(_config(old_lake), now=T0)
    issued = (old_lake / "exports" / "bibtex" / "all.bib").read_text(encoding="utf-8")
    assert _keys(issued) == _keys(bib)  # every key the previous release issued, kept


def test_a_conversion_killed_midway_is_completed_by_the_next_verb(tmp_path: Path) -> None:
    """Old files of schema 1 (one file, no bucket) and 2 (partitions), and a conversion that
    dies after its first table's commit, before removing that table's old files."""
    lake = tmp_path / "lake"
    (lake / "papers").mkdir(parents=True)
    pl.DataFrame({"paper_id": ["2401.00001", "2402.00002"], "title": ["A", "B"]}).write_parquet(
        lake / "papers" / LEGACY_FILE, metadata={"digestlake.schema_version": "1"}
    )
    for source, mention in (("v", "m2"), ("a", "m3"), ("w", "m1")):  # keys not in folder order
        part = lake / "mentions" / f"source_id={source}"
        part.mkdir(parents=True)
        pl.DataFrame({"mention_id": [mention], "title": ["A"]}).write_parquet(part / LEGACY_FILE)
    removed = Location.remove

    def killed(self, rel):
        raise KeyboardInterrupt(f"killed removing {rel}")

    Location.remove = killed
    try:
        with pytest.raises(KeyboardInterrupt):
            convert_legacy(str(lake))
    finally:
        Location.remove = removed
    assert Lake(lake).read("mentions")["source_id"].to_list() == ["a", "v", "w"]  # committed
    assert convert_legacy(str(lake)) == ["papers"]  # mentions' leftovers are not read again
    papers = Lake(lake).read("papers")
    assert papers["bucket"].to_list() == ["2401", "2402"] and papers["title"].to_list() == [
        "A",
        "B",
    ]
    assert Lake(lake).files("papers")["partition"].to_list() == ["2401", "2402"]
