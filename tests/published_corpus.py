"""The real vault bundle and the 530 corpus digest days ingested and published once per test
run, for the modules that check the published files (test_feeds.py, test_dataset.py): the
ingest and publish are most of their time, and neither changes the lake or the exports. Under
xdist the first worker to ask builds it; another asking meanwhile waits for it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import config_for, ingest_into, run_folder, shared_state

from digestlake.lake.store import Lake
from digestlake.pipeline.config import SourceConfig
from digestlake.pipeline.publish import write_exports

T0 = datetime(2026, 1, 1, tzinfo=UTC)
RUN_ID = "20260101T000000Z-test"
LAKE_VERSIONS = {"mentions": 7, "papers": 3}  # what a run hands the publish stage


def published_corpus(
    bundle: Path, corpus: Path, factory: pytest.TempPathFactory
) -> tuple[Lake, Path]:
    """(lake, exports folder), built on the first call in this run and reused after."""
    with shared_state(run_folder(factory) / "published-corpus") as root:
        return _build(bundle, corpus, root)


def _build(bundle: Path, corpus: Path, root: Path) -> tuple[Lake, Path]:
    lake, exports = Lake(root / "lake"), root / "exports"
    if not (root / "done").exists():
        sources = [
            SourceConfig("arxiv-today", "vault", path=str(bundle)),
            SourceConfig("digests", "digest", path=str(corpus / "digests")),
        ]
        ingest_into(lake, sources, T0, root / "cache")
        config = config_for(lake, exports=exports)
        write_exports(lake, exports, config.exports, T0, run_id=RUN_ID, lake_versions=LAKE_VERSIONS)
        (root / "done").touch()
    return lake, exports
