"""Benchmark: importing a Kaggle-format snapshot, time and peak memory, against a baseline.

A file of N records (default 2,000,000) is generated from ../shared/fixtures/arxiv/
kaggle_sample.jsonl with fresh ids spread over 2007-2025. Then, each in its own process so
peak memory (max RSS) is its own, interleaved, best of --runs:
  baseline  polars.scan_ndjson(file).sink_parquet(out): reading and storing, nothing else
  ours      pipeline.snapshot.load_snapshot into an empty lake
Targets (issue 9): ours / baseline <= 1.3 in time; peak memory <= 1 GiB. Peak memory is said
twice: max RSS (the kernel's VmHWM, which counts the file pages polars maps while it reads),
and the peak of anonymous memory (RssAnon, sampled every 20 ms: what the process allocated).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from common import need, options

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT.parent / "shared" / "fixtures" / "arxiv" / "kaggle_sample.jsonl"

SAMPLER = r"""
import re, resource, threading, time
peak = [0]
def sample():
    while True:
        status = open("/proc/self/status").read()
        peak[0] = max(peak[0], int(re.search(r"RssAnon:\s+(\d+)", status).group(1)))
        time.sleep(0.02)
threading.Thread(target=sample, daemon=True).start()
def report(seconds):
    print(seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, peak[0])
"""
BASELINE = (
    SAMPLER
    + """
import sys, polars as pl
t = time.perf_counter()
pl.scan_ndjson(sys.argv[1]).sink_parquet(sys.argv[2])
report(time.perf_counter() - t)
"""
)
OURS = (
    SAMPLER
    + """
import sys
from pathlib import Path
from digestlake.pipeline.snapshot import load_snapshot
from digestlake.lake.store import Lake
t = time.perf_counter()
load_snapshot(Lake(sys.argv[2]), Path(sys.argv[1]), progress=False)
report(time.perf_counter() - t)
"""
)


def generate(path: Path, n: int, *, distinct_titles: bool = False) -> None:
    """Records in id order, as the real snapshot lists them; ``distinct_titles``: each title
    made unique by its id, as the real snapshot's are (else they repeat the sample's)."""
    sample = [json.loads(line) for line in SAMPLE.open(encoding="utf-8")]
    months = [f"{y % 100:02d}{m:02d}" for y in range(2007, 2026) for m in range(1, 13)]
    per_month = -(-n // len(months))
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            record = dict(sample[i % len(sample)])
            record["id"] = f"{months[i // per_month]}.{i % per_month:05d}"
            if distinct_titles:
                record["title"] = f"{record['title']} {record['id']}"
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


def run(code: str, *args: str) -> tuple[float, float, float]:
    """Seconds, max RSS and peak anonymous memory (GiB) of ``code`` in a fresh process."""
    out = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
    )
    seconds, rss_kb, anon_kb = out.stdout.split()
    return float(seconds), int(rss_kb) / 1024**2, int(anon_kb) / 1024**2


def main() -> None:
    args = options(__doc__, records=2_000_000, runs=2)
    need(SAMPLE, "the real snapshot sample")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        data = work / "snapshot.jsonl"
        generate(data, args.records)
        size = data.stat().st_size / 1024**3
        base, ours = [], []
        for i in range(args.runs):
            base.append(run(BASELINE, str(data), str(work / f"base{i}.parquet")))
            ours.append(run(OURS, str(data), str(work / f"lake{i}")))
    b, o = min(base), min(ours)
    print(f"snapshot of {args.records:,} records ({size:.2f} GiB), best of {args.runs} runs")
    for name, runs, best in (("baseline scan_ndjson -> sink_parquet", base, b),
                             ("load_snapshot into the lake", ours, o)):  # fmt: skip
        rss, anon = max(r[1] for r in runs), max(r[2] for r in runs)
        print(f"  {name:<37} {best[0]:7.1f} s, max RSS {rss:.2f} GiB, peak anon {anon:.2f} GiB")
    ratios = sorted(ours[i][0] / base[i][0] for i in range(args.runs))
    print(f"  ours / baseline = {o[0] / b[0]:.2f} best, per round {ratios} (target <= 1.3)")
    print("  peak memory target <= 1 GiB")


if __name__ == "__main__":
    main()
