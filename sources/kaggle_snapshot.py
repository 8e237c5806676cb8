"""The Kaggle arXiv metadata snapshot (``arxiv-metadata-oai-snapshot.json``), read in chunks.

The file is 4.5 GB of JSON lines; it is read as chunks of whole lines (about 64 MB each) so
memory stays bounded whatever its size. A chunk with a malformed line is parsed line by line,
so the bad lines are reported by number and the rest is still read.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from digestlake.transforms.snapshot import KAGGLE_SCHEMA

CHUNK_BYTES = 64 * 1024 * 1024


@dataclass(slots=True)
class SnapshotChunk:
    records: pl.DataFrame
    first_line: int
    size: int  # bytes of the file this chunk covers, for progress
    bad_lines: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)


def _line_chunks(path: Path, size: int) -> Iterator[tuple[int, bytes]]:
    """Blocks of whole lines; the partial line at a block's end is read again with the next."""
    line = 1
    with path.open("rb") as fh:
        while block := fh.read(size):
            cut = block.rfind(b"\n") + 1
            if cut == 0:  # one line longer than a block: take more
                while (more := fh.read(size)) and b"\n" not in more:
                    block += more
                block += more
                cut = block.rfind(b"\n") + 1 or len(block)
            if cut < len(block):
                fh.seek(cut - len(block), io.SEEK_CUR)
                block = block[:cut]
            yield line, block
            line += block.count(b"\n")


def _parse_lines(data: bytes, first_line: int) -> SnapshotChunk:
    good: list[bytes] = []
    bad: list[tuple[int, str]] = []
    for n, raw in enumerate(data.splitlines(), start=first_line):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
            if not isinstance(record, dict) or not isinstance(record.get("id"), str):
                raise ValueError("not a record with an id")
            pl.read_ndjson(raw, schema=KAGGLE_SCHEMA)
        except (ValueError, pl.exceptions.PolarsError) as exc:
            bad.append((n, f"{type(exc).__name__}: {str(exc)[:200]}"))
            continue
        good.append(raw)
    records = (
        pl.read_ndjson(io.BytesIO(b"\n".join(good)), schema=KAGGLE_SCHEMA)
        if good
        else pl.DataFrame(schema=KAGGLE_SCHEMA)
    )
    return SnapshotChunk(records, first_line, len(data), bad)


def _parse_chunk(first_line: int, data: bytes) -> SnapshotChunk:
    try:
        return SnapshotChunk(
            pl.read_ndjson(io.BytesIO(data), schema=KAGGLE_SCHEMA), first_line, len(data)
        )
    except pl.exceptions.PolarsError:
        return _parse_lines(data, first_line)


def scan_snapshot(path: Path) -> pl.LazyFrame:
    """The whole file for polars' streaming engine (fails on the first malformed line). A
    ``file://`` URI makes polars read it in ranges: given a plain path it maps the whole file,
    and the mapped pages count against the process (2.8 GB resident for a 2.8 GB file)."""
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such snapshot file")
    return pl.scan_ndjson(path.resolve().as_uri(), schema=KAGGLE_SCHEMA)


def read_snapshot(path: Path, chunk_bytes: int = CHUNK_BYTES) -> Iterator[SnapshotChunk]:
    """Parsed chunks in file order; the next chunk is read and parsed in a background thread
    while the caller works on the current one (polars releases the GIL), two at most in memory."""
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such snapshot file")
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = None
        for first_line, data in _line_chunks(path, chunk_bytes):
            future = pool.submit(_parse_chunk, first_line, data)
            if pending is not None:
                yield pending.result()
            pending = future
        if pending is not None:
            yield pending.result()
