"""The ``publish`` flow: citation keys, then every export file that changed."""

from __future__ import annotations

from datetime import UTC, datetime

from digestlake.lake.store import Lake
from digestlake.pipeline.config import load_config
from digestlake.pipeline.lock import hold_lake
from digestlake.pipeline.publish import PublishReport, publish
from prefect import flow, task
from prefect.cache_policies import NO_CACHE


@task(name="publish-exports", cache_policy=NO_CACHE)
def publish_task(config_path: str | None, biblatex: bool) -> PublishReport:
    config = load_config(config_path)
    return publish(
        Lake(config.lake_path),
        config.exports_path,
        config.exports,
        datetime.now(UTC),
        biblatex=biblatex,
    )


@flow(name="publish")
def publish_flow(config_path: str | None = None, biblatex: bool = False) -> PublishReport:
    """Issue citation keys for new papers and rewrite the exports that changed."""
    with hold_lake(load_config(config_path)):
        return publish_task(config_path, biblatex)
