"""One commit that replaces some partitions of one table: the lake's only way of changing
rows (``Lake.write``, ``upsert`` and a bulk import all build one)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl
from deltalake.transaction import AddAction, RemoveAction

from digestlake.core.tables import TABLES
from digestlake.lake.delta import LakeError, add_actions
from digestlake.lake.rows import conform, file_stats, row_changes

if TYPE_CHECKING:
    from digestlake.lake.store import Lake


class PartitionCommit:
    """New contents for some partitions of one table, committed together: one Delta commit
    that removes the partitions' old files and adds their new ones. Files are written as the
    partitions are given; until ``finish`` commits, readers see none of them (a crash leaves
    them unreferenced, for ``vacuum``)."""

    def __init__(self, lake: Lake, table: str, extra: dict[str, str] | None = None) -> None:
        self.lake, self.table, self.spec, self.extra = lake, table, TABLES[table], extra
        base = lake.writable(table)
        self.read_version = base.version()
        with lake.tables.reading(table):
            self.files = add_actions(base)
        self.adds: list[AddAction] = []
        self.removes: list[RemoveAction] = []
        self.changed: list[str] = []
        self.rows = {"added": 0, "updated": 0, "deleted": 0}
        self.adopted = False  # files moved in, whose folders need syncing before the commit

    def _old(self, value: str | None) -> pl.DataFrame:
        part = pl.col("partition")
        return self.files.filter(part.is_null() if value is None else part == value)

    def _replacing(self, value: str | None, old: pl.DataFrame, changes: dict[str, int]) -> None:
        self.rows = {k: self.rows[k] + changes[k] for k in self.rows}
        now = int(time.time() * 1000)
        values = {self.spec.partition_by: value} if self.spec.partition_by else None
        self.removes += [
            RemoveAction(rel, True, now, int(size), values)
            for rel, size in zip(old["path"], old["size_bytes"], strict=True)
        ]
        label = self.table if value is None else f"{self.table}/{self.spec.partition_by}={value}"
        self.changed.append(label)

    def replace(self, value: str | None, new: pl.DataFrame | None) -> None:
        """The partition is to hold exactly ``new``'s rows (None or empty: none). Nothing is
        written if it holds those already."""
        if new is not None:
            new = self._as_stored(new, value)
        old_files = self._old(value)
        old = self.lake.stored(self.spec, old_files)
        new = None if new is None or new.is_empty() else new
        if new is None and old is None:
            return
        if new is not None and old is not None and _same(old, new):
            return
        before = old if old is not None else new.clear()
        self._replacing(
            value,
            old_files,
            row_changes(before, new if new is not None else old.clear(), list(self.spec.key)),
        )
        if new is not None:
            rel = self.lake.new_file(self.table, value)
            size = self.lake.write_file(self.table, rel, new)
            self.adds.append(
                self.lake.add_file(
                    self.table, rel, size, value, file_stats(new, self.spec.stats_columns)
                )
            )

    def _as_stored(self, frame: pl.DataFrame, value: str | None) -> pl.DataFrame:
        """Rows as a data file holds them: the schema's columns but the partition's, by key."""
        part = self.spec.partition_by
        if part and part not in frame.columns:
            frame = frame.with_columns(pl.lit(value, pl.String).alias(part))
        frame = conform(frame, self.spec).sort(list(self.spec.key))
        return frame.drop(part) if part else frame

    def adopt(self, value: str, staged: Path) -> None:
        """A Parquet file written elsewhere (on the local disk, in the table's layout without
        the partition column) becomes the whole content of a partition the table lacks."""
        columns = [c for c in self.spec.columns if c != self.spec.partition_by]
        names = pl.read_parquet_schema(staged).keys()
        if list(names) != columns:
            raise LakeError(f"{staged}: columns {list(names)} are not {self.table}'s")
        if not self._old(value).is_empty():
            raise LakeError(f"{self.table} has a partition {value} already: replace it instead")
        keys = pl.read_parquet(staged, columns=list(self.spec.stats_columns))
        rel, size = self.lake.new_file(self.table, value), staged.stat().st_size
        self.lake.put_file(self.table, rel, staged)
        self.adopted = True
        self._replacing(value, self._old(value), {"added": keys.height, "updated": 0, "deleted": 0})
        self.adds.append(
            self.lake.add_file(
                self.table, rel, size, value, file_stats(keys, self.spec.stats_columns)
            )
        )

    def finish(self) -> list[str]:
        """Commit (if any partition changed); the partitions changed."""
        if self.adopted:
            self.lake.location.sync(self.table)
        if self.changed:
            self.lake.commit(
                self.table, self.read_version, self.adds, self.removes, self.rows, self.extra
            )
            self.lake.changed += self.changed
        return self.changed


def _same(old: pl.DataFrame, new: pl.DataFrame) -> bool:
    return old.schema == new.schema and old.equals(new, null_equal=True)
