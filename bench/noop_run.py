"""Benchmark: the cost of a pipeline run with nothing new, against an empty Prefect flow run.

A lake is filled from the shipped samples once; then, interleaved, best of --runs each:
  process   `digestlake run --offline` (nothing new) against `python -c <an empty @flow>`: both
            whole processes with their embedded Prefect server, as a scheduler or `make run`
            starts them, sharing one PREFECT_HOME
  in-process  pipeline_flow() against empty_flow(), both in one process after its embedded
            server is up: what the pipeline itself costs on top of one flow run
Every no-op run is checked to rewrite no file of the lake or the exports (a new ``runs`` file,
its own record, is the only new file). Target (issue 5): process ratio <= 1.2.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import options

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from digestlake.core.location import Location, changed_files  # noqa: E402

SAMPLES = ROOT / "data" / "samples"
EMPTY_FLOW = """
from prefect import flow
@flow
def empty():
    return None
empty()
"""
IN_PROCESS = """
import sys, time
from digestlake.flows.prefect_env import configure_prefect
from pathlib import Path
configure_prefect(Path(sys.argv[2]))
from prefect import flow
from digestlake.flows.pipeline import pipeline_flow
@flow
def empty():
    return None
empty()  # starts the embedded server
times = {"empty": [], "pipeline": []}
for _ in range(int(sys.argv[3])):
    for name, call in (("empty", empty), ("pipeline", lambda: pipeline_flow(sys.argv[1], True))):
        t = time.perf_counter()
        call()
        times[name].append(time.perf_counter() - t)
print(min(times["empty"]), min(times["pipeline"]))
"""


def config(work: Path) -> Path:
    path = work / "digestlake.toml"
    path.write_text(
        '[lake]\npath = "lake"\n[exports]\npath = "exports"\n[cache]\npath = "cache"\n'
        f'[[sources]]\nname = "digests"\nkind = "digest"\npath = "{SAMPLES / "digests"}"\n'
        f'[[sources]]\nname = "legacy"\nkind = "digest"\npath = "{SAMPLES / "digests-legacy"}"\n'
        'encoding = "cp949"\n'
        f'[[sources]]\nname = "vault"\nkind = "vault"\npath = "{SAMPLES / "vault"}"\n'
    )
    return path


def timed(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    args = options(__doc__, runs=3)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        cfg = config(work)
        env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
        env |= {
            "PREFECT_HOME": str(work / "cache" / "prefect"),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_LOGGING_LEVEL": "WARNING",
        }
        ours = [
            sys.executable,
            "-m",
            "digestlake.flows.cli",
            "run",
            "--offline",
            "--config",
            str(cfg),
        ]
        empty = [sys.executable, "-c", EMPTY_FLOW]
        timed(ours, env)  # fills the lake, migrates the Prefect database
        rewritten: list[str] = []
        base, noop = [], []
        for _ in range(args.runs):
            base.append(timed(empty, env))
            lake, exports = Location(work / "lake"), Location(work / "exports")
            before = lake.state(), exports.state()
            noop.append(timed(ours, env))
            after = lake.state(), exports.state()
            rewritten += [
                f
                for old, new in zip(before, after, strict=True)
                for f in changed_files(old, new)
                if f in old  # a changed or removed file; a new runs/ file is the run's record
            ]
        inproc = subprocess.run(
            [sys.executable, "-c", IN_PROCESS, str(cfg), str(work / "cache"), str(args.runs)],
            env=env, cwd=ROOT, check=True, capture_output=True, text=True,
        )  # fmt: skip
        empty_s, pipeline_s = map(float, inproc.stdout.split())
    b, o = min(base), min(noop)
    print(f"no-op pipeline run vs an empty Prefect flow run, best of {args.runs}")
    print(f"  process: empty flow {b:6.2f} s, `digestlake run` (nothing new) {o:6.2f} s")
    median = statistics.median(noop) / statistics.median(base)
    print(f"    ratio {o / b:.2f} (target <= 1.2); ratio of the medians {median:.2f}")
    print(
        f"  in-process: empty flow {empty_s:.2f} s, pipeline flow {pipeline_s:.2f} s, "
        f"ratio {pipeline_s / empty_s:.2f}"
    )
    print(f"  files rewritten by the no-op runs: {len(rewritten)} {rewritten[:5]}")


if __name__ == "__main__":
    main()
