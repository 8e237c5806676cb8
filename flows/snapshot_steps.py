"""Importing the Kaggle snapshot into ``papers`` and ``paper_versions`` (no Prefect here).

Two passes, each in bounded memory: the file is read in chunks of whole lines, each turned into
paper and version rows by polars and staged as one file per id bucket; then each bucket is
merged into its lake partition (a bucket new to the lake takes its staged file as it is).
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
from rich.progress import Progress

from lake.schemas import PAPER_VERSIONS, QUARANTINE
from lake.store import Lake, file_metadata
from sources.kaggle_snapshot import CHUNK_BYTES, read_snapshot, scan_snapshot
from transforms.arxiv_papers import upsert
from transforms.papers import SNAPSHOT_SOURCE
from transforms.snapshot import VERSIONS, snapshot_papers, versions_rows

STREAM_ROWS = 25_000  # rows per streamed batch: about 50 MB of snapshot text


@dataclass(slots=True)
class SnapshotReport:
    records: int = 0
    buckets: int = 0
    files_written: int = 0
    quarantined: int = 0


def import_snapshot(
    lake: Lake, path: Path, *, progress: bool = True, chunk_bytes: int = CHUNK_BYTES
) -> SnapshotReport:
    """Stream ``path`` into the lake. ``fetched_at`` is the file's own time, so importing the
    same file again rewrites nothing. Malformed lines go to quarantine with their number."""
    fetched_at = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    staging = lake.root / ".staging" / f"snapshot-{os.getpid()}"
    report = SnapshotReport()
    try:
        with Progress(disable=not progress, transient=True) as bar:
            try:
                bad = _stage_streaming(path, staging, fetched_at, report)
            except pl.exceptions.PolarsError:  # a malformed line: read again, line by line
                report.records = 0
                bad = _stage_chunked(path, staging, fetched_at, report, chunk_bytes)
            buckets = sorted(
                p.name.split("=", 1)[1] for p in (staging / "papers").iterdir() if p.is_dir()
            )
            report.buckets = len(buckets)
            task = bar.add_task("merging into the lake", total=len(buckets))
            for bucket in buckets:
                report.files_written += len(_merge_bucket(lake, staging, bucket))
                bar.advance(task)
        lake.sync("papers")
        lake.sync("paper_versions")
        report.quarantined = len(bad)
        _write_quarantine(lake, path, bad)
        return report
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _fresh(staging: Path) -> None:
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "papers").mkdir(parents=True)


def _stage_batch(staging: Path, papers: pl.DataFrame, n: int) -> None:
    _stage(staging / "papers", papers.drop(VERSIONS), n, "papers")
    _stage(staging / "versions", versions_rows(papers.lazy()).collect(), n, "paper_versions")


def _stage_streaming(
    path: Path, staging: Path, fetched_at: datetime, report: SnapshotReport
) -> list[dict]:
    """The fast path: polars' streaming engine reads, parses and transforms in batches."""
    _fresh(staging)
    lines = scan_snapshot(path)
    for n, batch in enumerate(
        snapshot_papers(lines, fetched_at).collect_batches(chunk_size=STREAM_ROWS)
    ):
        _stage_batch(staging, batch, n)
        report.records += batch.height
    return []


def _stage_chunked(
    path: Path, staging: Path, fetched_at: datetime, report: SnapshotReport, chunk_bytes: int
) -> list[dict]:
    """The careful path, for a file with malformed lines: chunks of whole lines, and a chunk
    that does not parse is read line by line so only its bad lines are left out."""
    _fresh(staging)
    bad: list[dict] = []
    for n, chunk in enumerate(read_snapshot(path, chunk_bytes)):
        papers = snapshot_papers(chunk.records.lazy(), fetched_at).collect()
        _stage_batch(staging, papers, n)
        report.records += papers.height
        bad += [_quarantine_row(path, line, reason, fetched_at) for line, reason in chunk.bad_lines]
    return bad


def _stage(folder: Path, frame: pl.DataFrame, chunk: int, table: str) -> None:
    """One file per bucket for this chunk: the input is in id order, so a bucket usually sits
    in one chunk and its file can become the lake partition as it is."""
    for (bucket,), part in frame.partition_by("bucket", as_dict=True, maintain_order=True).items():
        target = folder / f"bucket={bucket}" / f"{chunk:06d}.parquet"
        target.parent.mkdir(parents=True, exist_ok=True)
        part.drop("bucket").write_parquet(target, metadata=file_metadata(table))


def _quarantine_row(path: Path, line: int, reason: str, seen_at: datetime) -> dict:
    return {"source_id": SNAPSHOT_SOURCE, "location": f"{path.name}:{line}", "file": path.name,
            "line": line, "reason": reason, "excerpt": "", "seen_at": seen_at}  # fmt: skip


def _write_quarantine(lake: Lake, path: Path, rows: list[dict]) -> None:
    old = lake.read("quarantine")
    kept = old.filter(~((pl.col("source_id") == SNAPSHOT_SOURCE) & (pl.col("file") == path.name)))
    lake.write("quarantine", pl.concat([kept, pl.DataFrame(rows, schema=QUARANTINE.schema)]))


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
