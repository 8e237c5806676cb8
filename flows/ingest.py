"""The ``ingest`` flow: one task per source, then a single commit to the lake."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from digestlake.lake.store import Lake
from digestlake.pipeline.config import Config, SourceConfig, load_config
from digestlake.pipeline.ingest import IngestReport, SourceBatch, commit_batches, extract_source
from digestlake.pipeline.lock import hold_lake
from digestlake.sources.digest_files import SourceUnavailable
from digestlake.sources.git import GitError
from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture


def _transient(task, task_run, state) -> bool:
    """Retry network trouble; a missing folder or a bad repository will not heal in seconds."""
    exc = state.data if isinstance(state.data, BaseException) else None
    return isinstance(exc, SourceUnavailable) and exc.transient


@task(
    name="extract-source",
    task_run_name="extract-{source.name}",
    retries=2,
    retry_delay_seconds=[2, 10],
    retry_condition_fn=_transient,
    cache_policy=NO_CACHE,
)
def extract_source_task(
    source: SourceConfig, lake_path: Path, cache: Path, offline: bool
) -> SourceBatch:
    return extract_source(source, Lake(lake_path), cache, offline=offline)


@task(name="commit-lake", cache_policy=NO_CACHE)
def commit_task(
    lake_path: Path,
    sources: list[SourceConfig],
    batches: list[SourceBatch],
    failures: dict[str, str],
) -> IngestReport:
    return commit_batches(Lake(lake_path), sources, batches, failures, datetime.now(UTC))


def _describe(exc: BaseException) -> str:
    return (
        str(exc)
        if isinstance(exc, SourceUnavailable | GitError)
        else f"{type(exc).__name__}: {exc}"
    )


def ingest_sources(config: Config, offline: bool) -> IngestReport:
    """Read every enabled source, one task each, then commit them in one task; a source that
    fails is reported and the others go on. Called inside a flow that holds the lake."""
    sources = [s for s in config.sources if s.enabled and s.kind in ("digest", "vault")]
    futures: dict[str, PrefectFuture] = {
        s.name: extract_source_task.submit(s, config.lake_path, config.cache_path, offline)
        for s in sources
    }
    batches: list[SourceBatch] = []
    failures: dict[str, str] = {}
    for name, future in futures.items():
        try:
            batches.append(future.result())
        except Exception as exc:  # reported per source; never stops the other sources
            failures[name] = _describe(exc)
    return commit_task(config.lake_path, sources, batches, failures)


@flow(name="ingest", log_prints=True)
def ingest_flow(config_path: str | None = None, offline: bool = False) -> IngestReport:
    """Read every enabled source into the lake."""
    config = load_config(config_path)
    with hold_lake(config):
        return ingest_sources(config, offline)
