"""The Parquet lake: one folder per table, atomic file replacement, no needless writes.

Each table is ``<root>/<table>/`` holding ``part-0.parquet``, or one ``<col>=<value>/``
folder per partition (Hive layout, readable by polars, DuckDB and Spark). The root is a local
folder or an object-store URL (``lake/location.py``); either way a reader or a crash sees the
old file or the new one, never half of one. A file whose content would not change is not
written at all.
"""

from __future__ import annotations

import errno
import io
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, unquote

import polars as pl
import pyarrow.parquet as pq

from digestlake.core.location import Location
from digestlake.core.tables import SCHEMA_VERSION, TABLES, TableSpec
from digestlake.lake.frame_cache import FRAMES

_VERSION_KEY = "digestlake.schema_version"
_TABLE_KEY = "digestlake.table"
_WRITE_KEY = "digestlake.write_id"  # new for every file written: its content's identity
_PART = "part-0.parquet"


def file_metadata(table: str) -> dict[str, str]:
    """The key-value metadata every file of ``table`` carries (for writers outside Lake)."""
    return {_VERSION_KEY: str(SCHEMA_VERSION), _TABLE_KEY: table, _WRITE_KEY: secrets.token_hex(8)}


class LakeError(RuntimeError):
    """The lake cannot be read or written: unreadable files or folders, a full disk, a
    read-only one, a file where the lake should be, or a schema newer than this version of
    digestlake understands."""


# What an operator has to fix, by the errno a write failed with.
_WRITE_FAILURES = {
    errno.ENOSPC: "disk full",
    errno.EDQUOT: "disk quota exceeded",
    errno.EROFS: "read-only",
    errno.EACCES: "read-only (permission denied)",
    errno.EPERM: "read-only (operation not permitted)",
}


def _in_the_way(path: str | None, root: str) -> str:
    """The file that stands where a folder of the lake should be (EEXIST, ENOTDIR)."""
    here = Path(path or root)
    while not here.exists() and here != here.parent:
        here = here.parent
    return f"{here} is a file, not a folder"


@contextmanager
def writing(root: str) -> Iterator[None]:
    """An OSError writing the lake at ``root`` as a LakeError saying what to fix."""
    try:
        yield
    except OSError as exc:
        if exc.errno in (errno.EEXIST, errno.ENOTDIR):
            reason = _in_the_way(exc.filename, root)
        else:
            reason = _WRITE_FAILURES.get(exc.errno) or exc.strerror or str(exc)
        raise LakeError(f"cannot write the lake at {root}: {reason}") from exc


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


def upsert_rows(existing: pl.DataFrame, new: pl.DataFrame, key: list[str]) -> pl.DataFrame:
    """Rows of ``new`` replace rows of ``existing`` with the same key (the last one wins)."""
    new = new.unique(key, keep="last", maintain_order=True)
    kept = existing.join(new.select(key), on=key, how="anti")
    return pl.concat([kept, new.select(existing.columns)], how="vertical")


