"""The lake lock as the config asks for it (``[run] on_busy``, ``wait_timeout_s``).

A local lake is locked with ``flock`` (``lake/lock.py``); a lake at a URL by the runner's
lease (a Prefect global concurrency limit, ``flows/lease.py``). Every verb that writes holds
the lake; a hold nested in another of the same process (``run`` calls ``ingest``) is free.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from functools import partial

from digestlake.core.location import Location
from digestlake.core.nesting import Nesting
from digestlake.lake.legacy import convert_legacy
from digestlake.lake.lock import LockState, lake_lock
from digestlake.lake.runs import new_run_id
from digestlake.pipeline.config import Config
from digestlake.pipeline.runner import Runner


def lease_name(url: str) -> str:
    """The Prefect global concurrency limit that locks the lake at ``url``."""
    return "digestlake-lake-" + hashlib.sha256(url.encode()).hexdigest()[:12]


_LEASED = Nesting()  # lake URLs this process holds the lease of


@contextmanager
def hold_lake(config: Config, runner: Runner, run_id: str | None = None) -> Iterator[LockState]:
    """Hold the lake, yielding what was found on arrival (``stale``: a killed run's mark).
    A lake still in the layout of an earlier digestlake is converted first, under the lock."""
    location = Location(config.lake_path)
    wait = config.run.on_busy == "wait"
    if location.local_path is None:
        held = _nested_lease(runner, location.url, wait, config.run.wait_timeout_s)
    else:
        held = lake_lock(
            location.local_path,
            run_id or new_run_id(datetime.now(UTC)),
            wait=wait,
            timeout_s=config.run.wait_timeout_s,
        )
    with held as found:
        convert_legacy(config.lake_path)
        yield found


def _nested_lease(
    runner: Runner, url: str, wait: bool, timeout_s: float
) -> AbstractContextManager[LockState]:
    acquire = partial(runner.lease, url, wait=wait, timeout_s=timeout_s)
    return _LEASED.hold(url, acquire, LockState("held"))
