"""Benchmark: a run that adds one digest day, on a lake holding a 2 M-paper snapshot, against
the same run on a lake without it.

Both lakes first ingest the same digest days (the shipped samples); one has also imported a
snapshot of N generated records (default 2,000,000, as bench/snapshot_import.py makes them,
but with distinct titles: resolution looks the run's titles up among all of them).
Each round clones both lakes (hard links: Delta never rewrites a data file), adds the same new
day, and times ``run --offline`` (ingest, enrich skipped, publish) in this process, the two
lakes in alternating order. Target (issue 9): with the snapshot <= 1.5x without.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from common import need, options
from snapshot_import import SAMPLE, generate

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from digestlake.lake.frame_cache import FRAMES  # noqa: E402
from digestlake.lake.store import Lake  # noqa: E402
from digestlake.pipeline.config import ArxivConfig, Config, SourceConfig  # noqa: E402
from digestlake.pipeline.run import run  # noqa: E402
from digestlake.pipeline.snapshot import load_snapshot  # noqa: E402

NEW_DAY = """2024년 3월 7일
A Brand New Paper About Sparse Attention
(Ann Lee, Bob Park)
An abstract long enough to be an abstract, about sparse attention at scale.
코멘트: 새 논문.
#attention
"""


def config(home: Path) -> Config:
    return Config(
        lake_path=home / "lake", exports_path=home / "exports", cache_path=home / "cache",
        sources=[SourceConfig("digests", "digest", path=str(home / "digests"))],
        arxiv=ArxivConfig(enabled=False),
    )  # fmt: skip


def prepared(home: Path, snapshot: Path | None) -> Path:
    shutil.copytree(ROOT / "data" / "samples" / "digests", home / "digests")
    if snapshot is not None:
        load_snapshot(Lake(home / "lake"), snapshot, progress=False)
    run(config(home), offline=True)
    return home


def timed_round(template: Path, work: Path) -> float:
    subprocess.run(["cp", "-al", str(template), str(work)], check=True)
    (work / "digests" / "2024-03-07.txt").write_text(NEW_DAY)
    FRAMES.clear()  # each round as a fresh process would start
    started = time.perf_counter()
    run(config(work), offline=True, now=datetime(2026, 1, 2, tzinfo=UTC))
    return time.perf_counter() - started


def main() -> None:
    args = options(__doc__, records=2_000_000, runs=5)
    need(SAMPLE, "the real snapshot sample")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        data = work / "snapshot.jsonl"
        generate(data, args.records, distinct_titles=True)
        big = prepared(work / "big", data)
        small = prepared(work / "small", None)
        papers = Lake(big / "lake").row_counts()["papers"]
        with_s, without_s = [], []
        for i in range(args.runs):
            order = [(big, with_s), (small, without_s)]
            for template, times in order if i % 2 else reversed(order):
                times.append(timed_round(template, work / f"{template.name}-{i}"))
    print(f"a run adding one digest day, best of {args.runs} (lakes alternating)")
    print(f"  lake with the snapshot ({papers:,} papers)  {min(with_s):6.2f} s")
    print(f"  lake without it                        {min(without_s):6.2f} s")
    median = statistics.median(a / b for a, b in zip(with_s, without_s, strict=True))
    print(f"  ratio {min(with_s) / min(without_s):.2f} best, {median:.2f} median per round")
    print("  (target <= 1.5)")


if __name__ == "__main__":
    main()
