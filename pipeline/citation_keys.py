"""The citation-key registry: a key once issued for a paper is never changed or reused."""

from __future__ import annotations

from datetime import datetime

import polars as pl

from digestlake.core.tables import CITATION_KEYS
from digestlake.lake.store import Lake
from digestlake.transforms.citation_keys import assign_keys


def issue_citation_keys(
    lake: Lake, bases: dict[str, str], now: datetime
) -> tuple[pl.DataFrame, int]:
    """Add keys for papers that have none; returns the registry and how many were issued."""
    registry = lake.read("citation_keys")
    issued = dict(zip(registry["paper_id"].to_list(), registry["key"].to_list(), strict=True))
    new = assign_keys(bases, issued)
    if new:
        rows = pl.DataFrame(
            {"paper_id": list(new), "key": list(new.values()), "assigned_at": [now] * len(new)},
            schema=CITATION_KEYS.schema,
        )
        registry = pl.concat([registry, rows])
        lake.write("citation_keys", registry)
    return registry, len(new)


def carry_over_keys(lake: Lake, moves: pl.DataFrame) -> list[str]:
    """A provisional paper that turned out to be an arXiv paper hands it its key, so a
    citation written while it was provisional still finds it. ``moves`` has ``old`` and
    ``new`` paper ids; a new paper that has a key already keeps its own."""
    registry = lake.read("citation_keys")
    owned = registry["paper_id"].implode()
    moves = (
        moves.unique()
        .filter(pl.col("old").is_in(owned) & ~pl.col("new").is_in(owned))
        .join(registry.select(pl.col("paper_id").alias("old"), "assigned_at"), on="old")
        .sort("assigned_at", "old")
        .unique("new", keep="first", maintain_order=True)  # two became one: the older key
        .filter(pl.col("old").is_unique())  # one became two: nobody knows which, keep it
    )
    if moves.height == 0:
        return []
    renamed = dict(zip(moves["old"], moves["new"], strict=True))
    return lake.write("citation_keys", registry.with_columns(pl.col("paper_id").replace(renamed)))
