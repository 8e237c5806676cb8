"""Benchmark: ingest the real vault (../shared/corpus/arxiv-today.bundle) at once.

Prints read, parse+normalise and write times, notes per second, and the ratio of the whole
ingest to a baseline measured side by side in this process: the same notes read from git and
written to Parquet as raw text, with no parsing. Best of N runs each (machines are noisy).
Targets (issue 2): parse+normalise >= 5,000 notes/s; whole vault < 2 s without Prefect.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
from common import need, options

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from digestlake.lake.store import Lake  # noqa: E402
from digestlake.pipeline.config import SourceConfig  # noqa: E402
from digestlake.pipeline.extract import SourceBatch  # noqa: E402
from digestlake.pipeline.ingest import commit_batches  # noqa: E402
from digestlake.sources.vault import read_vault_git  # noqa: E402
from digestlake.transforms.mentions import MentionInput, mentions_frame  # noqa: E402
from digestlake.transforms.note import parse_note  # noqa: E402

BUNDLE = ROOT.parent / "shared" / "corpus" / "arxiv-today.bundle"


def ours(work: Path) -> dict[str, float]:
    t0 = time.perf_counter()
    read = read_vault_git(str(BUNDLE), work / "mirror.git", None, fetch=False)
    t1 = time.perf_counter()
    inputs = []
    for note in read.notes:
        if note.text is not None and (entry := parse_note(note.text, note.path).entry):
            inputs.append(MentionInput(entry, note.path, note.identity, deleted=note.deleted))
    frame = mentions_frame("arxiv-today", "note", inputs)
    t2 = time.perf_counter()
    source = SourceConfig("arxiv-today", "vault", path=str(BUNDLE))
    batch = SourceBatch("arxiv-today", "vault", str(BUNDLE), read.cursor, mentions=frame,
                        reread_files=[n.path for n in read.notes])  # fmt: skip
    lake = Lake(work / "lake")
    commit_batches(lake, [source], [batch], {}, datetime.now(UTC))
    t3 = time.perf_counter()
    shutil.rmtree(work / "lake")
    return {"notes": len(read.notes), "read": t1 - t0, "parse": t2 - t1, "write": t3 - t2}


def baseline(work: Path) -> float:
    """Read the same notes and store them raw: the floor any ingest pays."""
    t0 = time.perf_counter()
    read = read_vault_git(str(BUNDLE), work / "mirror.git", None, fetch=False)
    raw = pl.DataFrame({"path": [n.path for n in read.notes], "text": [n.text for n in read.notes]})
    raw.write_parquet(work / "raw.parquet", compression="zstd")
    return time.perf_counter() - t0


def main() -> None:
    args = options(__doc__, runs=5)
    need(BUNDLE, "the real vault")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        read_vault_git(str(BUNDLE), work / "mirror.git", None)  # clone once, outside timing
        runs, bases = [], []
        for _ in range(args.runs):  # interleaved, so both see the same machine state
            bases.append(baseline(work))
            runs.append(ours(work))
    best = {k: min(r[k] for r in runs) for k in ("read", "parse", "write")}
    total = min(r["read"] + r["parse"] + r["write"] for r in runs)
    notes = runs[0]["notes"]
    base = min(bases)
    print(f"vault: {notes} notes (best of {args.runs} runs)")
    print(f"  read from git      {best['read']:.3f} s")
    rate = notes / best["parse"]
    print(f"  parse + normalise  {best['parse']:.3f} s  = {rate:,.0f} notes/s (target >= 5,000)")
    print(f"  merge + write lake {best['write']:.3f} s")
    print(f"  whole ingest       {total:.3f} s  = {notes / total:,.0f} notes/s (target < 2 s)")
    print(f"  baseline (read + raw Parquet, no parsing) {base:.3f} s")
    print(f"  ingest / baseline  {total / base:.2f}x")


if __name__ == "__main__":
    main()
