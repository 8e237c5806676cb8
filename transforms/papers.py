"""Mentions resolved to papers, and the papers table built from what mentions say.

One paper per arXiv id. A mention without an id joins the paper whose normalised title is
the same (only when exactly one arXiv paper has that title), otherwise it gets a provisional
paper ``dl:<hash>`` that a later resolution can merge into a real one.
"""

from __future__ import annotations

import hashlib
import re

import polars as pl

from digestlake.core.ids import ARXIV_SOURCES, PROVISIONAL_PREFIX
from digestlake.core.tables import LIVE, NAMES_A_PAPER, PAPERS, id_bucket
from digestlake.transforms.titles import normalise_title

_NOTE_NAME = re.compile(r"^(?:.*/)?(?:\d{6}\s+)?(?P<title>.+?)\.md$")


def provisional_id(basis: str) -> str:
    return PROVISIONAL_PREFIX + hashlib.sha1(basis.encode()).hexdigest()[:16]


def _title_norm(col: str) -> pl.Expr:
    return pl.col(col).map_elements(normalise_title, return_dtype=pl.String)


def papers_read_by_resolution(
    mentions: pl.DataFrame, searched: pl.DataFrame | None
) -> tuple[pl.Series, pl.Series]:
    """The ``title_norm`` and ``paper_id`` values whose ``papers`` rows are all that
    ``resolve_mentions`` looks at (it joins papers on nothing else): the mentions' titles,
    and the papers a mention can resolve to by id, its own arXiv id or a searched paper (a
    provisional paper is never one arXiv described). A lake of millions of papers is read for
    these rows only."""
    titles = mentions.select(_title_norm("title"))["title"].drop_nulls().unique()
    ids = [mentions["arxiv_id"]]
    if searched is not None:
        ids.append(searched["searched_paper"])
    return titles, pl.concat(ids).drop_nulls().unique()


