"""The lake lock: one writer, a clear error for the second, stale locks told apart."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from digestlake.lake.lock import LakeBusy, lake_lock, lock_state

HOLD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from digestlake.lake.lock import lake_lock
    with lake_lock(Path(sys.argv[1]), "other-run", wait=False, timeout_s=0):
        print("held", flush=True)
        time.sleep(60)
    """
)


def _holder(root: Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(root)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_a_second_writer_is_told_who_holds_the_lake(tmp_path: Path) -> None:
    proc = _holder(tmp_path)
    try:
        assert lock_state(tmp_path).state == "held"
        with (
            pytest.raises(LakeBusy, match=rf"run other-run \(pid {proc.pid}"),
            lake_lock(tmp_path, "me", wait=False, timeout_s=0),
        ):
            pass
        start = time.monotonic()
        with (
            pytest.raises(LakeBusy, match=r"waited 0\.5 s"),
            lake_lock(tmp_path, "me", wait=True, timeout_s=0.5),
        ):
            pass
        assert time.monotonic() - start >= 0.5
    finally:
        proc.terminate()
        proc.wait()


def test_a_killed_holder_leaves_a_stale_lock_the_next_run_takes_over(tmp_path: Path) -> None:
    proc = _holder(tmp_path)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    state = lock_state(tmp_path)
    assert state.state == "stale" and state.holder["run_id"] == "other-run"
    assert "ended without releasing it" in state.describe()
    with lake_lock(tmp_path, "next", wait=False, timeout_s=0) as found:
        assert found.state == "stale" and found.holder["pid"] == proc.pid
        assert lock_state(tmp_path).state == "held"
    assert lock_state(tmp_path).state == "free"


def test_waiting_writer_gets_the_lake_when_it_is_released(tmp_path: Path) -> None:
    proc = _holder(tmp_path)
    proc.terminate()  # SIGTERM: the holder dies, the kernel drops its lock
    with lake_lock(tmp_path, "me", wait=True, timeout_s=30) as found:
        assert found.state in ("stale", "free")
    proc.wait()


def test_the_lock_is_reentrant_within_a_process(tmp_path: Path) -> None:
    with (
        lake_lock(tmp_path, "outer", wait=False, timeout_s=0),
        lake_lock(tmp_path, "inner", wait=False, timeout_s=0),
    ):
        assert lock_state(tmp_path).holder["run_id"] == "outer"
    assert lock_state(tmp_path).state == "free"
