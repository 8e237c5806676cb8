"""The Kaggle arXiv metadata snapshot (``arxiv-metadata-oai-snapshot.json``), scanned lazily."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from transforms.snapshot import KAGGLE_SCHEMA


def scan_snapshot(path: Path) -> pl.LazyFrame:
    """JSON lines with the 14 keys every record has; read in streaming batches, never whole."""
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such snapshot file")
    return pl.scan_ndjson(path, schema=KAGGLE_SCHEMA, ignore_errors=False)
