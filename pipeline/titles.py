"""Entries without an id, resolved through arXiv title search.

Distinct titles are searched ``per_request`` at a time with one ``ti:"..." OR ti:"..."``
query; a batch whose results were cut off by ``max_results`` is searched again title by
title. Every decision is kept in ``title_candidates`` with the best candidates, so weak and
ambiguous entries can be reviewed, and no title is searched twice; the next reconcile applies
the accepted ones (``transforms/title_search.py``). An overrides file pins or forbids matches.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from digestlake.lake.store import Lake
from digestlake.pipeline.progress import progress
from digestlake.sources.arxiv_atom import ArxivRecord
from digestlake.sources.arxiv_client import ArxivClient, ArxivUnavailable
from digestlake.transforms.arxiv_papers import papers_from_records
from digestlake.transforms.title_match import Candidate, Overrides, title_query
from digestlake.transforms.title_search import (
    TitleGroup,
    candidate_rows,
    decide,
    title_groups,
    titles_to_search,
)


@dataclass(slots=True)
class ResolveReport:
    titles: int = 0  # distinct titles searched this run
    resolved: int = 0  # mentions resolved (search or pin)
    unresolved: int = 0
    requests: int = 0
    error: str | None = None


def _candidates(records: list[ArxivRecord]) -> list[Candidate]:
    return [Candidate(r.arxiv_id, r.title, tuple(a.name for a in r.authors)) for r in records]


def _search(
    groups: list[TitleGroup],
    client: ArxivClient,
    overrides: Overrides,
    per_request: int,
    max_results: int,
) -> dict[str, ArxivRecord]:
    """Search the undecided groups; returns every record seen (for the accepted papers)."""
    found: dict[str, ArxivRecord] = {}
    queue = [g for g in groups if g.match is None]
    with progress("arXiv: searching titles", len(queue)) as advance:
        for start in range(0, len(queue), per_request):
            batch = queue[start : start + per_request]
            feed = client.search(" OR ".join(title_query(g.title) for g in batch), max_results)
            results = {id(g): feed.records for g in batch}
            if feed.total > len(feed.records) and len(batch) > 1:  # cut off: one at a time
                results = {
                    id(g): client.search(title_query(g.title), max_results).records for g in batch
                }
            for g in batch:
                found.update({r.arxiv_id: r for r in results[id(g)]})
                decide(g, _candidates(results[id(g)]), overrides)
            advance(len(batch))
    return found


def resolve_titles(
    lake: Lake,
    client: ArxivClient,
    now: datetime,
    overrides: Overrides | None = None,
    *,
    per_request: int = 10,
    max_results: int = 100,
) -> ResolveReport:
    """Search the titles no decision covers yet; store the decisions and accepted papers."""
    overrides = overrides or Overrides()
    todo = titles_to_search(lake.read("mentions"), lake.read("title_candidates"))
    groups = title_groups(todo, overrides)
    report = ResolveReport(titles=len(groups))
    before = client.requests_made
    found: dict[str, ArxivRecord] = {}
    try:
        found = _search(groups, client, overrides, per_request, max_results)
    except ArxivUnavailable as exc:
        report.error = str(exc)  # what was decided before the failure is still kept
    report.requests = client.requests_made - before
    decided = [g for g in groups if g.match is not None]
    report.resolved = sum(len(g.mention_ids) for g in decided if g.match.arxiv_id)
    report.unresolved = sum(len(g.mention_ids) for g in decided) - report.resolved
    if decided:
        accepted = {g.match.arxiv_id for g in decided} & set(found)
        lake.upsert("papers", papers_from_records([found[i] for i in sorted(accepted)], now))
        lake.upsert("title_candidates", candidate_rows(decided, now))
    return report
