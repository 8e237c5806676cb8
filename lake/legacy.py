"""Lakes written before schema 3 (plain Parquet, ``part-0.parquet`` per table or partition):
converted to Delta tables by the first verb of this version that writes.

Each table is converted on its own, and atomically: its rows are written as new data files
beside the old ones and the table is created with all of them in one commit (version 0), so
a crash before that commit leaves the old table the only one, and a rerun converts it again.
The old files are removed only after the commit, and only once the new table reads back the
same rows; a crash while removing them leaves files the Delta log never names, which no Delta
reader sees and ``vacuum`` removes.
"""

from __future__ import annotations

from urllib.parse import unquote

import polars as pl
from deltalake.transaction import create_table_with_add_actions

from digestlake.core.tables import TABLES, TableSpec
from digestlake.lake.delta import (
    LEGACY_FILE,
    TABLE_PROPERTIES,
    LakeError,
    commit_properties,
    delta_schema,
)
from digestlake.lake.rows import conform, file_stats
from digestlake.lake.store import Lake


def legacy_files(lake: Lake, table: str) -> list[str]:
    """The table's files in the old layout (relative to the lake), when it is not Delta yet."""
    if lake.tables.exists(table):
        return []
    return [rel for rel in lake.location.find(table, ".parquet") if rel.endswith(LEGACY_FILE)]


def read_legacy(lake: Lake, spec: TableSpec, files: list[str]) -> pl.DataFrame:
    """The old files' rows in the current schema: a ``col=value`` folder gives its column
    (the old layout kept partition columns out of the files), missing columns are null."""
    frames = []
    for rel in files:
        with lake.tables.reading(spec.name):
            df = pl.read_parquet(lake.location.read_bytes(rel))
        for folder in rel.split("/")[1:-1]:
            col, sep, value = folder.partition("=")
            if sep and col in spec.columns and col not in df.columns:
                df = df.with_columns(pl.lit(unquote(value)).alias(col))
        frames.append(conform(df, spec))
    rows = pl.concat(frames, how="vertical") if frames else spec.empty()
    return rows.unique(list(spec.key), keep="last", maintain_order=True).sort(list(spec.key))


def convert_legacy(root: str) -> list[str]:
    """Convert every table still in the old layout; the tables converted."""
    lake = Lake(root, legacy_ok=True)
    converted = []
    for name, spec in TABLES.items():
        files = legacy_files(lake, name)
        if not files:
            continue
        rows = read_legacy(lake, spec, files)
        _create_with(lake, spec, rows)
        key = list(spec.key)
        back = Lake(root).read(name).select(key).sort(key)  # in partition order: sort to compare
        if back.height != rows.height or not back.equals(rows.select(key).sort(key)):
            raise LakeError(f"converting {name}: {back.height} rows read back of {rows.height}")
        for rel in files:
            lake.location.remove(rel)
        converted.append(name)
    return converted


def _create_with(lake: Lake, spec: TableSpec, rows: pl.DataFrame) -> None:
    """The Delta table holding ``rows``, created in one commit, then stamped with the schema
    version (delta-rs accepts that property on a table, not on a create with files)."""
    part = spec.partition_by
    groups = rows.partition_by(part, as_dict=True, maintain_order=True) if part else {(None,): rows}
    adds = []
    for (value,), frame in groups.items():
        stored = frame.drop(part) if part else frame
        rel = lake.new_file(spec.name, value)
        size = lake.write_file(spec.name, rel, stored)
        adds.append(
            lake.add_file(spec.name, rel, size, value, file_stats(stored, spec.stats_columns))
        )
    rows_info = {"added": rows.height, "updated": 0, "deleted": 0}
    with lake.tables.writing(spec.name):
        create_table_with_add_actions(
            lake.tables.uri(spec.name),
            delta_schema(spec),
            adds,
            partition_by=[part] if part else None,
            storage_options=lake.tables.options,
            commit_properties=commit_properties(
                None, rows_info, {"digestlake.converted_from": "parquet"}
            ),
        )
    dt = lake.delta(spec.name)
    with lake.tables.writing(spec.name):
        dt.alter.set_table_properties(TABLE_PROPERTIES, raise_if_not_exists=False)
