"""Row-level rules of the lake's tables, pure polars: the declared schema, upserts by key, what
changed between two versions of a partition, and the statistics of a data file."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TypeVar

import polars as pl

from digestlake.core.tables import TableSpec

Frame = TypeVar("Frame", pl.DataFrame, pl.LazyFrame)


def conform(df: Frame, spec: TableSpec, keep: tuple[str, ...] = ()) -> Frame:
    """Columns of the declared schema, in order and type; missing ones null (a file written
    before a column was added), derived ones (the partition bucket) computed from their
    source column. ``keep``: other columns carried through as they are."""
    derived = spec.derived or {}
    present = set(df.collect_schema().names())
    exprs = [
        (derived[name] if name in derived else pl.col(name) if name in present else pl.lit(None))
        .cast(dtype)
        .alias(name)
        for name, dtype in spec.columns.items()
    ]
    return df.select(*exprs, *keep)


def upsert_rows(existing: pl.DataFrame, new: pl.DataFrame, key: list[str]) -> pl.DataFrame:
    """Rows of ``new`` replace rows of ``existing`` with the same key (the last one wins)."""
    new = new.unique(key, keep="last", maintain_order=True)
    kept = existing.join(new.select(key), on=key, how="anti")
    return pl.concat([kept, new.select(existing.columns)], how="vertical")


def row_changes(old: pl.DataFrame, new: pl.DataFrame, key: list[str]) -> dict[str, int]:
    """Rows added, updated and deleted going from ``old`` to ``new`` (same columns)."""

    def keyed(df: pl.DataFrame) -> pl.DataFrame:
        return df.select(*key, pl.struct(pl.all()).hash(seed=0).alias("_row"))

    before, after = keyed(old), keyed(new)
    added = after.join(before.select(key), on=key, how="anti", nulls_equal=True).height
    deleted = before.join(after.select(key), on=key, how="anti", nulls_equal=True).height
    same = after.join(before, on=[*key, "_row"], how="semi", nulls_equal=True).height
    return {"added": added, "updated": new.height - added - same, "deleted": deleted}


def file_stats(frame: pl.DataFrame, columns: Iterable[str]) -> str:
    """The add action's statistics: rows, and min/max/nulls of the string ``columns`` (the
    key and the spec's ``stats``: reads prune files by them)."""
    cols = [c for c in columns if c in frame.columns and frame.schema[c] == pl.String]
    values = frame.select(cols) if cols else None
    return json.dumps(
        {
            "numRecords": frame.height,
            "minValues": values.min().row(0, named=True) if values is not None else {},
            "maxValues": values.max().row(0, named=True) if values is not None else {},
            "nullCount": values.null_count().row(0, named=True) if values is not None else {},
        }
    )
