"""``import-snapshot``: the Kaggle snapshot into ``papers`` and ``paper_versions``.

Two passes, each in bounded memory: the file is read in chunks of whole lines, each turned into
paper and version rows by polars and staged as one file per id bucket; then each bucket is
merged into its lake partition (a bucket new to the lake takes its staged file as it is), and
each table takes all its new partitions in one Delta commit. Papers fetched from the API
(``metadata_source = arxiv``) are kept: the API is at least as fresh as a weekly snapshot. A
crash before a commit leaves the table as it was (the files written are unreferenced until
``vacuum``), and importing again completes it.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
from rich.progress import Progress, TaskID

from digestlake.core.ids import API_SOURCE, SNAPSHOT_SOURCE
from digestlake.core.location import left_by_dead_writer, writer_tag
from digestlake.core.tables import PAPER_VERSIONS
from digestlake.lake.store import Lake, PartitionCommit, upsert_rows
from digestlake.pipeline.config import Config
from digestlake.pipeline.lock import hold_lake
from digestlake.pipeline.runner import LOCAL, Runner
from digestlake.sources.kaggle_snapshot import CHUNK_BYTES, read_snapshot, scan_snapshot
from digestlake.transforms.quarantine import quarantine_row, replace_quarantine
from digestlake.transforms.snapshot import (
    VERSIONS,
    reread_marked_authors,
    snapshot_papers,
    versions_rows,
)

STREAM_ROWS = 25_000  # rows per streamed batch: about 50 MB of snapshot text


@dataclass(slots=True)
class SnapshotReport:
    records: int = 0
    files_written: int = 0
    quarantined: int = 0
    bucket_names: set[str] = field(default_factory=set, repr=False)

    @property
    def buckets(self) -> int:
        return len(self.bucket_names)


def import_snapshot(
    config: Config, path: Path, *, progress: bool = False, runner: Runner = LOCAL
) -> SnapshotReport:
    """Import the Kaggle arXiv metadata snapshot at ``path`` (``digestlake import-snapshot``)."""
    with hold_lake(config, runner):
        return runner.step(
            "import-snapshot", load_snapshot, Lake(config.lake_path), path, progress=progress
        )


def load_snapshot(
    lake: Lake, path: Path, *, progress: bool = True, chunk_bytes: int = CHUNK_BYTES
) -> SnapshotReport:
    """Stream ``path`` into the lake. ``fetched_at`` is the file's own time, so importing the
    same file again rewrites nothing. Malformed lines go to quarantine with their number."""
    fetched_at = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    near = lake.location.local_path  # staged beside a local lake, so adopting is a rename
    if near is not None:
        near = near / ".staging"
        near.mkdir(parents=True, exist_ok=True)
        for left in near.glob("snapshot-*"):  # what a killed import left (SIGKILL cleans nothing)
            if left_by_dead_writer(left.name.removeprefix("snapshot-").rpartition("-")[0]):
                shutil.rmtree(left, ignore_errors=True)
    staging = Path(tempfile.mkdtemp(prefix=f"snapshot-{writer_tag()}-", dir=near))
    try:
        with Progress(disable=not progress, transient=True) as bar:
            reading = bar.add_task("reading the snapshot", total=None)
            try:
                report, bad = _stage(_streamed(path, fetched_at), staging, bar, reading)
            except pl.exceptions.PolarsError:  # a malformed line: read again, line by line
                bar.reset(reading)
                chunks = _chunked(path, fetched_at, chunk_bytes)
                report, bad = _stage(chunks, staging, bar, reading)
            merging = bar.add_task("merging into the lake", total=report.buckets)
            papers, versions = (
                PartitionCommit(lake, "papers"),
                PartitionCommit(lake, "paper_versions"),
            )
            for bucket in sorted(report.bucket_names):
                _merge_bucket(lake, staging, bucket, papers, versions)
                bar.advance(merging)
            report.files_written = len(papers.finish()) + len(versions.finish())
        _write_quarantine(lake, path, bad, fetched_at)
        return report
    finally:
        shutil.rmtree(staging, ignore_errors=True)


Batch = tuple[pl.DataFrame, list[dict]]  # paper rows with their versions, quarantine rows


def _streamed(path: Path, fetched_at: datetime) -> Iterator[Batch]:
    """The fast path: polars' streaming engine reads, parses and transforms in batches."""
    lines = scan_snapshot(path)
    for batch in snapshot_papers(lines, fetched_at).collect_batches(chunk_size=STREAM_ROWS):
        yield batch, []


def _chunked(path: Path, fetched_at: datetime, chunk_bytes: int) -> Iterator[Batch]:
    """The careful path, for a file with malformed lines: chunks of whole lines, and a chunk
    that does not parse is read line by line so only its bad lines are left out."""
    for chunk in read_snapshot(path, chunk_bytes):
        bad = [quarantine_row(path.name, n, why) for n, why in chunk.bad_lines]
        yield snapshot_papers(chunk.records.lazy(), fetched_at).collect(), bad


