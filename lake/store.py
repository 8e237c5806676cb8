"""The Parquet lake on disk: one folder per table, atomic file replacement, no needless writes.

Each table is ``<root>/<table>/`` holding ``part-0.parquet``, or one ``<col>=<value>/``
folder per partition (Hive layout, readable by polars, DuckDB and Spark). A file is replaced
with write-to-temp + fsync + rename, so a reader or a crash sees the old file or the new one,
never half of one. A file whose content would not change is not written at all.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote, unquote

import polars as pl

from lake.schemas import SCHEMA_VERSION, TABLES, TableSpec

_VERSION_KEY = "digestlake.schema_version"
_TABLE_KEY = "digestlake.table"
_PART = "part-0.parquet"


def file_metadata(table: str) -> dict[str, str]:
    """The key-value metadata every file of ``table`` carries (for writers outside Lake)."""
    return {_VERSION_KEY: str(SCHEMA_VERSION), _TABLE_KEY: table}


class LakeError(RuntimeError):
    """The lake cannot be read as this version of digestlake understands it."""


def conform(df: pl.DataFrame, spec: TableSpec) -> pl.DataFrame:
    """Columns of the declared schema, in order and type; missing ones null (migration),
    derived ones (the partition bucket) computed from their source column."""
    derived = spec.derived or {}
    exprs = [
        (derived[name] if name in derived else pl.col(name) if name in df.columns else pl.lit(None))
        .cast(dtype)
        .alias(name)
        for name, dtype in spec.columns.items()
    ]
    return df.select(exprs)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Lake:
    """Read and write whole tables; every write is per-file atomic and skips unchanged files."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def table_dir(self, table: str) -> Path:
        return self.root / table

    def files(self, table: str) -> list[Path]:
        base = self.table_dir(table)
        if not base.is_dir():
            return []
        return sorted(
            p for p in base.rglob("*.parquet") if not any(s.startswith(".") for s in p.parts)
        )

    def _read_file(self, path: Path, spec: TableSpec) -> pl.DataFrame:
        meta = pl.read_parquet_metadata(path)
        version = int(meta.get(_VERSION_KEY, "1"))
        if version > SCHEMA_VERSION:
            raise LakeError(
                f"{path} has schema version {version}; this digestlake reads up to "
                f"{SCHEMA_VERSION}. Upgrade digestlake."
            )
        df = pl.read_parquet(path)
        if spec.partition_by:
            folder = path.parent.name
            col, sep, value = folder.partition("=")
            if sep and col == spec.partition_by:
                df = df.with_columns(pl.lit(unquote(value)).alias(col))
        return conform(df, spec)

    def read(self, table: str) -> pl.DataFrame:
        """The whole table in the current schema (empty, typed, when it does not exist yet)."""
        spec = TABLES[table]
        frames = [self._read_file(p, spec) for p in self.files(table)]
        return pl.concat(frames, how="vertical") if frames else spec.empty()

    def _target(self, spec: TableSpec, value: str | None) -> Path:
        base = self.table_dir(spec.name)
        if spec.partition_by is None:
            return base / _PART
        return base / f"{spec.partition_by}={quote(str(value), safe='')}" / _PART

    def _unchanged(self, path: Path, frame: pl.DataFrame, spec: TableSpec) -> bool:
        if not path.exists():
            return False
        meta = pl.read_parquet_metadata(path)
        if int(meta.get(_VERSION_KEY, "0")) != SCHEMA_VERSION:
            return False
        old = pl.read_parquet(path)
        return old.schema == frame.schema and old.equals(frame, null_equal=True)

    def _replace(self, path: Path, frame: pl.DataFrame, table: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        frame.write_parquet(
            tmp,
            compression="zstd",
            statistics=True,
            metadata=file_metadata(table),
        )
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        _fsync_dir(path.parent)

    def write(self, table: str, df: pl.DataFrame) -> list[Path]:
        """Make ``df`` the table's content. Returns the files actually (re)written or removed."""
        spec = TABLES[table]
        df = conform(df, spec).sort(list(spec.key))
        dupes = df.filter(pl.struct(list(spec.key)).is_duplicated())
        if dupes.height:
            raise ValueError(f"{table}: {dupes.height} rows share a key {spec.key}")
        parts: dict[str | None, pl.DataFrame]
        if spec.partition_by:
            col = spec.partition_by
            parts = {
                key[0]: frame.drop(col)
                for key, frame in df.partition_by(col, as_dict=True, maintain_order=True).items()
            }
        else:
            parts = {None: df}
        changed: list[Path] = []
        targets = set()
        for value, frame in parts.items():
            path = self._target(spec, value)
            targets.add(path)
            if not self._unchanged(path, frame, spec):
                self._replace(path, frame, table)
                changed.append(path)
        for stale in self.files(table):
            if stale not in targets:
                stale.unlink()
                changed.append(stale)
        return changed

    def read_partition(self, table: str, value: str) -> pl.DataFrame:
        """One partition of a partitioned table (empty when it does not exist)."""
        spec = TABLES[table]
        path = self._target(spec, value)
        return self._read_file(path, spec) if path.exists() else spec.empty()

    def write_partition(self, table: str, value: str, df: pl.DataFrame) -> list[Path]:
        """Make ``df`` the content of one partition, leaving the others alone."""
        spec = TABLES[table]
        df = conform(df, spec).sort(list(spec.key))
        if df.filter(pl.col(spec.partition_by) != value).height:
            raise ValueError(f"{table}: rows outside partition {value!r}")
        if df.filter(pl.struct(list(spec.key)).is_duplicated()).height:
            raise ValueError(f"{table}: rows share a key {spec.key}")
        path = self._target(spec, value)
        frame = df.drop(spec.partition_by)
        if self._unchanged(path, frame, spec):
            return []
        self._replace(path, frame, table)
        return [path]

    def has_partition(self, table: str, value: str) -> bool:
        return self._target(TABLES[table], value).exists()

    def adopt_file(self, table: str, value: str, staged: Path) -> Path:
        """Move a Parquet file written elsewhere (by a streaming sink, in this table's layout
        without the partition column) into place as a new partition, stamped like our own."""
        spec = TABLES[table]
        columns = [c for c in spec.columns if c != spec.partition_by]
        frame = pl.scan_parquet(staged)
        if frame.collect_schema().names() != columns:
            raise LakeError(f"{staged}: columns {frame.collect_schema().names()} are not {table}'s")
        path = self._target(spec, value)
        if path.exists():
            raise LakeError(f"{path} exists: merge into it instead")
        path.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged, path)  # atomic; a bulk import syncs once at its end, not per file
        return path

    def sync(self, table: str) -> None:
        """Flush the table's folders to disk (after many ``adopt_file`` calls)."""
        for folder in {p.parent for p in self.files(table)} | {self.table_dir(table)}:
            if folder.is_dir():
                _fsync_dir(folder)

    def row_counts(self) -> dict[str, int]:
        return {
            name: sum(
                pl.scan_parquet(p).select(pl.len()).collect().item() for p in self.files(name)
            )
            for name in TABLES
        }
