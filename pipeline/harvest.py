"""OAI-PMH harvest into ``papers`` and ``paper_versions`` (no Prefect here).

Each page is committed with the cursor after it (``{"from", "token", "started"}`` as JSON in
the source's ``sources`` row), so a run that stops, for any reason, continues at the next
page; a finished list leaves ``from`` = the date the harvest started, which is where the next
incremental harvest begins. A token the server no longer accepts (they expire daily) restarts
the list from ``from``; records are upserts, so reading a page twice changes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import polars as pl
from digestlake.core.tables import (
    PAPER_VERSIONS,
    SOURCES,
)
from digestlake.lake.store import Lake
from digestlake.pipeline.config import SourceConfig
from digestlake.pipeline.enrich import store_arxiv_papers
from digestlake.sources.arxiv_client import ArxivClient
from digestlake.sources.oai_pmh import OaiError, OaiPage, list_records
from digestlake.transforms.arxiv_papers import papers_from_records


@dataclass(slots=True)
class HarvestReport:
    source_id: str
    pages: int = 0
    records: int = 0
    deleted: int = 0
    finished: bool = False
    error: str | None = None


def _cursor(lake: Lake, source_id: str) -> dict:
    rows = lake.read("sources").filter(pl.col("source_id") == source_id)
    raw = rows["cursor"][0] if rows.height else None
    return json.loads(raw) if raw else {"from": None, "token": None, "started": None}


def _commit(
    lake: Lake, source: SourceConfig, url: str, page: OaiPage, cursor: dict, now: datetime
) -> None:
    records = [r.record for r in page.records]
    versions = pl.DataFrame(
        [
            {"arxiv_id": r.record.arxiv_id, "version": v, "submitted_at": d}
            for r in page.records
            for v, d in r.versions
        ],
        schema=PAPER_VERSIONS.schema,
    )
    papers = papers_from_records(records, now).with_columns(
        license=pl.Series([r.license for r in page.records], dtype=pl.String)
    )
    store_arxiv_papers(lake, papers, versions)
    row = pl.DataFrame(
        [
            {
                "source_id": source.name,
                "kind": "oai",
                "uri": url,
                "cursor": json.dumps(cursor, sort_keys=True),
                "last_success_at": now,
            }
        ],
        schema=SOURCES.schema,
    )
    lake.upsert("sources", row)


def harvest_oai(
    lake: Lake,
    client: ArxivClient,
    source: SourceConfig,
    oai_url: str,
    now: datetime,
    *,
    max_pages: int | None = None,
) -> HarvestReport:
    """Harvest until the list ends (or ``max_pages``), committing after every page."""
    url = source.url or oai_url
    cursor = _cursor(lake, source.name)
    report = HarvestReport(source.name)
    restarted = False
    while max_pages is None or report.pages < max_pages:
        try:
            page = list_records(
                client, url, metadata_prefix=source.metadata_prefix, set_spec=source.set_spec,
                from_date=cursor["from"], token=cursor["token"],
            )  # fmt: skip
        except OaiError as exc:
            if exc.code == "badResumptionToken" and cursor["token"] and not restarted:
                cursor, restarted = {**cursor, "token": None}, True  # expired: start the list again
                continue
            report.error = str(exc)
            break
        if cursor["token"] is None:
            cursor["started"] = (page.response_date or now.isoformat())[:10]
        report.pages += 1
        report.records += len(page.records)
        report.deleted += len(page.deleted)
        cursor["token"] = page.token
        if page.token is None:
            cursor = {"from": cursor["started"], "token": None, "started": None}
            report.finished = True
        _commit(lake, source, url, page, cursor, now)
        if report.finished:
            break
    return report
