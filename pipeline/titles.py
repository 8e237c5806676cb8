"""Resolving digest entries without an id through arXiv title search (no Prefect here).

Distinct titles are searched ``per_request`` at a time with one ``ti:"..." OR ti:"..."``
query; a batch whose results were cut off by ``max_results`` is searched again title by
title. Every decision is kept in ``title_candidates`` with the best candidates, so weak and
ambiguous entries can be reviewed, and no title is searched twice. An overrides file pins or
forbids matches.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import polars as pl
from digestlake.core.tables import TITLE_CANDIDATES
from digestlake.lake.store import Lake
from digestlake.pipeline.ingest import write_resolved
from digestlake.pipeline.progress import progress
from digestlake.sources.arxiv_atom import ArxivRecord
from digestlake.sources.arxiv_client import ArxivClient, ArxivUnavailable
from digestlake.transforms.arxiv_papers import papers_from_records
from digestlake.transforms.citation_keys import family_name
from digestlake.transforms.title_match import Candidate, Overrides, TitleMatch, choose, title_query
from digestlake.transforms.titles import normalise_title


@dataclass(slots=True)
class ResolveReport:
    titles: int = 0  # distinct titles searched this run
    resolved: int = 0  # mentions resolved (search or pin)
    unresolved: int = 0
    requests: int = 0
    error: str | None = None


def titles_to_resolve(lake: Lake) -> pl.DataFrame:
    mentions = lake.read("mentions")
    done = lake.read("title_candidates")["mention_id"].unique()
    return mentions.filter(
        ~pl.col("deleted")
        & pl.col("title").is_not_null()
        & pl.col("arxiv_id").is_null()
        & (pl.col("resolution") == "none")
        & ~pl.col("mention_id").is_in(done.implode())
    ).select("mention_id", "title", "authors")


def _candidates(records: list[ArxivRecord]) -> list[Candidate]:
    return [Candidate(r.arxiv_id, r.title, tuple(a.name for a in r.authors)) for r in records]


@dataclass(slots=True)
class _Group:
    """Mentions searched together: the same title and the same first author."""

    title_key: str
    title: str
    authors: list[str]
    mention_ids: list[str] = field(default_factory=list)
    match: TitleMatch | None = None
    decision: str = ""


def _groups(todo: pl.DataFrame) -> list[_Group]:
    groups: dict[tuple[str, str], _Group] = {}
    for row in todo.iter_rows(named=True):
        title_key = normalise_title(row["title"]) or row["title"]
        first = family_name(row["authors"][0]) if row["authors"] else ""
        group = groups.setdefault(
            (title_key, first), _Group(title_key, row["title"], row["authors"])
        )
        group.mention_ids.append(row["mention_id"])
    return list(groups.values())


def _decide(group: _Group, records: list[ArxivRecord], overrides: Overrides) -> None:
    match = choose(
        group.title,
        group.authors,
        _candidates(records),
        overrides.forbid.get(group.title_key, set()),
    )
    group.match = match
    group.decision = (
        "accepted" if match.arxiv_id else match.reason.split(":")[0] if match.ranked else "none"
    )


def _search(
    groups: list[_Group],
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
                _decide(g, results[id(g)], overrides)
            advance(len(batch))
    return found


def _candidate_rows(group: _Group, now: datetime) -> list[dict]:
    match = group.match
    ranked = match.ranked or [None]
    return [
        {
            "mention_id": mid,
            "rank": rank,
            "query_title": group.title,
            "arxiv_id": s.candidate.arxiv_id if s else match.arxiv_id,
            "title": s.candidate.title if s else None,
            "title_score": s.title_score if s else None,
            "author": s.author if s else None,
            "decision": group.decision if rank == 0 else "candidate",
            "checked_at": now,
        }
        for mid in group.mention_ids
        for rank, s in enumerate(ranked)
    ]


def _commit(
    lake: Lake, decided: list[_Group], found: dict[str, ArxivRecord], now: datetime
) -> None:
    resolved = [g for g in decided if g.match.arxiv_id]
    accepted = {
        g.match.arxiv_id: found[g.match.arxiv_id] for g in resolved if g.match.arxiv_id in found
    }
    lake.upsert("papers", papers_from_records(accepted.values(), now))
    rows = [row for g in decided for row in _candidate_rows(g, now)]
    candidates = pl.DataFrame(rows, schema=TITLE_CANDIDATES.schema)
    lake.upsert("title_candidates", candidates)
    updates = pl.DataFrame(
        [
            {
                "mention_id": mid,
                "paper_id_new": g.match.arxiv_id,
                "resolution_new": "override" if g.decision == "pinned" else "api_search",
                "score_new": g.match.score,
            }
            for g in resolved
            for mid in g.mention_ids
        ],
        schema={
            "mention_id": pl.String,
            "paper_id_new": pl.String,
            "resolution_new": pl.String,
            "score_new": pl.Float64,
        },
    )
    mentions = (
        lake.read("mentions")
        .join(updates, on="mention_id", how="left")
        .with_columns(
            paper_id=pl.coalesce("paper_id_new", "paper_id"),
            resolution=pl.coalesce("resolution_new", "resolution"),
            resolution_score=pl.coalesce("score_new", "resolution_score"),
        )
        .drop("paper_id_new", "resolution_new", "score_new")
    )
    write_resolved(lake, mentions)


def resolve_titles(
    lake: Lake,
    client: ArxivClient,
    now: datetime,
    overrides: Overrides | None = None,
    *,
    per_request: int = 10,
    max_results: int = 100,
) -> ResolveReport:
    overrides = overrides or Overrides()
    groups = _groups(titles_to_resolve(lake))
    report = ResolveReport(titles=len(groups))
    for g in groups:
        if g.title_key in overrides.pin:
            g.match, g.decision = TitleMatch(overrides.pin[g.title_key], 1.0, "pinned"), "pinned"
        elif "*" in overrides.forbid.get(g.title_key, set()) or title_query(g.title) is None:
            g.match, g.decision = TitleMatch(None, 0.0, "forbidden"), "none"
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
        _commit(lake, decided, found, now)
    return report
