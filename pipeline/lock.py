"""The lake lock as the config asks for it (``[run] on_busy``, ``wait_timeout_s``).

A local lake is locked with ``flock`` (``lake/lock.py``). A lake at a URL is shared between
machines, where no file lock reaches: there the lock is a Prefect global concurrency limit of
one slot named after the lake, held as a lease that Prefect renews while the run lives and
lets expire when it dies, so the Prefect server every worker talks to is the one arbiter.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from datetime import UTC, datetime

from digestlake.core.location import Location
from digestlake.lake.lock import LakeBusy, LockState, lake_lock
from digestlake.lake.runs import new_run_id
from digestlake.pipeline.config import Config


def hold_lake(config: Config, run_id: str | None = None) -> AbstractContextManager[LockState]:
    """Every flow that writes holds this; a nested hold in the same process is free."""
    location = Location(config.lake_path)
    wait = config.run.on_busy == "wait"
    if location.local_path is None:
        return _lease(location.url, wait, config.run.wait_timeout_s)
    return lake_lock(
        location.local_path,
        run_id or new_run_id(datetime.now(UTC)),
        wait=wait,
        timeout_s=config.run.wait_timeout_s,
    )


LEASE_S = 60


def lease_name(url: str) -> str:
    return "digestlake-lake-" + hashlib.sha256(url.encode()).hexdigest()[:12]


@contextmanager
def _lease(url: str, wait: bool, timeout_s: float) -> Iterator[LockState]:
    from prefect.client.orchestration import get_client
    from prefect.concurrency.sync import concurrency

    name = lease_name(url)
    with get_client(sync_client=True) as client:
        client.upsert_global_concurrency_limit_by_name(name, 1)
    held = ExitStack()
    try:  # a killed holder's lease expires after LEASE_S; a live one renews it
        held.enter_context(
            concurrency(
                name,
                occupy=1,
                strict=True,
                timeout_seconds=timeout_s if wait else 1,
                lease_duration=LEASE_S,
            )
        )
    except TimeoutError as exc:
        raise LakeBusy(f"lake {url} is busy: another run holds {name} in Prefect") from exc
    with held:
        yield LockState("free")
