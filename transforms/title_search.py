"""Title search decisions: which mentions are searched together, what each search decided,
the ``title_candidates`` rows that keep it, and the resolutions those rows imply.

The decisions are the record: ``searched_resolutions`` derives a mention's paper from them on
every reconcile, so a crash between storing a decision and rewriting the mentions loses
nothing, and no title is searched twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import polars as pl

from digestlake.core.tables import LIVE, TITLE_CANDIDATES
from digestlake.transforms.citation_keys import family_name
from digestlake.transforms.title_match import (
    Candidate,
    Overrides,
    TitleMatch,
    choose,
    first_person,
    title_query,
)
from digestlake.transforms.titles import normalise_title

# A decision that resolves its mention, and the resolution it gives.
RESOLVING = {"accepted": "api_search", "pinned": "override"}


def titles_to_search(mentions: pl.DataFrame, candidates: pl.DataFrame) -> pl.DataFrame:
    """Live mentions with a title, no arXiv id, no paper found otherwise and no decision yet."""
    done = candidates["mention_id"].unique()
    return mentions.filter(
        LIVE
        & pl.col("title").is_not_null()
        & pl.col("arxiv_id").is_null()
        & (pl.col("resolution") == "none")
        & ~pl.col("mention_id").is_in(done.implode())
    ).select("mention_id", "title", "authors")


@dataclass(slots=True)
class TitleGroup:
    """Mentions searched together: the same title and the same first person, the inputs of
    the decision."""

    title_key: str
    title: str
    authors: list[str]
    mention_ids: list[str] = field(default_factory=list)
    match: TitleMatch | None = None
    decision: str = ""


def title_groups(todo: pl.DataFrame, overrides: Overrides) -> list[TitleGroup]:
    """Groups to search; those the overrides pin or forbid are decided already."""
    groups: dict[tuple[str, str], TitleGroup] = {}
    for row in todo.iter_rows(named=True):
        title_key = normalise_title(row["title"]) or row["title"]
        first = family_name(first_person(row["authors"] or []) or "")
        group = groups.setdefault(
            (title_key, first), TitleGroup(title_key, row["title"], row["authors"])
        )
        group.mention_ids.append(row["mention_id"])
    for g in groups.values():
        if g.title_key in overrides.pin:
            g.match, g.decision = TitleMatch(overrides.pin[g.title_key], 1.0, "pinned"), "pinned"
        elif "*" in overrides.forbid.get(g.title_key, set()) or title_query(g.title) is None:
            g.match, g.decision = TitleMatch(None, 0.0, "forbidden"), "none"
    return list(groups.values())


def decide(group: TitleGroup, candidates: list[Candidate], overrides: Overrides) -> None:
    match = choose(
        group.title, group.authors, candidates, overrides.forbid.get(group.title_key, set())
    )
    group.match = match
    group.decision = (
        "accepted" if match.arxiv_id else match.reason.split(":")[0] if match.ranked else "none"
    )


def candidate_rows(groups: list[TitleGroup], now: datetime) -> pl.DataFrame:
    """The ``title_candidates`` rows of decided groups: rank 0 carries the decision."""
    rows = []
    for group in groups:
        match = group.match
        ranked = match.ranked or [None]
        rows += [
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
    return pl.DataFrame(rows, schema=TITLE_CANDIDATES.schema)


def searched_resolutions(candidates: pl.DataFrame) -> pl.DataFrame:
    """mention_id -> the paper a search accepted or a pin named, with its resolution and score
    (a pin's score is 1)."""
    return candidates.filter(
        (pl.col("rank") == 0) & pl.col("decision").is_in(list(RESOLVING))
    ).select(
        "mention_id",
        searched_paper="arxiv_id",
        searched_resolution=pl.col("decision").replace_strict(RESOLVING),
        searched_score=pl.coalesce("title_score", pl.lit(1.0)),
    )
