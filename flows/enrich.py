"""The ``enrich`` flow: arXiv metadata for the papers that have an id and none yet.

The process-wide gate in the client spaces requests inside one process; across Prefect
workers a strict global concurrency limit (``arxiv-api``, one slot decaying at 1/interval per
second) is taken before every request, so the limit holds for the whole deployment.
"""

from __future__ import annotations

from datetime import UTC, datetime

from digestlake.lake.store import Lake
from digestlake.pipeline.config import ArxivConfig, load_config, load_overrides
from digestlake.pipeline.enrich import EnrichReport, enrich_papers, pending_ids
from digestlake.pipeline.harvest import harvest_oai
from digestlake.pipeline.lock import hold_lake
from digestlake.pipeline.titles import resolve_titles
from digestlake.sources.arxiv_client import ArxivClient
from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import get_client
from prefect.concurrency.sync import rate_limit

ARXIV_LIMIT = "arxiv-api"


def ensure_rate_limit(config: ArxivConfig) -> None:
    """Create or update the global limit so that ``rate_limit(strict=True)`` can find it. The
    slot decays 10% slower than the interval: a request that leaves a little late (a new
    connection) must still not arrive too soon after another worker's."""
    decay = 1.0 / (1.1 * config.min_interval_s) if config.min_interval_s > 0 else 1000.0
    with get_client(sync_client=True) as client:
        client.upsert_global_concurrency_limit_by_name(ARXIV_LIMIT, 1, slot_decay_per_second=decay)


def _take_slot() -> None:
    rate_limit(ARXIV_LIMIT, strict=True)


@task(name="enrich-arxiv", cache_policy=NO_CACHE)
def enrich_task(config_path: str | None, offline: bool) -> EnrichReport:
    config = load_config(config_path)
    lake = Lake(config.lake_path)
    if not config.arxiv.enabled:
        return EnrichReport(
            pending=len(pending_ids(lake)),
            waiting=len(pending_ids(lake)),
            error="arXiv disabled in the config",
        )
    if not offline:
        ensure_rate_limit(config.arxiv)
    client = ArxivClient(
        api_url=config.arxiv.api_url,
        min_interval_s=config.arxiv.min_interval_s,
        cache_dir=config.arxiv_cache_path,
        offline=offline,
        before_request=None if offline else _take_slot,
    )
    with client:
        now = datetime.now(UTC)
        harvests = [
            harvest_oai(lake, client, source, config.arxiv.oai_url, now)
            for source in config.sources
            if source.kind == "oai" and source.enabled and not offline
        ]
        report = enrich_papers(lake, client, now)
        report.harvests = harvests
        if report.error is None:  # arXiv answers: also search the titles that have no id
            resolved = resolve_titles(lake, client, now, load_overrides(config.arxiv.overrides))
            report.resolution = resolved
            report.error = resolved.error
            report.requests, report.cache_hits = client.requests_made, client.cache_hits
        return report


@flow(name="enrich")
def enrich_flow(config_path: str | None = None, offline: bool = False) -> EnrichReport:
    """Fetch what arXiv knows about pending papers; an outage leaves them pending."""
    with hold_lake(load_config(config_path)):
        return enrich_task(config_path, offline)
