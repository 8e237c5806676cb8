"""The lock of a lake at a URL: a Prefect global concurrency limit of one slot named after the
lake, held as a lease that Prefect renews while the run lives and lets expire when it dies, so
the Prefect server every worker talks to is the one arbiter (no file lock reaches across
machines)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from prefect.client.orchestration import get_client
from prefect.concurrency.sync import concurrency

from digestlake.lake.lock import LakeBusy, LockState
from digestlake.pipeline.lock import lease_name

LEASE_S = 60


@contextmanager
def lake_lease(url: str, *, wait: bool, timeout_s: float) -> Iterator[LockState]:
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
