"""``enrich``: arXiv metadata for the lake's papers, in the order that needs the fewest
requests: OAI-PMH harvests, then metadata by id for papers that have one, then a title search
for entries that have none. Mentions are reconciled once, at the end.

Ids are fetched in chunks and each chunk is committed, so a crash or an arXiv outage keeps
what was fetched; the papers left without metadata are simply still pending next run. Ids
arXiv does not know are recorded in ``arxiv_lookups`` and not asked again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import polars as pl

from digestlake.core.tables import ARXIV_LOOKUPS
from digestlake.lake.store import Lake
from digestlake.pipeline.config import Config
from digestlake.pipeline.harvest import HarvestReport, harvest_oai
from digestlake.pipeline.overrides import load_overrides
from digestlake.pipeline.progress import progress
from digestlake.pipeline.reconcile import reconcile, stored_derived_papers
from digestlake.pipeline.recorded import recorded_run
from digestlake.pipeline.runner import LOCAL, Runner
from digestlake.pipeline.store_arxiv import store_arxiv_papers
from digestlake.pipeline.titles import ResolveReport, resolve_titles
from digestlake.sources.arxiv_client import ArxivClient, ArxivUnavailable, FetchResult
from digestlake.transforms.arxiv_papers import papers_from_records, versions_from_records


@dataclass(slots=True)
class EnrichReport:
    pending: int  # papers with an arXiv id but no arXiv metadata when the step began
    enriched: int = 0
    unknown: int = 0  # ids arXiv does not know (recorded, not asked again)
    waiting: int = 0  # still without metadata when the step ended (arXiv unavailable)
    requests: int = 0
    cache_hits: int = 0
    error: str | None = None
    resolution: ResolveReport | None = None  # the title search that followed, if it ran
    harvests: list[HarvestReport] = field(default_factory=list)


def pending_ids(lake: Lake) -> list[str]:
    unknown = lake.read("arxiv_lookups").filter(pl.col("status") == "unknown")["arxiv_id"]
    waiting = stored_derived_papers(lake).filter(
        pl.col("arxiv_id").is_not_null() & ~pl.col("arxiv_id").is_in(unknown.implode())
    )
    return sorted(waiting["arxiv_id"].to_list())


def _commit_fetched(lake: Lake, result: FetchResult, now: datetime) -> None:
    records = list(result.records.values())
    lookups = pl.DataFrame(
        [{"arxiv_id": i, "status": "found", "checked_at": now} for i in result.records]
        + [{"arxiv_id": i, "status": "unknown", "checked_at": now} for i in result.missing],
        schema=ARXIV_LOOKUPS.schema,
    )
    store_arxiv_papers(lake, papers_from_records(records, now), versions_from_records(records))
    lake.upsert("arxiv_lookups", lookups)


def fetch_pending(
    lake: Lake, client: ArxivClient, now: datetime, *, chunk: int = 1000, batch_size: int = 200
) -> EnrichReport:
    """Fetch metadata for every pending id; stop early (and say why) when arXiv is unavailable.
    What was fetched is committed once, at the end (one commit per table): a run stopped before
    that loses no request, as every response is in the client's cache. Mentions are not
    reconciled here: the verb does that once."""
    ids = pending_ids(lake)
    report = EnrichReport(pending=len(ids))
    fetched = FetchResult()
    with progress("arXiv: metadata by id", len(ids)) as advance:
        for start in range(0, len(ids), chunk):
            try:
                result = client.fetch_ids(ids[start : start + chunk], batch_size=batch_size)
            except ArxivUnavailable as exc:
                report.error = str(exc)
                break
            fetched.records.update(result.records)
            fetched.missing += result.missing
            advance(len(result.records) + len(result.missing))
    if fetched.records or fetched.missing:
        _commit_fetched(lake, fetched, now)
    report.enriched, report.unknown = len(fetched.records), len(fetched.missing)
    report.waiting = len(pending_ids(lake))
    report.requests, report.cache_hits = client.requests_made, client.cache_hits
    return report


def arxiv_client(config: Config, *, offline: bool, runner: Runner) -> ArxivClient:
    """The one arXiv client of a run, with the runner's cross-worker limit."""
    return ArxivClient(
        api_url=config.arxiv.api_url,
        min_interval_s=config.arxiv.min_interval_s,
        policy=config.http,
        cache_dir=config.arxiv_cache_path,
        offline=offline,
        before_request=None if offline else runner.arxiv_gate(config.arxiv.min_interval_s),
    )


def enrich_papers(
    config: Config, lake: Lake, *, offline: bool, now: datetime, runner: Runner
) -> EnrichReport:
    """The enrich stage of a verb that holds the lake already (``run``)."""
    if not config.arxiv.enabled:
        waiting = len(pending_ids(lake))
        return EnrichReport(pending=waiting, waiting=waiting, error="arXiv disabled in the config")
    with arxiv_client(config, offline=offline, runner=runner) as client:
        harvests = [
            runner.step(
                f"harvest-{s.name}", harvest_oai, lake, client, s, config.arxiv.oai_url, now
            )
            for s in config.sources
            if s.kind == "oai" and s.enabled and not offline
        ]
        report = runner.step("fetch-by-id", fetch_pending, lake, client, now)
        report.harvests = harvests
        if report.error is None:  # arXiv answers: also search the titles that have no id
            overrides = load_overrides(config.arxiv.overrides)
            resolved = runner.step("search-titles", resolve_titles, lake, client, now, overrides)
            report.resolution, report.error = resolved, resolved.error
        report.requests, report.cache_hits = client.requests_made, client.cache_hits
    resolved = report.resolution.resolved if report.resolution else 0
    if report.enriched or resolved or any(h.records for h in harvests):
        # arXiv's papers and titles may resolve entries: reconcile once, for all of it.
        runner.step("reconcile", reconcile, lake)
    return report


def enrich(
    config: Config,
    *,
    offline: bool = False,
    now: datetime | None = None,
    runner: Runner = LOCAL,
) -> EnrichReport:
    """Fetch what arXiv knows about the lake's papers (``digestlake enrich``); an outage
    leaves them pending for the next run."""
    clock = (lambda: now) if now else None
    with recorded_run(config, runner, "enrich", clock) as rec:
        rec.report.enrich = enrich_papers(
            config, rec.lake, offline=offline, now=rec.started, runner=runner
        )
    return rec.report.enrich
