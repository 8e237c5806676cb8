"""The Prefect runner: a verb's steps as tasks of the flow run that calls the verb.

Per-item steps (one source each) are submitted together, so sources are read concurrently and
a transient failure is retried by Prefect; the arXiv limit is a strict global concurrency
limit (``arxiv-api``) taken before every request, so it holds for the whole deployment.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import TypeVar

from prefect import runtime, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import get_client
from prefect.concurrency.sync import rate_limit

from digestlake.flows.lease import lake_lease
from digestlake.lake.lock import LockState
from digestlake.pipeline.runner import Runner

A = TypeVar("A")
T = TypeVar("T")
ARXIV_LIMIT = "arxiv-api"
RETRY_DELAYS_S = [2, 10]


def ensure_rate_limit(min_interval_s: float) -> None:
    """Create or update the global limit so that ``rate_limit(strict=True)`` can find it. The
    slot decays 10% slower than the interval: a request that leaves a little late (a new
    connection) must still not arrive too soon after another worker's."""
    decay = 1.0 / (1.1 * min_interval_s) if min_interval_s > 0 else 1000.0
    with get_client(sync_client=True) as client:
        client.upsert_global_concurrency_limit_by_name(ARXIV_LIMIT, 1, slot_decay_per_second=decay)


def _take_slot() -> None:
    rate_limit(ARXIV_LIMIT, strict=True)


class PrefectRunner(Runner):
    def step(self, name: str, fn: Callable[..., T], *args: object, **kwargs: object) -> T:
        return task(fn, name=name, cache_policy=NO_CACHE)(*args, **kwargs)

    def each(
        self,
        name: str,
        fn: Callable[[A], T],
        items: Sequence[A],
        *,
        label: Callable[[A], str] = str,
        retry_if: Callable[[BaseException], bool] | None = None,
    ) -> list[T | Exception]:
        def should_retry(task, task_run, state) -> bool:
            exc = state.data if isinstance(state.data, BaseException) else None
            return exc is not None and retry_if is not None and retry_if(exc)

        each_task = task(
            fn,
            name=name,
            retries=len(RETRY_DELAYS_S) if retry_if else 0,
            retry_delay_seconds=RETRY_DELAYS_S,
            retry_condition_fn=should_retry,
            cache_policy=NO_CACHE,
        )
        futures = [
            each_task.with_options(task_run_name=f"{name}-{label(item)}").submit(item)
            for item in items
        ]
        results: list[T | Exception] = []
        for future in futures:
            try:
                results.append(future.result())
            except Exception as exc:  # isolated: the verb reports it for this item only
                results.append(exc)
        return results

    def lease(self, url: str, *, wait: bool, timeout_s: float) -> AbstractContextManager[LockState]:
        return lake_lease(url, wait=wait, timeout_s=timeout_s)

    def arxiv_gate(self, min_interval_s: float) -> Callable[[], None] | None:
        ensure_rate_limit(min_interval_s)
        return _take_slot

    def publish_report(self, markdown: str, description: str) -> None:
        create_markdown_artifact(markdown=markdown, key="pipeline-report", description=description)

    @property
    def flow_run_id(self) -> str | None:
        return str(runtime.flow_run.id) if runtime.flow_run.id else None


PREFECT = PrefectRunner()
