"""SQL over the lake with DuckDB: every table is a view of the same name."""

from __future__ import annotations

import duckdb
import polars as pl
from digestlake.core.tables import TABLES
from digestlake.lake.store import Lake


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
        pattern = str(root / name / ("**/*.parquet" if spec.partition_by else "*.parquet"))
        hive = f", hive_types={{'{spec.partition_by}': VARCHAR}}" if spec.partition_by else ""
        literal = "'" + pattern.replace("'", "''") + "'"
        partitioned = "true" if spec.partition_by else "false"
        con.execute(
            f'CREATE VIEW "{name}" AS SELECT * FROM read_parquet({literal}, '
            f"hive_partitioning={partitioned}{hive}, union_by_name=true)"
        )
    return con


def run_query(lake: Lake, sql: str) -> pl.DataFrame:
    """Run one SQL statement over the lake tables and return its rows."""
    con = connect(lake)
    try:
        relation = con.sql(sql)
        return pl.DataFrame() if relation is None else pl.from_arrow(relation.to_arrow_table())
    finally:
        con.close()
