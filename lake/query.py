"""SQL over the lake with DuckDB: every table is a view of the same name."""

from __future__ import annotations

import duckdb
import polars as pl

from digestlake.core.tables import TABLES
from digestlake.lake.store import Lake, LakeError


def connect(lake: Lake) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB whose views read a local lake's Parquet files in place. A remote
    lake's tables are read through fsspec and registered (DuckDB's own S3 reader is an
    extension it would download, which an offline machine cannot)."""
    con = duckdb.connect(":memory:")
    root = lake.location.local_path
    for name, spec in TABLES.items():
        files = lake.files(name)
        if not files or root is None:
            frame = lake.read(name) if files else spec.empty()
            con.register(f"_{name}_frame", frame.to_arrow())
            con.execute(f'CREATE VIEW "{name}" AS SELECT * FROM "_{name}_frame"')
            continue
        # The files by name, not a glob: a lake path may hold ``[ ]``, ``*`` or ``?``.
        paths = ", ".join("'" + str(root / rel).replace("'", "''") + "'" for rel in files)
        hive = f", hive_types={{'{spec.partition_by}': VARCHAR}}" if spec.partition_by else ""
        partitioned = "true" if spec.partition_by else "false"
        try:  # binding the view opens every file
            con.execute(
                f'CREATE VIEW "{name}" AS SELECT * FROM read_parquet([{paths}], '
                f"hive_partitioning={partitioned}{hive}, union_by_name=true)"
            )
        except duckdb.IOException as exc:
            first = str(exc).splitlines()[0]  # the rest quotes the statement, every path
            raise LakeError(f"the lake cannot be read: {root / name}: {first}") from exc
    return con


def run_query(lake: Lake, sql: str) -> pl.DataFrame:
    """Run one SQL statement over the lake tables and return its rows."""
    con = connect(lake)
    try:
        relation = con.sql(sql)
        return pl.DataFrame() if relation is None else pl.from_arrow(relation.to_arrow_table())
    finally:
        con.close()
