"""SIGKILL at random moments of a run on the real vault: after each kill every table opens at a
committed version, and the rerun ends with the tables and the exact exports of a run that was
never interrupted.

The run is the ``run`` verb in a plain process (the steps Prefect would run, without its
start-up), killed at a moment drawn uniformly over an uninterrupted run's duration. The suite
draws ``KILLS`` moments (``DIGESTLAKE_KILLS`` sets another number; 20 were drawn for the
issue)."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest
from conftest import BUNDLE, MEASUREMENTS, mask_run_ids, need_shared

from digestlake.core.tables import TABLES
from digestlake.lake.frame_cache import FRAMES
from digestlake.lake.store import Lake

KILLS = int(os.environ.get("DIGESTLAKE_KILLS", "2"))
# One clock for every run: the exports carry when a mention was first seen.
RUN = """
import sys
from datetime import UTC, datetime
from digestlake.pipeline.config import load_config
from digestlake.pipeline.run import run
run(load_config(sys.argv[1]), offline=True, now=datetime(2026, 1, 1, tzinfo=UTC))
"""


def _config(folder: Path) -> Path:
    folder.mkdir(parents=True)
    config = folder / "digestlake.toml"
    config.write_text(
        '[lake]\npath = "lake"\n[exports]\npath = "exports"\n[cache]\npath = "cache"\n'
        '[arxiv]\nenabled = false\n[[sources]]\nname = "vault"\nkind = "vault"\n'
        f'path = "{need_shared(BUNDLE)}"\n'
    )
    return config


def _start(config: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIGESTLAKE_")}
    return subprocess.Popen([sys.executable, "-c", RUN, str(config)], env=env)


def _tables(lake: Path) -> dict[str, pl.DataFrame]:
    """Every table but ``runs``, without the moments a run stamps (when it saw a row)."""
    FRAMES.clear()  # as a new process reads it
    content = {}
    for name, spec in TABLES.items():
        if name != "runs":
            frame = Lake(lake).read(name)
            moments = [c for c, t in frame.schema.items() if isinstance(t, pl.Datetime)]
            content[name] = frame.drop(moments).sort(list(spec.key))
    return content


def _exports(root: Path) -> dict[str, bytes]:
    """Every export file; the dataset card's run id masked (a rerun is another run)."""
    files = {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}
    return {name: mask_run_ids(data) for name, data in files.items()}


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("kills") / "reference"
    config = _config(folder)
    started = time.monotonic()
    assert _start(config).wait(timeout=300) == 0
    return {
        "seconds": time.monotonic() - started,
        "tables": _tables(folder / "lake"),
        "exports": _exports(folder / "exports"),
        "root": folder.parent,
    }


def test_a_run_killed_anywhere_leaves_committed_tables_and_the_rerun_completes_it(
    uninterrupted: dict,
) -> None:
    draw = random.Random(int(os.environ.get("DIGESTLAKE_KILL_SEED", time.time_ns())))
    outcomes = []
    for trial in range(KILLS):
        config = _config(uninterrupted["root"] / f"killed-{trial}")
        moment = draw.uniform(0, uninterrupted["seconds"])
        run = _start(config)
        time.sleep(moment)
        killed = run.poll() is None
        run.kill()  # SIGKILL
        run.wait()
        lake = config.parent / "lake"
        if lake.exists():
            _tables(lake)  # every table opens at a committed version, its files whole
        assert _start(config).wait(timeout=300) == 0
        got = _tables(lake)
        for name, expected in uninterrupted["tables"].items():
            assert got[name].equals(expected, null_equal=True), (trial, moment, name)
        assert _exports(config.parent / "exports") == uninterrupted["exports"], (trial, moment)
        outcomes.append((round(moment, 2), killed))
    landed = sum(killed for _, killed in outcomes)
    MEASUREMENTS.append(
        f"SIGKILL during a vault run: {len(outcomes)}/{KILLS} reruns equal to an uninterrupted "
        f"run ({landed} kills landed before the run ended; run {uninterrupted['seconds']:.1f} s; "
        f"moments {sorted(m for m, _ in outcomes)})"
    )
