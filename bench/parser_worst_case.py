"""Benchmark: each parser step on its pathological input, timed at n and 2n characters.

The inputs are those of tests/test_parser_limits.py (long runs of ``*(``, ``(``, ``#``,
spaces, ``[[``, ``http://``, Hangul, nested parentheses, distinct tags ...). A linear step
shows a ratio near 2 when the input doubles, a quadratic one near 4. Best of --runs each.
"""

from __future__ import annotations

import gc
import sys
import time
from pathlib import Path

from common import options

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from test_parser_limits import CASES  # noqa: E402

from digestlake.transforms.titles import latex_to_text  # noqa: E402


def best_time(step, text: str, runs: int) -> float:
    """Best of ``runs``, with the garbage collector off as timeit does, and the LaTeX cache of
    normalise_title emptied so that every run converts."""
    times = []
    gc.disable()
    try:
        for _ in range(runs):
            latex_to_text.cache_clear()
            start = time.perf_counter()
            step(text)
            times.append(time.perf_counter() - start)
    finally:
        gc.enable()
    return min(times)


def main() -> None:
    args = options(__doc__, n=200_000, runs=3)
    print(f"{'input':34} {'n=' + str(args.n):>12} {'2n':>12} {'ratio':>6}")
    worst = 0.0
    for name, step, build in CASES:
        small = best_time(step, build(args.n), args.runs)
        large = best_time(step, build(2 * args.n), args.runs)
        ratio = large / small if small else float("nan")
        worst = max(worst, ratio)
        print(f"{name:34} {small * 1e3:10.1f}ms {large * 1e3:10.1f}ms {ratio:6.2f}")
    print(f"worst ratio {worst:.2f} (2 = linear, 4 = quadratic)")


if __name__ == "__main__":
    main()
