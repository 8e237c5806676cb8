"""Importing the Kaggle snapshot into ``papers`` and ``paper_versions`` (no Prefect here).

Two passes, each in bounded memory: polars streams the file through the transformation into
staging files, one folder per id bucket; then each bucket is merged into its lake partition.
Papers fetched from the API (``metadata_source = arxiv``) are kept: the API is at least as
fresh as a weekly snapshot. A crash leaves the lake readable (partitions are replaced one at a
time, atomically) and importing again completes it.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
from rich.progress import Progress

from lake.schemas import PAPER_VERSIONS
from lake.store import Lake, file_metadata
from sources.kaggle_snapshot import scan_snapshot
from transforms.arxiv_papers import upsert
from transforms.snapshot import VERSIONS, snapshot_papers, versions_rows


@dataclass(slots=True)
class SnapshotReport:
    records: int = 0
    buckets: int = 0
    files_written: int = 0


def import_snapshot(lake: Lake, path: Path, *, progress: bool = True) -> SnapshotReport:
    """Stream ``path`` into the lake. ``fetched_at`` is the file's own time, so importing the
    same file again rewrites nothing."""
    fetched_at = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    staging = lake.root / ".staging" / f"snapshot-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        papers = snapshot_papers(scan_snapshot(path), fetched_at)
        sinks = [
            papers.drop(VERSIONS).sink_parquet(
                _partitioned(staging / "papers"), metadata=file_metadata("papers"), lazy=True
            ),
            versions_rows(papers).sink_parquet(
                _partitioned(staging / "versions"),
                metadata=file_metadata("paper_versions"),
                lazy=True,
            ),
        ]
        pl.collect_all(sinks)  # one pass over the file feeds both tables
        buckets = sorted(
            p.name.split("=", 1)[1] for p in (staging / "papers").iterdir() if p.is_dir()
        )
        report = SnapshotReport(buckets=len(buckets))
        with Progress(disable=not progress, transient=True) as bar:
            task = bar.add_task("merging into the lake", total=len(buckets))
            for bucket in buckets:
                report.records += sum(
                    pq.read_metadata(f).num_rows for f in _staged(staging / "papers", bucket)
                )
                report.files_written += len(_merge_bucket(lake, staging, bucket))
                bar.advance(task)
        lake.sync("papers")
        lake.sync("paper_versions")
        return report
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _partitioned(folder: Path) -> pl.PartitionBy:
    return pl.PartitionBy(folder, key="bucket", include_key=False)


def _staged(folder: Path, bucket: str) -> list[Path]:
    return sorted((folder / f"bucket={bucket}").glob("*.parquet"))


def _adopt(lake: Lake, table: str, bucket: str, files: list[Path]) -> list[Path]:
    """A bucket the lake does not have yet: a single staged file becomes the partition as it is."""
    if not files:
        return []
    if len(files) == 1:
        return [lake.adopt_file(table, bucket, files[0])]
    return lake.write_partition(
        table, bucket, pl.read_parquet(files).with_columns(bucket=pl.lit(bucket))
    )


def _merge_bucket(lake: Lake, staging: Path, bucket: str) -> list[Path]:
    papers_files, version_files = (
        _staged(staging / "papers", bucket),
        _staged(staging / "versions", bucket),
    )
    if not lake.has_partition("papers", bucket) and not lake.has_partition(
        "paper_versions", bucket
    ):
        return _adopt(lake, "papers", bucket, papers_files) + _adopt(
            lake, "paper_versions", bucket, version_files
        )
    new = (
        pl.read_parquet(papers_files)
        .with_columns(bucket=pl.lit(bucket))
        .unique("paper_id", keep="last")
    )
    papers = lake.read_partition("papers", bucket)
    fresher = papers.filter(pl.col("metadata_source") == "arxiv")["paper_id"].implode()
    incoming = new.filter(~pl.col("paper_id").is_in(fresher))
    written = lake.write_partition("papers", bucket, upsert(papers, incoming, ["paper_id"]))
    versions = (
        pl.read_parquet(version_files).with_columns(bucket=pl.lit(bucket))
        if version_files
        else PAPER_VERSIONS.empty()
    )
    versions = versions.filter(pl.col("arxiv_id").is_in(incoming["paper_id"].implode())).unique(
        ["arxiv_id", "version"], keep="last"
    )
    merged = upsert(
        lake.read_partition("paper_versions", bucket), versions, ["arxiv_id", "version"]
    )
    return written + lake.write_partition("paper_versions", bucket, merged)