def resolve_mentions(
    mentions: pl.DataFrame, papers: pl.DataFrame, searched: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Set ``paper_id``, ``resolution`` and ``resolution_score`` on every mention: its own
    arXiv id first, then what a title search or a pin decided (``searched``, from
    ``transforms.title_search.searched_resolutions``), then a unique title, else provisional.
    A deleted mention keeps its paper only while that paper exists (``_paper_or_none``)."""
    m = mentions.with_columns(_tn=_title_norm("title"))
    known = pl.concat(
        [
            m.filter(pl.col("arxiv_id").is_not_null() & LIVE).select(
                pl.col("_tn"), pl.col("arxiv_id")
            ),
            papers.filter(pl.col("arxiv_id").is_not_null()).select(
                pl.col("title_norm").alias("_tn"), "arxiv_id"
            ),
        ]
    ).filter(pl.col("_tn").is_not_null())
    unique_titles = (
        known.group_by("_tn")
        .agg(pl.col("arxiv_id").unique().alias("_ids"))
        .filter(pl.col("_ids").list.len() == 1)
        .select("_tn", pl.col("_ids").list.first().alias("_match"))
    )
    m = m.join(unique_titles, on="_tn", how="left")
    if searched is not None:
        m = m.join(searched, on="mention_id", how="left")
    else:
        m = m.with_columns(
            searched_paper=pl.lit(None, pl.String),
            searched_resolution=pl.lit(None, pl.String),
            searched_score=pl.lit(None, pl.Float64),
        )
    # An entry with neither title nor link (a remark of the author's) is no paper at all.
    basis = pl.coalesce(pl.col("_tn"), pl.col("source_urls").list.first())
    was_searched = pl.col("searched_paper").is_not_null()
    explicit = pl.col("arxiv_id").is_not_null()
    by_title = pl.col("_match").is_not_null()
    how = (
        pl.when(explicit)
        .then(pl.lit("explicit_link"))
        .when(was_searched)
        .then(pl.col("searched_resolution"))
        .when(by_title)
        .then(pl.lit("title_match"))
        .otherwise(pl.lit("none"))
    )
    decided = pl.col("resolution")  # after the first step below: the decision just made
    resolved = (
        m.with_columns(resolution=how)
        .with_columns(
            paper_id=pl.when(decided == "explicit_link")
            .then(pl.col("arxiv_id"))
            .when(decided == "title_match")
            .then(pl.col("_match"))
            .when(decided == "none")  # a provisional paper; no basis, no paper (null)
            .then(basis.map_elements(provisional_id, return_dtype=pl.String))
            .otherwise(pl.col("searched_paper")),
            resolution_score=pl.when(decided.is_in(["explicit_link", "title_match"]))
            .then(1.0)
            .when(decided != "none")
            .then(pl.col("searched_score")),
        )
        .drop("_tn", "_match", "searched_paper", "searched_resolution", "searched_score")
    )
    return _paper_or_none(resolved, papers)


def _paper_or_none(mentions: pl.DataFrame, papers: pl.DataFrame) -> pl.DataFrame:
    """A deleted mention whose paper neither arXiv described nor a live mention names (the
    papers ``build_papers`` builds) gets no paper: ``paper_id`` null, resolution ``none``.
    Keeping the paper alive for it would enrich, count and key a paper no digest mentions
    now; the mention's own ``arxiv_id`` still says what it named, and it resolves again if
    the note comes back. So every mention's ``paper_id`` is in ``papers`` or null."""
    kept = pl.concat(
        [
            mentions.filter(LIVE)["paper_id"].drop_nulls(),
            papers.filter(has_arxiv_metadata())["paper_id"],
        ]
    )
    orphan = pl.col("deleted") & ~pl.col("paper_id").is_in(kept.implode())
    return mentions.with_columns(
        paper_id=pl.when(orphan).then(None).otherwise("paper_id"),
        resolution=pl.when(orphan).then(pl.lit("none")).otherwise("resolution"),
        resolution_score=pl.when(orphan).then(None).otherwise("resolution_score"),
    )


def _note_title(file: str | None) -> str | None:
    m = _NOTE_NAME.match(file or "")
    return m.group("title").strip() if m else None


def has_arxiv_metadata() -> pl.Expr:
    """A ``papers`` row whose metadata came from arXiv itself (API, OAI-PMH, snapshot)."""
    return pl.col("metadata_source").is_in(ARXIV_SOURCES)


def arxiv_wins(existing: pl.DataFrame, derived: pl.DataFrame) -> pl.DataFrame:
    """The papers of ``existing`` (arXiv-described rows kept as they are) with ``derived``
    (papers built from mentions): arXiv metadata wins over what a note or a digest says, so a
    derived row replaces only a row that arXiv has not described."""
    kept = existing.filter(has_arxiv_metadata())
    fresh = derived.filter(~pl.col("paper_id").is_in(kept["paper_id"].implode()))
    return pl.concat([kept, fresh.select(kept.columns)])


# What a paper built from mentions depends on: which mentions name it, their content, liveness.
RESOLUTION_INPUTS = ["mention_id", "paper_id", "content_hash", "deleted"]


def buckets_to_rewrite(
    before: pl.DataFrame, after: pl.DataFrame, stored: pl.DataFrame, derived: pl.DataFrame
) -> set[str]:
    """The ``papers`` buckets whose papers built from mentions may differ from what is stored:
    those of every paper a changed mention named before or names now (a paper's row depends
    only on its mentions' content, resolution and liveness), and those where the set of
    derived papers changed. ``before``/``after``: mentions with ``RESOLUTION_INPUTS``;
    ``stored``/``derived``: ``paper_id`` and ``bucket`` of the stored and the new derived papers."""
    old, new = before.select(RESOLUTION_INPUTS), after.select(RESOLUTION_INPUTS)
    changed = pl.concat(
        [
            new.join(old, on=RESOLUTION_INPUTS, how="anti", nulls_equal=True),
            old.join(new, on=RESOLUTION_INPUTS, how="anti", nulls_equal=True),
        ]
    )["paper_id"].drop_nulls()
    ids = pl.DataFrame({"paper_id": changed.unique()}).with_columns(bucket=id_bucket("paper_id"))
    appeared = derived.join(stored, on="paper_id", how="anti")
    vanished = stored.join(derived, on="paper_id", how="anti")
    return set(ids["bucket"]) | set(appeared["bucket"]) | set(vanished["bucket"])


def build_papers(mentions: pl.DataFrame) -> pl.DataFrame:
    """Papers from resolved mentions, in the ``papers`` schema (``arxiv_wins`` decides which
    of them replace what the lake has)."""
    active = mentions.filter(NAMES_A_PAPER)
    fallback_title = pl.when(pl.col("kind") == "note").then(
        pl.col("file").map_elements(_note_title, return_dtype=pl.String)
    )
    # The richest account of the paper wins: one with an abstract, a note over a digest.
    best = (
        active.with_columns(title=pl.coalesce("title", fallback_title))
        .sort(
            [
                pl.col("abstract").is_null(),
                pl.col("title").is_null(),
                pl.col("kind") != "note",
                "digest_date",
                "mention_id",
            ],
            descending=[False, False, False, True, False],
            nulls_last=True,
        )
        .group_by("paper_id", maintain_order=True)
        .agg(
            pl.col("title").first(),
            pl.col("abstract").first(),
            pl.col("authors").first(),
            pl.col("kind").first(),
            pl.col("source_urls").first(),
            pl.col("arxiv_id").drop_nulls().first(),
            pl.col("arxiv_version").max().alias("latest_version"),
        )
    )
    is_arxiv = ~pl.col("paper_id").str.starts_with(PROVISIONAL_PREFIX)
    derived = best.select(
        "paper_id",
        arxiv_id=pl.when(is_arxiv).then(pl.col("paper_id")),
        latest_version="latest_version",
        title="title",
        title_norm=_title_norm("title"),
        abstract="abstract",
        authors=pl.col("authors").list.eval(
            pl.struct(name=pl.element(), affiliation=pl.lit(None, pl.String))
        ),
        url=pl.when(is_arxiv)
        .then(pl.format("https://arxiv.org/abs/{}", pl.col("paper_id")))
        .otherwise(pl.col("source_urls").list.first()),
        metadata_source=pl.col("kind"),
    )
    return derived.select(
        pl.col(c) if c in derived.columns else pl.lit(None).alias(c) for c in PAPERS.columns
    ).cast(PAPERS.schema)
