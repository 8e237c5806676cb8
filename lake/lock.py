"""One writer at a time: an advisory lock on ``<lake>/.lock``.

``flock`` is released by the kernel when its holder dies, even by SIGKILL, so a killed run
never blocks the next one. The file also says who holds it (run id, pid, host, since): a file
that still names a holder while nobody holds the lock is a stale lock, left by a run that was
killed; ``lock_state`` tells the two apart for ``digestlake status``.

Re-entrant within a process, so the ``pipeline`` flow can hold it around the ``ingest``,
``enrich`` and ``publish`` flows, which take it too when run on their own. ``flock`` works on
local filesystems; a lake shared between machines relies on one writer (see the README).
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from digestlake.core.nesting import Nesting
from digestlake.lake.delta import writing

LOCK_FILE = ".lock"
_POLL_S = 0.25
_HELD = Nesting()  # lake roots this process holds


class LakeBusy(RuntimeError):
    """Another run holds the lake."""


@dataclass(frozen=True, slots=True)
class LockState:
    state: str  # "free", "held" (a run is writing) or "stale" (its holder died)
    holder: dict | None = None

    def describe(self) -> str:
        if self.holder is None:
            return self.state
        h = self.holder
        who = f"run {h.get('run_id')} (pid {h.get('pid')} on {h.get('host')}"
        who += f", since {h.get('since')})"
        if self.state == "held":
            return f"held by {who}"
        return f"stale: {who} ended without releasing it; the next run takes over"


def _holder_of(fd: int) -> dict | None:
    os.lseek(fd, 0, os.SEEK_SET)
    raw = os.read(fd, 4096)
    try:
        return json.loads(raw) if raw.strip() else None
    except ValueError:
        return {"run_id": "?", "pid": "?", "host": "?", "since": "?"}


def lock_state(root: Path) -> LockState:
    path = Path(root) / LOCK_FILE
    if not path.exists():
        return LockState("free")
    fd = os.open(path, os.O_RDONLY)  # flock needs no write access: a read-only lake tells too
    try:
        holder = _holder_of(fd)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return LockState("held", holder)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return LockState("stale" if holder else "free", holder)
    finally:
        os.close(fd)


def lake_lock(
    root: Path, run_id: str, *, wait: bool, timeout_s: float
) -> AbstractContextManager[LockState]:
    """Hold the lake for one run. With ``wait`` false, or after ``timeout_s``, a busy lake is
    a ``LakeBusy`` error naming the run that holds it. Yields what was found on arrival
    (``stale`` when a killed run left its mark)."""
    root = Path(root).resolve()
    return _HELD.hold(root, partial(_flock, root, run_id, wait, timeout_s), LockState("held"))


@contextmanager
def _flock(root: Path, run_id: str, wait: bool, timeout_s: float) -> Iterator[LockState]:
    with writing(str(root)):  # the lock is the first write: a read-only or full disk, a file
        root.mkdir(parents=True, exist_ok=True)
        fd = os.open(root / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not wait or time.monotonic() >= deadline:
                    busy = LockState("held", _holder_of(fd)).describe()
                    waited = f" (waited {timeout_s:g} s)" if wait else ""
                    raise LakeBusy(f"lake {root} is busy: {busy}{waited}") from None
                time.sleep(_POLL_S)
        previous = _holder_of(fd)
        found = LockState("stale" if previous else "free", previous)
        holder = {
            "run_id": run_id,
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "since": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(holder).encode(), 0)
        try:
            yield found
        finally:
            os.ftruncate(fd, 0)  # released cleanly: an empty file is a free lock
    finally:
        os.close(fd)  # closing drops the flock
