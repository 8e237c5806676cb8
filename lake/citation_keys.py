"""The citation-key registry: a key once issued for a paper is never changed or reused."""

from __future__ import annotations

from datetime import datetime

import polars as pl

from lake.schemas import CITATION_KEYS
from lake.store import Lake
from transforms.citation_keys import assign_keys


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
