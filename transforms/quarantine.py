"""Quarantine rows: rejected input, where it was and why, kept until that input is read again."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import polars as pl

from digestlake.core.tables import QUARANTINE

EXCERPT_CHARS = 500


def quarantine_row(file: str, line: int | None, reason: str, excerpt: str = "") -> dict:
    """One rejected piece of ``file``; ``location`` is ``file:line`` as editors open it."""
    return {
        "location": f"{file}:{line}" if line else file,
        "file": file,
        "line": line,
        "reason": reason,
        "excerpt": excerpt[:EXCERPT_CHARS],
    }


def replace_quarantine(
    old: pl.DataFrame, source_id: str, reread: Iterable[str], rows: list[dict], now: datetime
) -> pl.DataFrame:
    """The source's rows for the files read again are replaced by this read's ``rows``; a
    problem seen before keeps its first ``seen_at``, so an unchanged problem rewrites nothing."""
    touched = set(reread) | {r["file"] for r in rows}
    keep = old.filter((pl.col("source_id") != source_id) | ~pl.col("file").is_in(list(touched)))
    fresh = pl.DataFrame(
        [{"source_id": source_id, **row} for row in rows],
        schema={k: v for k, v in QUARANTINE.columns.items() if k != "seen_at"},
    ).unique(subset=list(QUARANTINE.key), keep="first", maintain_order=True)
    seen = old.select(*QUARANTINE.key, "seen_at")
    fresh = fresh.join(seen, on=list(QUARANTINE.key), how="left").with_columns(
        seen_at=pl.coalesce("seen_at", pl.lit(now, QUARANTINE.columns["seen_at"]))
    )
    return pl.concat([keep, fresh.select(QUARANTINE.schema.names())])
