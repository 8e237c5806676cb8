"""The lake: one Delta table per table spec, read and written whole or by partition.

Each table is ``<root>/<table>/``, a Delta table partitioned as its spec says (``papers`` by id
bucket, ``mentions`` by source); the root is a local folder or an object-store URL. A write
makes the given partitions hold exactly the given rows, in **one** commit per call, and only
for the partitions whose rows differ: a write that changes nothing commits nothing and writes
no file.

Why the data files are written here (polars, zstd, one file per partition, sorted by key) and
only the log by delta-rs (``create_write_transaction`` with add and remove actions), rather
than by ``write_deltalake(mode="overwrite", predicate=...)``: the partitions are compared
with what is stored before anything is written (delta-rs commits even identical rows); a
partition's new file is known by name, so this process keeps its decoded frame and the next
read of it costs no decode; and a bulk import can stream one file per bucket and commit them
all at once (``write_deltalake`` buffers every partition of a stream: 5.5 GiB for 2 M papers,
against 0.3 GiB here; docs/delta-lake-research.md).
"""

from __future__ import annotations

import io
import os
import secrets
import time
from collections.abc import Collection, Iterable
from pathlib import Path
from urllib.parse import quote

import polars as pl
from deltalake import DeltaTable
from deltalake.transaction import AddAction, RemoveAction

from digestlake.core.location import Location
from digestlake.core.tables import TABLES, TableSpec
from digestlake.lake.commit import PartitionCommit
from digestlake.lake.data_files import DataFiles
from digestlake.lake.delta import (
    LakeError,
    Tables,
    add_actions,
    commit_properties,
    delta_schema,
)
from digestlake.lake.frame_cache import FRAMES
from digestlake.lake.rows import conform, file_stats, upsert_rows

__all__ = ["Lake", "LakeError", "PartitionCommit", "conform", "upsert_rows"]


