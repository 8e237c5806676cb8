"""A dataset table as Parquet shards, named as the Hugging Face hub names them
(``train-00000-of-00002.parquet``), each of at most ``shard_rows`` rows, in the declared Arrow
schema (``string`` and ``list``, not polars' ``large_*``), zstd-compressed, with no write time
in them: the same rows give the same bytes."""

from __future__ import annotations

import io

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq


def shard_names(rows: int, shard_rows: int) -> list[str]:
    count = max(1, -(-rows // shard_rows))
    return [f"train-{k:05d}-of-{count:05d}.parquet" for k in range(count)]


def parquet_shards(df: pl.DataFrame, schema: pa.Schema, shard_rows: int) -> dict[str, bytes]:
    table = df.to_arrow().cast(schema)
    shards = {}
    for k, name in enumerate(shard_names(df.height, shard_rows)):
        out = io.BytesIO()
        part = table.slice(k * shard_rows, shard_rows)
        pq.write_table(part, out, compression="zstd", row_group_size=10_000)
        shards[name] = out.getvalue()
    return shards