class Lake:
    """Read and write whole tables; every write is per-file atomic and skips unchanged files.
    Paths returned are relative to the lake's root, which may be a URL (``lake.location``)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.location = Location(root)
        self._layout_checked: set[str] = set()

    def _partitioned_layout(self, spec: TableSpec) -> None:
        """Before touching single partitions: a table still in a layout without partitions
        (schema version 1) is rewritten whole, once, so no row is left behind in the old file."""
        if spec.name in self._layout_checked:
            return
        if self.location.exists(f"{spec.name}/{_PART}"):
            self.write(spec.name, self.read(spec.name))
        self._layout_checked.add(spec.name)

    @property
    def root(self) -> str:
        return self.location.url

    @contextmanager
    def _reading(self, rel: str) -> Iterator[None]:
        """An OSError reading ``rel`` (or a folder below it) as a LakeError naming the path."""
        try:
            yield
        except OSError as exc:
            where = exc.filename or self.location.path(rel)
            raise LakeError(f"the lake cannot be read: {where}: {exc.strerror or exc}") from exc

    def files(self, table: str) -> list[str]:
        """The table's Parquet files. A lake that cannot be listed raises LakeError: read as
        empty, it would answer queries with nothing and count 0 rows."""
        with self._reading(table):
            found = self.location.find(table, ".parquet")
        if not found:
            self._check_listable(table)
        return found

    def _check_listable(self, table: str) -> None:
        """No files: either none yet, or a root or table folder that is not a readable folder
        (which a listing does not tell apart from an empty one)."""
        fs = self.location.fs
        for rel in ("", table):
            where = self.location.path(rel)
            with self._reading(rel):
                try:
                    kind = fs.info(where)["type"]
                except FileNotFoundError:
                    return  # no lake or no table yet: truly empty
                if kind != "directory":
                    raise LakeError(f"the lake cannot be read: {where} is a file, not a folder")
                fs.ls(where, detail=True)  # raises when it cannot be listed

    def _source(self, rel: str) -> str | io.BytesIO:
        """What polars reads: the path of a local file, the bytes of a remote one (one GET)."""
        if self.location.local:
            return self.location.path(rel)
        return io.BytesIO(self.location.read_bytes(rel))

    @staticmethod
    def _metadata(source: str | io.BytesIO) -> tuple[int, str | None]:
        """The file's schema version and write id, from its footer alone."""
        meta = pl.read_parquet_metadata(source)
        if isinstance(source, io.BytesIO):
            source.seek(0)
        return int(meta.get(_VERSION_KEY, "1")), meta.get(_WRITE_KEY)

    def _key(self, rel: str, write_id: str | None, view: str) -> tuple[str, ...] | None:
        """A cache key: the file, its write id, and how it was read (``stored``: as written;
        else the columns asked for, conformed). Files without a write id are not cached."""
        return (self.location.path(rel), write_id, view) if write_id else None

    def _stored(self, rel: str, source: str | io.BytesIO, write_id: str | None) -> pl.DataFrame:
        """The file's content as written, decoded once per write id."""
        key = self._key(rel, write_id, "stored")
        frame = FRAMES.get(key) if key else None
        if frame is None:
            frame = pl.read_parquet(source, glob=False)
            if key:
                FRAMES.put(key, frame)
        return frame

    def _read_file(
        self, rel: str, spec: TableSpec, columns: list[str] | None = None
    ) -> pl.DataFrame:
        # glob=False throughout: a lake path may hold ``[ ]``, ``*`` or ``?``.
        with self._reading(rel):
            source = self._source(rel)
            version, write_id = self._metadata(source)
            if version > SCHEMA_VERSION:
                raise LakeError(
                    f"{self.location.path(rel)} has schema version {version}; this digestlake "
                    f"reads up to {SCHEMA_VERSION}. Upgrade digestlake."
                )
            key = self._key(rel, write_id, ",".join(columns) if columns else "*")
            if key and (hit := FRAMES.get(key)) is not None:
                return hit
            stored_key = self._key(rel, write_id, "stored")
            if columns is None or (stored_key and FRAMES.get(stored_key) is not None):
                df = self._stored(rel, source, write_id)
            else:  # Parquet reads only these columns (the key too: derived columns come from it)
                names = pl.scan_parquet(source, glob=False).collect_schema()
                if isinstance(source, io.BytesIO):
                    source.seek(0)
                wanted = [c for c in names if c in {*columns, *spec.key}]
                df = pl.read_parquet(source, columns=wanted, glob=False)
        if spec.partition_by:
            folder = rel.rsplit("/", 2)[-2] if rel.count("/") >= 2 else ""
            col, sep, value = folder.partition("=")
            if sep and col == spec.partition_by:
                df = df.with_columns(pl.lit(unquote(value)).alias(col))
        df = conform(df, spec)
        df = df if columns is None else df.select(columns)
        if key:
            FRAMES.put(key, df)
        return df

    def read(
        self, table: str, columns: list[str] | None = None, partitions: set[str] | None = None
    ) -> pl.DataFrame:
        """The table in the current schema (empty, typed, when it does not exist yet); only
        ``columns`` and only ``partitions`` when given, which is all a large table should be
        read for (the papers of a 2.8 M-record snapshot)."""
        spec = TABLES[table]
        if partitions is None:
            files = self.files(table)
        else:  # named files: no listing of the table (a LIST request on an object store)
            self._partitioned_layout(spec)
            files = [self._target(spec, value) for value in sorted(partitions)]
            files = [f for f in files if self.location.exists(f)]
        frames = [self._read_file(p, spec, columns) for p in files]
        if frames:
            return pl.concat(frames, how="vertical")
        empty = spec.empty()
        return empty if columns is None else empty.select(columns)

    def upsert(self, table: str, rows: pl.DataFrame) -> list[str]:
        """Rows replace those with the same key; only the partitions they fall in are read
        and written."""
        spec = TABLES[table]
        rows = conform(rows, spec)
        if spec.partition_by is None:
            return self.write(table, upsert_rows(self.read(table), rows, list(spec.key)))
        written = []
        for (value,), part in rows.partition_by(spec.partition_by, as_dict=True).items():
            merged = upsert_rows(self.read_partition(table, value), part, list(spec.key))
            written += self.write_partition(table, value, merged)
        return written

    def _target(self, spec: TableSpec, value: str | None) -> str:
        if spec.partition_by is None:
            return f"{spec.name}/{_PART}"
        return f"{spec.name}/{spec.partition_by}={quote(str(value), safe='')}/{_PART}"

    def _unchanged(self, rel: str, frame: pl.DataFrame) -> bool:
        if not self.location.exists(rel):
            return False
        source = self._source(rel)
        version, write_id = self._metadata(source)
        if version != SCHEMA_VERSION:
            return False
        old = self._stored(rel, source, write_id)
        return old.schema == frame.schema and old.equals(frame, null_equal=True)

    def _replace(self, rel: str, frame: pl.DataFrame, table: str) -> None:
        metadata = file_metadata(table)
        # Encoded in memory, then written by Python: a full or read-only disk then raises an
        # OSError with its errno, which polars' own writer reduces to "transport error".
        data = io.BytesIO()
        frame.write_parquet(data, compression="zstd", statistics=True, metadata=metadata)
        with writing(self.root):
            self.location.write_bytes(rel, data.getvalue())
        FRAMES.put(self._key(rel, metadata[_WRITE_KEY], "stored"), frame)

    @staticmethod
    def _parts(spec: TableSpec, df: pl.DataFrame) -> dict[str | None, pl.DataFrame]:
        """``df`` in the table's schema, sorted by key, split into its partitions' files
        (``None``: the table has none); a key twice is an error."""
        df = conform(df, spec).sort(list(spec.key))
        dupes = df.filter(pl.struct(list(spec.key)).is_duplicated())
        if dupes.height:
            raise ValueError(f"{spec.name}: {dupes.height} rows share a key {spec.key}")
        if spec.partition_by is None:
            return {None: df}
        col = spec.partition_by
        return {
            key[0]: frame.drop(col)
            for key, frame in df.partition_by(col, as_dict=True, maintain_order=True).items()
        }

    def _write_parts(
        self, spec: TableSpec, parts: dict[str | None, pl.DataFrame], values: list[str | None]
    ) -> list[str]:
        """Each partition in ``values`` made to hold its part, or removed when it has none;
        a file whose content would not change is left alone."""
        written = []
        for value in values:
            rel = self._target(spec, value)
            if value not in parts:
                if self.location.exists(rel):
                    self._remove(rel)
                    written.append(rel)
            elif not self._unchanged(rel, parts[value]):
                self._replace(rel, parts[value], spec.name)
                written.append(rel)
        return written

    def write(self, table: str, df: pl.DataFrame) -> list[str]:
        """Make ``df`` the table's content. Returns the files actually (re)written or removed."""
        spec = TABLES[table]
        parts = self._parts(spec, df)
        changed = self._write_parts(spec, parts, list(parts))
        targets = {self._target(spec, value) for value in parts}
        for stale in self.files(table):
            if stale not in targets:
                self._remove(stale)
                changed.append(stale)
        return changed

    def _remove(self, rel: str) -> None:
        with writing(self.root):
            self.location.remove(rel)

    def read_partition(self, table: str, value: str) -> pl.DataFrame:
        """One partition of a partitioned table (empty when it does not exist)."""
        spec = TABLES[table]
        self._partitioned_layout(spec)
        rel = self._target(spec, value)
        return self._read_file(rel, spec) if self.location.exists(rel) else spec.empty()

    def write_partition(self, table: str, value: str, df: pl.DataFrame) -> list[str]:
        """Make ``df`` the content of one partition, leaving the others alone."""
        return self.write_partitions(table, df, {value})

    def write_partitions(self, table: str, df: pl.DataFrame, values: set[str]) -> list[str]:
        """Make each partition in ``values`` hold exactly ``df``'s rows for it (one left with
        none is removed), leaving the others alone."""
        spec = TABLES[table]
        self._partitioned_layout(spec)
        parts = self._parts(spec, df)
        outside = set(parts) - values
        if outside:
            raise ValueError(f"{table}: rows outside partitions {sorted(values)}: {outside}")
        return self._write_parts(spec, parts, sorted(values))

    def has_partition(self, table: str, value: str) -> bool:
        self._partitioned_layout(TABLES[table])
        return self.location.exists(self._target(TABLES[table], value))

    def adopt_file(self, table: str, value: str, staged: Path) -> str:
        """Move a Parquet file written elsewhere (staged on the local disk, in this table's
        layout without the partition column) into place as a new partition."""
        spec = TABLES[table]
        columns = [c for c in spec.columns if c != spec.partition_by]
        names = pl.scan_parquet(staged, glob=False).collect_schema().names()
        if names != columns:
            raise LakeError(f"{staged}: columns {names} are not {table}'s")
        rel = self._target(spec, value)
        if self.location.exists(rel):
            raise LakeError(f"{self.location.path(rel)} exists: merge into it instead")
        with writing(self.root):
            self.location.put(rel, staged)  # a bulk import syncs once at its end, not per file
        return rel

    def sync(self, table: str) -> None:
        """Flush the table's folders to disk (after many ``adopt_file`` calls)."""
        with writing(self.root):
            self.location.sync(table)

    def row_counts(self) -> dict[str, int]:
        counts = {}
        for name in TABLES:
            total = 0
            for rel in self.files(name):
                with self._reading(rel):
                    total += pq.ParquetFile(self._source(rel)).metadata.num_rows
            counts[name] = total
        return counts