class Lake:
    """Read and write whole tables or partitions of them. ``versions`` pins tables at past
    versions (``publish --as-of``): such a lake reads them as they were and refuses to write.
    ``run_id``, when set, is recorded in every commit (the run's history)."""

    def __init__(
        self,
        root: str | os.PathLike[str],
        versions: dict[str, int] | None = None,
        *,
        legacy_ok: bool = False,
    ) -> None:
        self.location = Location(root)
        self.tables = Tables(self.location)
        self.data = DataFiles(self.location, self.tables)
        self.pinned = versions
        self.run_id: str | None = None
        self.legacy_ok = legacy_ok  # tables in the old layout read as missing (converting)
        # The lake's lock is held by this run: only its own commits change the tables, so a
        # read need not list the log again (a commit still checks, and refreshes).
        self.held = False
        self._open: dict[str, DeltaTable] = {}
        self._evolved: set[str] = set()  # tables whose schema was brought up to the spec
        self.changed: list[str] = []  # partitions this object committed (a run's report)
        self.rows_changed: dict[str, dict[str, int]] = {}  # per table, what its commits did

    @property
    def root(self) -> str:
        return self.location.url

    # -- reading --------------------------------------------------------------------------

    def delta(self, table: str) -> DeltaTable | None:
        """The table's Delta log at its newest (or pinned) version; None when not created."""
        spec = TABLES[table]
        if self.pinned is not None:
            if table not in self.pinned:
                return None
            dt = self._open.get(table)
            if dt is None:
                dt = self._open[table] = self.tables.open(spec, self.pinned[table])
            return dt
        dt = self._open.get(table)
        if dt is None:
            dt = self.tables.open(spec, legacy_ok=self.legacy_ok)
            if dt is not None:
                self._open[table] = dt
            return dt
        if not self.held:
            with self.tables.reading(table):
                dt.update_incremental()  # one listing of the log when nothing was committed
        return dt

    def version(self, table: str) -> int | None:
        dt = self.delta(table)
        return None if dt is None else dt.version()

    def versions(self) -> dict[str, int]:
        """Every existing table's current version."""
        found = {name: self.version(name) for name in TABLES}
        return {name: v for name, v in found.items() if v is not None}

    def files(
        self,
        table: str,
        partitions: set[str] | None = None,
        holding_other_than: tuple[str, Collection[str]] | None = None,
    ) -> pl.DataFrame:
        """The table's live files (path, partition, size, rows), sorted by partition; only
        those of ``partitions``, and with ``holding_other_than=(column, values)`` only those
        whose statistics do not show every row's ``column`` to be one same value of
        ``values`` (the spec's ``stats`` columns are recorded for that)."""
        dt = self.delta(table)
        with self.tables.reading(table):
            files = add_actions(dt, TABLES[table].stats)
        if partitions is not None:
            files = files.filter(pl.col("partition").is_in(sorted(partitions)))
        if holding_other_than is not None:
            column, values = holding_other_than
            low, high = pl.col(f"min.{column}"), pl.col(f"max.{column}")
            nulls = pl.col(f"null_count.{column}")
            uniform = (low == high) & low.is_in(sorted(values)) & (nulls == 0)
            files = files.filter(~uniform.fill_null(False))
        return files.sort("partition", "path", nulls_last=True)

    def read(
        self,
        table: str,
        columns: list[str] | None = None,
        partitions: set[str] | None = None,
        *,
        where: pl.Expr | None = None,
        holding_other_than: tuple[str, Collection[str]] | None = None,
    ) -> pl.DataFrame:
        """The table in the current schema (empty, typed, when it does not exist yet); only
        ``columns``, only ``partitions``, only rows ``where`` holds, and only files that may
        hold other values than those of ``holding_other_than`` (see ``files``), when given:
        that is all a large table should be read for (the papers of a 2.8 M-record
        snapshot). Rows come in partition order, then as stored (sorted by key)."""
        files = self.files(table, partitions, holding_other_than)
        return self.data.read(TABLES[table], files, columns, where)

    def read_partition(self, table: str, value: str) -> pl.DataFrame:
        return self.read(table, partitions={value})

    def has_partition(self, table: str, value: str) -> bool:
        return not self.files(table, {value}).is_empty()

    def row_count(self, table: str) -> int:
        """The table's rows, as its log counts them (no data file is read)."""
        return int(self.files(table)["num_records"].sum())

    def row_counts(self) -> dict[str, int]:
        return {name: self.row_count(name) for name in TABLES}

    # -- writing --------------------------------------------------------------------------

    def writable(self, table: str) -> DeltaTable:
        if self.pinned is not None:
            raise LakeError(f"the lake is open at past versions, read-only: cannot write {table}")
        dt = self.delta(table)
        if dt is None:
            dt = self.tables.create(TABLES[table], commit_properties(self.run_id))
            self._open[table] = dt
        elif table not in self._evolved:
            self.tables.evolve(dt, TABLES[table], commit_properties(self.run_id))
            self._evolved.add(table)
        return dt

    def ensure(self, table: str) -> None:
        """Create the table, empty, if it does not exist (so readers find every table)."""
        self.writable(table)

    def new_file(self, table: str, value: str | None) -> str:
        """A fresh data file's path, relative to the table (never an existing one's name)."""
        spec = TABLES[table]
        name = f"part-{secrets.token_hex(16)}.zstd.parquet"
        if spec.partition_by is None:
            return name
        return f"{spec.partition_by}={quote(str(value), safe='')}/{name}"

    def write_file(self, table: str, rel: str, frame: pl.DataFrame) -> int:
        """Write one data file (atomically: temp and rename, or one PUT); its size."""
        data = io.BytesIO()
        frame.write_parquet(data, compression="zstd", statistics=True)
        with self.tables.writing(table):
            self.location.write_bytes(f"{table}/{rel}", data.getvalue())
        FRAMES.put((self.location.path(f"{table}/{rel}"), "stored"), frame)
        return data.getbuffer().nbytes

    def put_file(self, table: str, rel: str, staged: Path) -> None:
        """Move a finished local file into the table (made durable first: the commit that
        names it must never point at a file a power cut lost)."""
        with self.tables.writing(table):
            if self.location.local:
                with open(staged, "rb") as fh:
                    os.fsync(fh.fileno())
            self.location.put(f"{table}/{rel}", staged)

    def commit(
        self,
        table: str,
        read_version: int,
        adds: list[AddAction],
        removes: list[RemoveAction],
        rows: dict[str, int],
        extra: dict[str, str] | None = None,
    ) -> None:
        """One commit of these actions, on top of ``read_version`` (the version their files
        were read from): if another writer committed since, it fails rather than undo that
        writer's work (checked here, and by Delta's own conflict check at the commit)."""
        spec = TABLES[table]
        held, self.held = self.held, False  # see the newest version, whoever wrote it
        try:
            dt = self.writable(table)
        finally:
            self.held = held
        if dt.version() != read_version:
            raise LakeError(
                f"cannot commit to table {table} at {self.tables.uri(table)}: a concurrent "
                f"transaction committed version {dt.version()} since version {read_version} "
                "was read (another writer past the lake's lock)"
            )
        with self.tables.writing(table):
            dt.create_write_transaction(
                [*removes, *adds],
                "append",
                delta_schema(spec),
                partition_by=[spec.partition_by] if spec.partition_by else None,
                commit_properties=commit_properties(self.run_id, rows, extra),
            )
            dt.update_incremental()
        done = self.rows_changed.setdefault(table, dict.fromkeys(rows, 0))
        for kind, n in rows.items():
            done[kind] = done.get(kind, 0) + n

    def add_file(self, table: str, rel: str, size: int, value: str | None, stats: str) -> AddAction:
        """The add action for a data file already in place."""
        part = TABLES[table].partition_by
        values = {part: value} if part else {}
        return AddAction(rel, size, values, int(time.time() * 1000), True, stats)

    def replace_partitions(
        self,
        table: str,
        parts: dict[str | None, pl.DataFrame],
        values: Iterable[str | None],
        extra: dict[str, str] | None = None,
    ) -> list[str]:
        """Make each partition in ``values`` hold exactly ``parts[value]`` (none: emptied),
        in one commit; partitions whose rows are already those are left alone. Returns the
        partitions changed (``table/col=value``, or ``table``)."""
        commit = PartitionCommit(self, table, extra)
        for value in values:
            commit.replace(value, parts.get(value))
        return commit.finish()

    def stored(self, spec: TableSpec, files: pl.DataFrame) -> pl.DataFrame | None:
        """The rows of some of the table's ``files`` as they hold them (no partition
        column), or None when there are none."""
        if files.is_empty():
            return None
        stored = self.data.read(spec, files, None)
        return stored.drop(spec.partition_by) if spec.partition_by else stored

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

    def write(self, table: str, df: pl.DataFrame) -> list[str]:
        """Make ``df`` the table's whole content (one commit, if anything differs)."""
        parts = self._parts(TABLES[table], df)
        commit = PartitionCommit(self, table)  # its file list names the stored partitions too
        stored = set(commit.files["partition"].to_list())
        for value in sorted(set(parts) | stored, key=lambda v: (v is None, v or "")):
            commit.replace(value, parts.get(value))
        return commit.finish()

    def write_partitions(self, table: str, df: pl.DataFrame, values: set[str]) -> list[str]:
        """Make each partition in ``values`` hold exactly ``df``'s rows for it (one left with
        none is emptied), leaving the others alone."""
        spec = TABLES[table]
        parts = self._parts(spec, df)
        outside = set(parts) - values
        if outside:
            raise ValueError(f"{table}: rows outside partitions {sorted(values)}: {outside}")
        return self.replace_partitions(table, parts, sorted(values))

    def write_partition(self, table: str, value: str, df: pl.DataFrame) -> list[str]:
        return self.write_partitions(table, df, {value})

    def upsert(self, table: str, rows: pl.DataFrame) -> list[str]:
        """Rows replace those with the same key; only the partitions they fall in are read
        and written."""
        spec = TABLES[table]
        rows = conform(rows, spec)
        if spec.partition_by is None:
            return self.write(table, upsert_rows(self.read(table), rows, list(spec.key)))
        values = set(rows[spec.partition_by].to_list())
        merged = upsert_rows(self.read(table, partitions=values), rows, list(spec.key))
        return self.write_partitions(table, merged, values)

    def restore(self, table: str, version: int, extra: dict[str, str] | None = None) -> None:
        """The table as it was at ``version``, as a new commit (so it can be undone too)."""
        dt = self.writable(table)
        with self.tables.writing(table):
            dt.restore(version, commit_properties=commit_properties(self.run_id, None, extra))
            dt.update_incremental()
        self.changed.append(table)

    def append(self, table: str, rows: pl.DataFrame) -> None:
        """Add rows in a new file without reading the table (the ``runs`` log)."""
        spec = TABLES[table]
        frame = conform(rows, spec)
        rel = self.new_file(table, None)
        read_version = self.writable(table).version()
        size = self.write_file(table, rel, frame)
        added = {"added": frame.height, "updated": 0, "deleted": 0}
        stats = file_stats(frame, spec.stats_columns)
        self.commit(table, read_version, [self.add_file(table, rel, size, None, stats)], [], added)
        self.changed.append(table)
