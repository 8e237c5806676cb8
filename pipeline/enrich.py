"""The enrich steps as plain functions (no Prefect here): arXiv metadata for known ids.

Ids are fetched in chunks and each chunk is committed, so a crash or an arXiv outage keeps
what was fetched; the papers left without metadata are simply still pending next run. Ids
arXiv does not know are recorded in ``arxiv_lookups`` and not asked again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import polars as pl
from digestlake.core.ids import ARXIV_SOURCES
from digestlake.core.tables import ARXIV_LOOKUPS
from digestlake.lake.store import Lake
from digestlake.pipeline.ingest import write_resolved
from digestlake.pipeline.progress import progress
from digestlake.pipeline.titles import ResolveReport
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
    harvests: list = field(default_factory=list)  # HarvestReport per OAI-PMH source


def pending_ids(lake: Lake) -> list[str]:
    papers = lake.read("papers", columns=["arxiv_id", "metadata_source"])
    unknown = lake.read("arxiv_lookups").filter(pl.col("status") == "unknown")["arxiv_id"]
    waiting = papers.filter(
        pl.col("arxiv_id").is_not_null()
        & ~pl.col("metadata_source").is_in(ARXIV_SOURCES)
        & ~pl.col("arxiv_id").is_in(unknown.implode())
    )
    return sorted(waiting["arxiv_id"].to_list())


def commit_fetched(lake: Lake, result: FetchResult, now: datetime) -> None:
    records = list(result.records.values())
    lookups = pl.DataFrame(
        [{"arxiv_id": i, "status": "found", "checked_at": now} for i in result.records]
        + [{"arxiv_id": i, "status": "unknown", "checked_at": now} for i in result.missing],
        schema=ARXIV_LOOKUPS.schema,
    )
    store_arxiv_papers(lake, papers_from_records(records, now), versions_from_records(records))
    lake.upsert("arxiv_lookups", lookups)


def store_arxiv_papers(lake: Lake, papers: pl.DataFrame, versions: pl.DataFrame) -> None:
    """Upsert papers and their versions as arXiv gave them (API or OAI-PMH)."""
    lake.upsert("papers", papers)
    lake.upsert("paper_versions", versions)


def enrich_papers(
    lake: Lake, client: ArxivClient, now: datetime, *, chunk: int = 1000, batch_size: int = 200
) -> EnrichReport:
    """Fetch metadata for every pending id; stop early (and say why) when arXiv is unavailable."""
    ids = pending_ids(lake)
    report = EnrichReport(pending=len(ids))
    with progress("arXiv: metadata by id", len(ids)) as advance:
        for start in range(0, len(ids), chunk):
            try:
                result = client.fetch_ids(ids[start : start + chunk], batch_size=batch_size)
            except ArxivUnavailable as exc:
                report.error = str(exc)
                break
            commit_fetched(lake, result, now)
            report.enriched += len(result.records)
            report.unknown += len(result.missing)
            advance(len(result.records) + len(result.missing))
    if report.enriched:
        # arXiv's titles may match digest entries that had no id: resolve again.
        write_resolved(lake, lake.read("mentions"))
    report.waiting = len(pending_ids(lake))
    report.requests, report.cache_hits = client.requests_made, client.cache_hits
    return report