def _stage(
    batches: Iterator[Batch], staging: Path, bar: Progress, task: TaskID
) -> tuple[SnapshotReport, list[dict]]:
    """Staging runs in a second thread, so polars reads the next batch while this one is
    written (collect_batches otherwise waits for its consumer)."""
    shutil.rmtree(staging, ignore_errors=True)
    report, bad = SnapshotReport(), []
    papers = _BucketStager(staging / "papers", "papers")
    versions = _BucketStager(staging / "versions", "paper_versions")

    def stage(rows: pl.DataFrame) -> None:
        rows = reread_marked_authors(rows)
        papers.add(rows.drop(VERSIONS))
        versions.add(versions_rows(rows.lazy()).collect())

    with ThreadPoolExecutor(max_workers=1) as writer:
        pending: Future | None = None
        for rows, quarantined in batches:
            if pending is not None:
                pending.result()  # one batch in flight: memory stays bounded
            pending = writer.submit(stage, rows)
            report.records += rows.height
            bad += quarantined
            bar.advance(task, rows.height)
        if pending is not None:
            pending.result()
    papers.close()
    versions.close()
    report.bucket_names = papers.buckets | versions.buckets
    report.quarantined = len(bad)
    return report, bad


class _BucketStager:
    """Stages rows as one Parquet file per id bucket. The snapshot lists records in id order,
    so a bucket is complete once a later one starts: the last bucket of each chunk is held
    back for the next, and each bucket is written once, whole, ready to become its lake
    partition as it is. A bucket met again later gets a second file, merged at the end."""

    def __init__(self, folder: Path, table: str) -> None:
        self.folder, self.table = folder, table
        self.buckets: set[str] = set()
        self._held: tuple[str, pl.DataFrame] | None = None

    def add(self, frame: pl.DataFrame) -> None:
        parts = {
            bucket: part
            for (bucket,), part in frame.partition_by(
                "bucket", as_dict=True, maintain_order=True
            ).items()
        }
        if self._held is not None:
            bucket, held = self._held
            if bucket in parts:
                parts[bucket] = pl.concat([held, parts[bucket]])
            else:
                self._write(bucket, held)
        self._held = None
        if parts:
            *complete, last = parts
            for bucket in complete:
                self._write(bucket, parts[bucket])
            self._held = (last, parts[last])

    def close(self) -> None:
        if self._held is not None:
            self._write(*self._held)
            self._held = None

    def _write(self, bucket: str, frame: pl.DataFrame) -> None:
        folder = self.folder / f"bucket={bucket}"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{len(list(folder.iterdir())):06d}.parquet"
        frame.drop("bucket").write_parquet(target, compression="zstd", statistics=True)
        self.buckets.add(bucket)


def _write_quarantine(lake: Lake, path: Path, rows: list[dict], seen_at: datetime) -> None:
    merged = replace_quarantine(
        lake.read("quarantine"), SNAPSHOT_SOURCE, [path.name], rows, seen_at
    )
    lake.write("quarantine", merged)


def _staged(folder: Path, bucket: str) -> list[Path]:
    return sorted((folder / f"bucket={bucket}").glob("*.parquet"))


def _adopt(commit: PartitionCommit, bucket: str, files: list[Path]) -> None:
    """A bucket the table does not have yet: a single staged file becomes the partition as it
    is (several, from a bucket met again later in the file, are merged first)."""
    if len(files) == 1:
        commit.adopt(bucket, files[0])
    elif files:
        commit.replace(bucket, pl.read_parquet(files).unique(list(commit.spec.key), keep="last"))


def _merge_bucket(
    lake: Lake, staging: Path, bucket: str, papers: PartitionCommit, versions: PartitionCommit
) -> None:
    papers_files, version_files = (
        _staged(staging / "papers", bucket),
        _staged(staging / "versions", bucket),
    )
    if not lake.has_partition("papers", bucket) and not lake.has_partition(
        "paper_versions", bucket
    ):
        _adopt(papers, bucket, papers_files)
        _adopt(versions, bucket, version_files)
        return
    new = (
        pl.read_parquet(papers_files)
        .with_columns(bucket=pl.lit(bucket))
        .unique("paper_id", keep="last")
    )
    stored = lake.read_partition("papers", bucket)
    # The API is at least as fresh as a weekly snapshot: what it described stays.
    fresher = stored.filter(pl.col("metadata_source") == API_SOURCE)["paper_id"].implode()
    incoming = new.filter(~pl.col("paper_id").is_in(fresher))
    papers.replace(bucket, upsert_rows(stored, incoming, ["paper_id"]))
    staged_versions = (
        pl.read_parquet(version_files).with_columns(bucket=pl.lit(bucket))
        if version_files
        else PAPER_VERSIONS.empty()
    )
    staged_versions = staged_versions.filter(
        pl.col("arxiv_id").is_in(incoming["paper_id"].implode())
    ).unique(["arxiv_id", "version"], keep="last")
    key = ["arxiv_id", "version"]
    merged = upsert_rows(lake.read_partition("paper_versions", bucket), staged_versions, key)
    versions.replace(bucket, merged)
