"""The dataset: ``papers`` and ``mentions`` as typed tables, written as ``jsonl/`` files and
``parquet/<config>/`` shards beside them, with the card (``dataset_card``) at the top of the
exports folder: the layout the Hugging Face hub loads (``configs`` with ``data_files``).

Both tables are in the order readers want (the newest first), except that the rows first
giving each column a value lead (``jsonl.covering_first``); Parquet has the same order.
"""

from __future__ import annotations

import polars as pl

from digestlake.core.location import Location
from digestlake.core.tables import LIVE
from digestlake.exports.dataset_card import Provenance, dataset_card
from digestlake.exports.dataset_schema import (
    CONFIGS,
    MENTION_COLUMNS,
    NESTED_MENTION,
    PAPER_COLUMNS,
    Column,
    arrow_schema,
)
from digestlake.exports.files import FileChanges, sync_folder, write_if_changed
from digestlake.exports.jsonl import covering_first, jsonl_bytes
from digestlake.exports.parquet import parquet_shards
from digestlake.transforms.commentary import language

CARD = "README.md"


def _conform(df: pl.DataFrame, columns: list[Column]) -> pl.DataFrame:
    """Exactly ``columns``, typed: a column the frame lacks is null (an older lake); a list
    is ``[]``, never null."""
    exprs = []
    for c in columns:
        value = pl.col(c.name) if c.name in df.columns else pl.lit(None)
        if isinstance(c.dtype, pl.List):
            value = value.fill_null(pl.lit([], dtype=c.dtype))
        exprs.append(value.cast(c.dtype).alias(c.name))
    return df.select(exprs)


def paper_table(records: pl.DataFrame, keys: dict[str, str]) -> pl.DataFrame:
    """One row per published paper (``transforms.publication``'s records), newest first by
    the first digest day that named it, then by id."""
    nested = [pl.element().struct.field(c.name) for c in NESTED_MENTION]
    frame = records.with_columns(
        citation_key=pl.col("paper_id").replace_strict(keys, default=None, return_dtype=pl.String),
        authors=pl.col("author_names"),
        mention_count=pl.col("mentions").list.len(),
        sources=pl.col("mentions")
        .list.eval(pl.element().struct.field("source_id"))
        .list.unique(maintain_order=True),
        mentions=pl.col("mentions").list.eval(pl.struct(nested)),
    )
    ordered = frame.sort(
        ["first_date", "paper_id"], descending=[True, False], nulls_last=True, maintain_order=True
    )
    return _conform(ordered, PAPER_COLUMNS)


def mention_table(mentions: pl.DataFrame) -> pl.DataFrame:
    """The live mentions, newest digest day first, then by source and place in the digest."""
    live = mentions.filter(LIVE).with_columns(
        language=pl.struct("commentary_ko", "commentary_en").map_elements(
            lambda s: language(s["commentary_ko"], s["commentary_en"]), return_dtype=pl.String
        )
    )
    ordered = live.sort(
        ["digest_date", "source_id", "position", "mention_id"],
        descending=[True, False, False, False],
        nulls_last=True,
    )
    return _conform(ordered, MENTION_COLUMNS)


def dataset_tables(
    records: pl.DataFrame, keys: dict[str, str], mentions: pl.DataFrame
) -> dict[str, pl.DataFrame]:
    """Each config's table, rows in the order they are written."""
    return {
        "papers": covering_first(paper_table(records, keys)),
        "mentions": covering_first(mention_table(mentions)),
    }


def data_files(tables: dict[str, pl.DataFrame], shard_rows: int) -> dict[str, dict[str, bytes]]:
    """Folder -> file name -> bytes: ``jsonl`` and ``parquet/<config>``."""
    files: dict[str, dict[str, bytes]] = {"jsonl": {}}
    for config, table in tables.items():
        files["jsonl"][f"{config}.jsonl"] = jsonl_bytes(table)
        files[f"parquet/{config}"] = parquet_shards(
            table, arrow_schema(CONFIGS[config]), shard_rows
        )
    return files


def write_dataset(
    out: Location, tables: dict[str, pl.DataFrame], provenance: Provenance, shard_rows: int
) -> FileChanges:
    """The data files and the card into ``out``; stale shards (and the card that
    ``jsonl/`` held before the Parquet shards) removed."""
    changes = FileChanges()
    for folder, files in data_files(tables, shard_rows).items():
        changes.extend(sync_folder(out, folder, files, (".jsonl", ".parquet", ".md")))
    written = write_if_changed(out, CARD, dataset_card(tables, provenance))
    (changes.written if written else changes.unchanged).append(out.path(CARD))
    return changes
