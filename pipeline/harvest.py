"""OAI-PMH harvest into ``papers`` and ``paper_versions``.

Each page is committed with the cursor after it (an ``OaiCursor`` in the source's ``sources``
row), so a run that stops, for any reason, continues at the next page; a finished list leaves
``from`` = the date the harvest started, which is where the next incremental harvest begins.
A token the server no longer accepts (they expire daily) restarts the list from ``from``;
records are upserts, so reading a page twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

import polars as pl

from digestlake.lake.source_state import read_source_states, write_source_states
from digestlake.lake.store import Lake
from digestlake.pipeline.config import SourceConfig
from digestlake.pipeline.store_arxiv import store_arxiv_papers
from digestlake.sources.arxiv_client import ArxivClient, ArxivUnavailable
from digestlake.sources.cursors import OaiCursor, dump_cursor, load_cursor
from digestlake.sources.oai_pmh import HostileXml, OaiError, OaiPage, list_records
from digestlake.transforms.arxiv_papers import oai_version_rows, papers_from_records
from digestlake.transforms.source_state import next_source_state


@dataclass(slots=True)
class HarvestReport:
    source_id: str
    pages: int = 0
    records: int = 0
    deleted: int = 0
    finished: bool = False
    error: str | None = None


def _commit(
    lake: Lake, source: SourceConfig, url: str, page: OaiPage, cursor: OaiCursor, now: datetime
) -> None:
    versions = oai_version_rows(
        (r.record.arxiv_id, v, d) for r in page.records for v, d in r.versions
    )
    papers = papers_from_records([r.record for r in page.records], now).with_columns(
        license=pl.Series([r.license for r in page.records], dtype=pl.String)
    )
    store_arxiv_papers(lake, papers, versions)
    old = read_source_states(lake).get(source.name)
    state = next_source_state(
        old, source_id=source.name, kind="oai", uri=url, now=now,
        cursor=dump_cursor(cursor), read=True,
    )  # fmt: skip
    write_source_states(lake, [state])


def harvest_oai(
    lake: Lake,
    client: ArxivClient,
    source: SourceConfig,
    oai_url: str,
    now: datetime,
    *,
    max_pages: int | None = None,
) -> HarvestReport:
    """Harvest until the list ends (or ``max_pages``), committing after every page. A server
    that cannot be reached or answers with an error or hostile XML stops the harvest, never
    the run: ``report.error`` says why, and the next run continues from the last page."""
    url = source.url or oai_url
    found = load_cursor((read_source_states(lake).get(source.name) or {}).get("cursor"))
    cursor = found if isinstance(found, OaiCursor) else OaiCursor()
    report = HarvestReport(source.name)
    restarted = False
    while max_pages is None or report.pages < max_pages:
        try:
            page = list_records(
                client, url, metadata_prefix=source.metadata_prefix, set_spec=source.set_spec,
                from_date=cursor.from_date, token=cursor.token,
            )  # fmt: skip
        except (OaiError, HostileXml, ArxivUnavailable) as exc:
            expired = isinstance(exc, OaiError) and exc.code == "badResumptionToken"
            if expired and cursor.token and not restarted:
                cursor, restarted = replace(cursor, token=None), True  # start the list again
                continue
            report.error = str(exc)
            break
        if cursor.token is None:
            cursor = replace(cursor, started=(page.response_date or now.isoformat())[:10])
        report.pages += 1
        report.records += len(page.records)
        report.deleted += len(page.deleted)
        cursor = replace(cursor, token=page.token)
        if page.token is None:
            cursor = OaiCursor(from_date=cursor.started)
            report.finished = True
        _commit(lake, source, url, page, cursor, now)
        if report.finished:
            break
    return report
