"""SQL over the lake with DuckDB: every table is a view of the same name, plus the views an
analyst asks for first.

Each Delta table is opened once per query and registered as the pyarrow dataset of that
snapshot, so a query running while a run commits sees one version of each table, and DuckDB
gets projection and filter pushdown. (DuckDB's own ``delta`` extension would be downloaded on
first use, which an offline machine cannot; polars' ``scan_delta`` cannot read a lake whose
path holds ``[`` or ``*``; docs/delta-lake-research.md Q3.)
"""

from __future__ import annotations

import re

import duckdb
import polars as pl

from digestlake.core.tables import TABLES
from digestlake.lake.store import Lake, LakeError

# Views over the tables: the mentions not deleted, and each paper with where it was seen.
VIEWS = {
    "live_mentions": "SELECT * FROM mentions WHERE NOT coalesce(deleted, false)",
    "paper_mentions": """
        SELECT p.paper_id, p.arxiv_id, p.title,
               count(m.mention_id) AS mentions,
               count(DISTINCT m.source_id) AS sources,
               list(DISTINCT m.source_id ORDER BY m.source_id) AS source_ids,
               min(m.digest_date) AS first_seen, max(m.digest_date) AS last_seen
        FROM papers p JOIN live_mentions m USING (paper_id)
        GROUP BY ALL""",
}


def connect(lake: Lake) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB whose views read the lake's tables (local or at a URL) in place."""
    con = duckdb.connect(":memory:")
    for name, spec in TABLES.items():
        dt = lake.delta(name)
        with lake.tables.reading(name):
            frame = dt.to_pyarrow_dataset() if dt is not None else spec.empty().to_arrow()
        con.register(f"_{name}_scan", frame)
        con.execute(f'CREATE VIEW "{name}" AS SELECT * FROM "_{name}_scan"')
    for name, sql in VIEWS.items():
        con.execute(f'CREATE VIEW "{name}" AS {sql}')
    return con


def relations() -> list[str]:
    """What a query can name: the tables, then the views."""
    return [*TABLES, *VIEWS]


def run_query(lake: Lake, sql: str) -> pl.DataFrame:
    """Run one SQL statement over the lake tables and return its rows."""
    con = connect(lake)
    try:
        try:
            relation = con.sql(sql)
        except duckdb.CatalogException as exc:
            first = str(exc).splitlines()[0]
            raise LakeError(f"{first}. The lake has: {', '.join(relations())}") from exc
        return pl.DataFrame() if relation is None else pl.from_arrow(relation.to_arrow_table())
    except (duckdb.IOException, duckdb.InvalidInputException) as exc:
        said = str(exc)
        if isinstance(exc, duckdb.InvalidInputException) and "os error" not in said:
            raise  # the query's own mistake, not the lake's
        # A file the scan could not read: its path and why, on one line, without colours.
        said = " ".join(re.sub(r"\x1b\[[0-9;]*m|↳", " ", said).split())
        said = said.split("failed: ", 1)[-1]
        raise LakeError(f"the lake cannot be read: {lake.root}: {said}") from exc
    finally:
        con.close()
