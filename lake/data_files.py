"""Decoding a table's data files into frames of its schema.

Files this process decoded before come from ``FRAMES``; the others of a local table are read
in one polars scan (one per partition value, unless the partition column is computed from the
rows, as the papers' bucket is), then sliced back into one frame per file (by the row counts
the log records) for the cache. One scan rather than a read per file: the papers of a
2 M-paper snapshot are 229 files, and reading them one by one costs about four times the scan
(conforming each file to the schema is most of it). A file that does not match the schema
(written before a column changed type) or a remote one is read on its own.
"""

from __future__ import annotations

import io
import os

import polars as pl

from digestlake.core.location import Location
from digestlake.core.tables import TableSpec
from digestlake.lake.delta import Tables
from digestlake.lake.frame_cache import FRAMES
from digestlake.lake.rows import conform

_FILE = "_digestlake_file"  # the column naming each row's file in a filtered scan


def _view(spec: TableSpec, columns: list[str]) -> str:
    """How a frame of ``columns`` is cached: ``*`` for every column of the schema."""
    return "*" if columns == list(spec.columns) else ",".join(columns)


class DataFiles:
    """The data files of one lake, read in a table's schema."""

    def __init__(self, location: Location, tables: Tables) -> None:
        self.location, self.tables = location, tables

    def path(self, spec: TableSpec, rel: str) -> str:
        return self.location.path(f"{spec.name}/{rel}")

    def read(
        self,
        spec: TableSpec,
        files: pl.DataFrame,
        columns: list[str] | None,
        where: pl.Expr | None = None,
    ) -> pl.DataFrame:
        """The rows of ``files`` (path, partition, num_records), in their order, as ``columns``
        of the schema (all when None); only those ``where`` holds for, when given."""
        wanted = columns or list(spec.columns)
        frames: list[pl.DataFrame | None] = []
        missing: list[int] = []
        for i, (rel, value) in enumerate(zip(files["path"], files["partition"], strict=True)):
            frames.append(self._cached(spec, self.path(spec, rel), value, wanted))
            if frames[-1] is None:
                missing.append(i)
        if missing:  # filtered in the scan (few rows decoded whole); the cached ones below
            decoded = self._decode(spec, files[missing], wanted, where)
            for i, frame in zip(missing, decoded, strict=True):
                frames[i] = frame
        found = [f for f in frames if f is not None]
        if found:
            whole = pl.concat(found, how="vertical")
            return whole if where is None else whole.filter(where)
        return spec.empty().select(wanted)

    def _decode(
        self, spec: TableSpec, files: pl.DataFrame, columns: list[str], where: pl.Expr | None
    ) -> list[pl.DataFrame]:
        rels, values = files["path"].to_list(), files["partition"].to_list()
        counts = files["num_records"].to_list()
        scannable = self.location.local and None not in counts and len(rels) > 1
        if scannable:
            try:
                return self._scan(spec, rels, values, counts, columns, where)
            except pl.exceptions.PolarsError:
                pass  # a file of another schema, or a broken one: each on its own, which
                # conforms the first and names the second
        # Whole frames: ``read`` applies ``where`` to everything it gathers.
        return [self._one(spec, r, v, columns) for r, v in zip(rels, values, strict=True)]

    def _scan(
        self,
        spec: TableSpec,
        rels: list[str],
        values: list[str | None],
        counts: list[int],
        columns: list[str],
        where: pl.Expr | None,
    ) -> list[pl.DataFrame]:
        """One scan of files of the current schema. Unfiltered, each file's frame is a slice
        of the whole (by the log's row counts) and is cached; filtered, the few rows kept
        name their file."""
        stored = {c: t for c, t in spec.columns.items() if c != spec.partition_by}
        paths = [self.path(spec, r) for r in rels]
        with self.tables.reading(spec.name):
            for p in paths:
                os.close(os.open(p, os.O_RDONLY))  # an OSError naming the file, in full
        # The partition column is in the log, not the files: one scan per value, unless it
        # is derived from a stored column (the papers' bucket) and computed anyway. Files
        # come sorted by partition, so the groups keep their order.
        derived = spec.partition_by in (spec.derived or {})
        groups: dict[str | None, list[str]] = {}
        for p, v in zip(paths, values, strict=True):
            groups.setdefault(None if derived else v, []).append(p)
        scans = []
        for value, group in groups.items():
            scan = pl.scan_parquet(
                group, schema=stored, missing_columns="insert", extra_columns="ignore",
                glob=False, hive_partitioning=False,
                include_file_paths=None if where is None else _FILE,
            )  # fmt: skip
            if spec.partition_by and not derived:
                scan = scan.with_columns(pl.lit(value, pl.String).alias(spec.partition_by))
            named = () if where is None else (_FILE,)
            scan = conform(scan, spec, keep=named).select(*columns, *named)
            scans.append(scan if where is None else scan.filter(where))
        whole = pl.concat(scans, how="vertical").collect()
        if where is not None:
            kept = whole.partition_by(_FILE, as_dict=True, include_key=False)
            empty = spec.empty().select(columns)
            return [kept.get((p,), empty) for p in paths]
        if whole.height != sum(counts):
            raise pl.exceptions.ComputeError("row counts differ from the log's")
        frames, offset, view = [], 0, _view(spec, columns)
        for p, n in zip(paths, counts, strict=True):
            frames.append(whole.slice(offset, n))
            offset += n
            FRAMES.put((p, view), frames[-1])
        return frames

    def _cached(
        self, spec: TableSpec, full: str, value: str | None, columns: list[str]
    ) -> pl.DataFrame | None:
        """The file's frame if this process decoded or wrote it (a file written holds its
        rows as stored: no partition column)."""
        view = _view(spec, columns)
        if (hit := FRAMES.get((full, view))) is not None:
            return hit
        if (stored := FRAMES.get((full, "stored"))) is None:
            return None
        df = self._conformed(spec, stored, value, columns)
        FRAMES.put((full, view), df)
        return df

    @staticmethod
    def _conformed(
        spec: TableSpec, stored: pl.DataFrame, value: str | None, columns: list[str]
    ) -> pl.DataFrame:
        if spec.partition_by:
            stored = stored.with_columns(pl.lit(value, pl.String).alias(spec.partition_by))
        return conform(stored, spec).select(columns)

    def _one(
        self, spec: TableSpec, rel: str, value: str | None, columns: list[str]
    ) -> pl.DataFrame:
        """One data file in the table's schema, decoded once per process (files are never
        rewritten in place: a new content is a new file)."""
        full = self.path(spec, rel)
        if (hit := self._cached(spec, full, value, columns)) is not None:
            return hit
        view = _view(spec, columns)
        with self.tables.reading(spec.name):
            if self.location.local:
                os.close(os.open(full, os.O_RDONLY))  # an OSError naming the file, in full
            source = full if self.location.local else io.BytesIO(self.location.fs.cat(full))
            wanted = None
            if view != "*":
                names = pl.read_parquet_schema(source).keys()
                if isinstance(source, io.BytesIO):
                    source.seek(0)
                wanted = [c for c in names if c in {*columns, *spec.key}]
            stored = pl.read_parquet(source, columns=wanted, glob=False)
            if view == "*":
                FRAMES.put((full, "stored"), stored)
        df = self._conformed(spec, stored, value, columns)
        FRAMES.put((full, view), df)
        return df
