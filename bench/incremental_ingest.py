"""Incremental ingest's fixed cost: the vault's history replayed commit by commit.

Each round replays ``--commits`` commits (after the first ``--start`` ingested at once) into a
fresh lake twice, interleaved: with the lake's frame cache (``lake/frame_cache.py``: a file
already decoded is not decoded again while its write id holds) and without it (budget 0, the
baseline: every read decodes every file). Prints seconds per commit and the ratio.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import need, options

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from conftest import ingest_into  # noqa: E402

from digestlake.lake.frame_cache import FRAMES  # noqa: E402
from digestlake.pipeline.config import SourceConfig  # noqa: E402

BUNDLE = ROOT.parent / "shared" / "corpus" / "arxiv-today.bundle"
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def cpu_s() -> float:
    """CPU seconds of this process and its children (git): less noisy than the wall clock
    on a shared machine."""
    own, children = (
        resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def replay(work: Path, commits: list[str], start: int, budget: int) -> tuple[float, float]:
    """Wall and CPU seconds per commit for commits[start:], after commits[:start] at once."""
    FRAMES.budget_bytes = budget  # each replay has a lake of its own: nothing cached is shared
    lake, cache = work / f"lake-{budget}", work / "cache"
    ingest_into(lake, [SourceConfig("v", "vault", path=str(BUNDLE), rev=commits[start - 1])],
                T0, cache)  # fmt: skip
    t0, c0 = time.perf_counter(), cpu_s()
    for i, sha in enumerate(commits[start:]):
        source = SourceConfig("v", "vault", path=str(BUNDLE), rev=sha)
        ingest_into(lake, [source], T0 + timedelta(hours=i + 1), cache)
    n = len(commits) - start
    return (time.perf_counter() - t0) / n, (cpu_s() - c0) / n


def main() -> None:
    args = options(__doc__, start=150, commits=40, rounds=2)
    need(BUNDLE, "the real note vault")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        subprocess.run(["git", "clone", "-q", str(BUNDLE), str(work / "clone")], check=True)
        listed = subprocess.run(["git", "-C", str(work / "clone"), "rev-list", "--reverse", "HEAD"],
                                capture_output=True, text=True, check=True)  # fmt: skip
        commits = listed.stdout.split()[: args.start + args.commits]
        budget = FRAMES.budget_bytes
        ours, base = [], []
        for r in range(args.rounds):
            ours.append(replay(work / f"ours{r}", commits, args.start, budget))
            base.append(replay(work / f"base{r}", commits, args.start, 0))
    print(f"{args.commits} commits replayed one by one on the real vault, best of {args.rounds}:")
    for i, what in enumerate(("wall", "CPU")):
        o, b = min(x[i] for x in ours), min(x[i] for x in base)
        print(f"  {what:>4}: with the frame cache {o:.3f} s per commit, without {b:.3f} s", end="")
        print(f": {b / o:.2f}x")


if __name__ == "__main__":
    main()
