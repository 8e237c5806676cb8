"""How a verb runs its steps. The verb decides what runs, in which order, and what a failure
costs (one source failing never stops the others); the runner decides how each step runs.

``Runner`` calls steps in turn, in this process: the library and the tests use it. ``flows/``
supplies a runner that makes each step a Prefect task (retries, concurrency, artifacts), the
lake lease for a lake at a URL, and the cross-worker arXiv limit. So the CLI verb, the library
call and the Prefect flow share one behaviour.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import TypeVar

from digestlake.lake.lock import LakeBusy, LockState

A = TypeVar("A")
T = TypeVar("T")


class Runner:
    def step(self, name: str, fn: Callable[..., T], *args: object, **kwargs: object) -> T:
        """One step of a verb; its exception is the verb's."""
        return fn(*args, **kwargs)

    def each(
        self,
        name: str,
        fn: Callable[[A], T],
        items: Sequence[A],
        *,
        label: Callable[[A], str] = str,
        retry_if: Callable[[BaseException], bool] | None = None,
    ) -> list[T | Exception]:
        """``fn`` for every item, each failure kept in its place instead of raised.
        ``retry_if`` names the failures worth a retry where the runner retries."""
        results: list[T | Exception] = []
        for item in items:
            try:
                results.append(fn(item))
            except Exception as exc:  # isolated: the verb reports it for this item only
                results.append(exc)
        return results

    def lease(self, url: str, *, wait: bool, timeout_s: float) -> AbstractContextManager[LockState]:
        """The lock of a lake at a URL, where no file lock reaches across machines."""
        raise LakeBusy(
            f"lake {url} is at a URL: its lock is a Prefect lease, so run it through "
            "digestlake's CLI or flows (digestlake.flows.runner.PrefectRunner)"
        )

    def arxiv_gate(self, min_interval_s: float) -> Callable[[], None] | None:
        """Called before every arXiv request, for a limit shared with other workers."""
        return None

    def publish_report(self, markdown: str, description: str) -> None:
        """Where the run report goes besides the ``runs`` table."""

    @property
    def flow_run_id(self) -> str | None:
        return None


class SingleWriterRunner(Runner):
    """For a caller that guarantees no other writer of a lake at a URL (one job owns it):
    no lease is taken. A local lake is still locked with ``flock``."""

    def lease(self, url: str, *, wait: bool, timeout_s: float) -> AbstractContextManager[LockState]:
        return nullcontext(LockState("free"))


LOCAL = Runner()
