"""A dataset table as JSON Lines: every key in every row, in the declared order, ``null`` or
``[]`` where a value is missing; dates as ``YYYY-MM-DD``, timestamps as RFC 3339 with their
offset.

Readers that guess types from the first rows (polars reads 100) would take a column that is
null there as ``Null``; so the rows that first give each column (and each nested field) a value
are moved to the front, the others keep their order. Every column with a value anywhere is
then read with its type; a column with no value in the whole release cannot be (JSON has no
typed null), and the card lists such columns.
"""

from __future__ import annotations

import io

import polars as pl

_SCAN_ROWS = 100  # polars.read_ndjson's default infer_schema_length


def _filled(column: pl.Expr, dtype: pl.DataType) -> list[pl.Expr]:
    """One boolean per (nested) field: whether this row gives it a value."""
    if isinstance(dtype, pl.List):
        inner = dtype.inner
        if isinstance(inner, pl.Struct):
            return [
                column.list.eval(pl.element().struct.field(f.name).is_not_null()).list.any()
                if not isinstance(f.dtype, pl.List)
                else column.list.eval(pl.element().struct.field(f.name).list.len() > 0).list.any()
                for f in inner.fields
            ]
        return [column.list.len() > 0]
    return [column.is_not_null()]


def covering_first(df: pl.DataFrame) -> pl.DataFrame:
    """``df`` with, first, the earliest row that gives each field a value (in row order)."""
    if df.height <= _SCAN_ROWS:
        return df
    flags = df.select(
        e.fill_null(False).alias(str(k))
        for k, e in enumerate(e for n, t in df.schema.items() for e in _filled(pl.col(n), t))
    )
    # arg_max: the first True (or row 0 where a field has no value in any row)
    front = sorted(set(flags.select(pl.all().arg_max()).row(0)))
    rest = df.with_row_index("_row").filter(~pl.col("_row").is_in(front)).drop("_row")
    return pl.concat([df[front], rest])


def jsonl_bytes(df: pl.DataFrame) -> bytes:
    """``df`` as JSON Lines (in its own order: the caller puts the covering rows first)."""
    out = io.BytesIO()
    df.write_ndjson(out)
    return out.getvalue()
