"""Every lake table declared in one place, with the schema version the tables carry.

Version history:
  1: first layout (Parquet files).
  2: ``papers`` and ``paper_versions`` partitioned by ``bucket`` (the id's YYMM, the archive of
     an old-style id, or ``dl`` for provisional papers), so a bulk import or an upsert rewrites
     only the months it touches. The bucket is derived from the id on read.
  3: every table a Delta table (``lake/``), the version in each table's configuration; ``runs``
     no longer partitioned (one small file per run, compacted by ``vacuum``) and recording
     the version each run left every table at. Versions 1 and 2 are converted on the first
     write (``lake/legacy.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

SCHEMA_VERSION = 3

_STR = pl.String
_LIST_STR = pl.List(pl.String)
_TS = pl.Datetime("us", "UTC")


@dataclass(frozen=True, slots=True)
class TableSpec:
    name: str
    columns: dict[str, pl.DataType]
    key: tuple[str, ...]
    # Delta partition column (kept out of the data files; its value is in the table log).
    partition_by: str | None = None
    # Columns computed from others whenever the table is read or written (the bucket).
    derived: dict[str, pl.Expr] | None = None
    # String columns whose min, max and null count each file's add action records beside
    # the key's, so that reads can skip files by them (``Lake.read(holding_other_than=)``).
    stats: tuple[str, ...] = ()

    @property
    def stats_columns(self) -> tuple[str, ...]:
        return (*self.key, *self.stats)

    @property
    def schema(self) -> pl.Schema:
        return pl.Schema(self.columns)

    def empty(self) -> pl.DataFrame:
        return pl.DataFrame(schema=self.schema)


SOURCES = TableSpec(
    "sources",
    {
        "source_id": _STR,
        "kind": _STR,
        "uri": _STR,
        "cursor": _STR,  # digest: content digest or ETag; vault: last ingested commit
        "last_success_at": _TS,  # when the cursor last advanced
        "last_error": _STR,
        "last_error_at": _TS,  # since when last_error has held
    },
    key=("source_id",),
)

# Signals: what a source says about a paper beside the digest's own text (null where it has
# none), one typed column each so they are queryable per mention. hf-daily: upvotes, comments,
# github_repo and github_stars, project_page, submitter (the HF user), organization (the HF
# organisation), ai_keywords, and machine_summary (HF's AI-written summary, kept apart: never
# the digest author's commentary). Feeds: guid (the item's identity in its feed) and
# announce_type (arXiv listings: new | cross | replace | replace-cross).
MENTION_SIGNALS: dict[str, pl.DataType] = {
    "upvotes": pl.Int32,
    "comments": pl.Int32,
    "github_repo": _STR,
    "github_stars": pl.Int32,
    "project_page": _STR,
    "submitter": _STR,
    "organization": _STR,
    "ai_keywords": _LIST_STR,
    "machine_summary": _STR,
    "announce_type": _STR,
    "guid": _STR,
}

MENTIONS = TableSpec(
    "mentions",
    {
        "mention_id": _STR,
        "source_id": _STR,
        "kind": _STR,  # digest | note | feed | hf-daily | links
        "file": _STR,  # path inside the source (or the URL) the mention was read from
        "line": pl.Int32,
        "digest_date": pl.Date,
        "position": pl.Int32,
        "title": _STR,
        "authors": _LIST_STR,
        "authors_raw": _STR,
        "author_org": _STR,
        "abstract": _STR,
        "commentary": _STR,
        "commentary_ko": _STR,
        "commentary_en": _STR,
        "tags": _LIST_STR,
        "links": _LIST_STR,
        "source_urls": _LIST_STR,
        "wikilinks": _LIST_STR,
        "cited_arxiv_ids": _LIST_STR,
        "arxiv_id": _STR,
        "arxiv_version": pl.Int32,
        "paper_id": _STR,
        "resolution": _STR,  # explicit_link | title_match | api_search | none
        "resolution_score": pl.Float64,
        "content_hash": _STR,
        "deleted": pl.Boolean,
        "first_seen_at": _TS,
        "updated_at": _TS,
        **MENTION_SIGNALS,
    },
    key=("mention_id",),
    partition_by="source_id",
)


# A mention still in its source (a deleted one is kept, marked): the count every report gives.
LIVE = ~pl.col("deleted").fill_null(False)
# A live mention that names a paper: what papers are built from and exports list.
NAMES_A_PAPER = LIVE & pl.col("paper_id").is_not_null()


def id_bucket(column: str) -> pl.Expr:
    """``2406.11838`` -> ``2406``; ``hep-th/9901001`` -> ``hep-th``; ``dl:...`` -> ``dl``."""
    ident = pl.col(column)
    return (
        pl.when(ident.str.contains(r"^\d{4}\."))
        .then(ident.str.slice(0, 4))
        .when(ident.str.starts_with("dl:"))
        .then(pl.lit("dl"))
        .otherwise(pl.coalesce(ident.str.extract(r"^([a-z-]+)", 1), pl.lit("other")))
    )


def buckets_of(ids: pl.Series) -> set[str]:
    """The buckets papers with these ids live in."""
    return set(pl.DataFrame({"id": ids}, schema={"id": pl.String}).select(id_bucket("id"))["id"])


PAPERS = TableSpec(
    "papers",
    {
        "paper_id": _STR,  # the arXiv id without version, or dl:<hash> while provisional
        "arxiv_id": _STR,
        "latest_version": pl.Int32,
        "title": _STR,
        "title_norm": _STR,
        "abstract": _STR,
        "authors": pl.List(pl.Struct({"name": _STR, "affiliation": _STR})),
        "categories": _LIST_STR,
        "primary_category": _STR,
        "published": _TS,
        "updated": _TS,
        "doi": _STR,
        "journal_ref": _STR,
        "comment": _STR,
        "license": _STR,
        "url": _STR,
        "metadata_source": _STR,  # note | digest | arxiv | arxiv-snapshot
        "fetched_at": _TS,
        "bucket": _STR,
    },
    key=("paper_id",),
    partition_by="bucket",
    derived={"bucket": id_bucket("paper_id")},
    # After a snapshot import most files hold only its papers: a run looking for the papers
    # built from mentions skips them.
    stats=("metadata_source",),
)

# What resolution and enrichment read of a paper (of the few papers they look up).
PAPER_INDEX = ["paper_id", "arxiv_id", "title_norm", "metadata_source", "bucket"]

PAPER_VERSIONS = TableSpec(
    "paper_versions",
    {"arxiv_id": _STR, "version": pl.Int32, "submitted_at": _TS, "bucket": _STR},
    key=("arxiv_id", "version"),
    partition_by="bucket",
    derived={"bucket": id_bucket("arxiv_id")},
)

CITATION_KEYS = TableSpec(
    "citation_keys",
    {
        "paper_id": _STR,
        "key": _STR,
        "assigned_at": _TS,  # when the key took its present value
        # provisional (may change once, when the paper's metadata is final) | final; null is
        # a key issued before keys had states: final.
        "state": _STR,
        "previous_keys": _LIST_STR,  # keys this paper had before: biblatex ids, never reissued
    },
    key=("paper_id",),
)

QUARANTINE = TableSpec(
    "quarantine",
    {
        "source_id": _STR,
        "location": _STR,  # file:line, note path or URL
        "file": _STR,
        "line": pl.Int32,
        "reason": _STR,
        "excerpt": _STR,
        "seen_at": _TS,
    },
    key=("source_id", "location", "reason"),
)

ARXIV_LOOKUPS = TableSpec(
    "arxiv_lookups",
    {
        "arxiv_id": _STR,
        "status": _STR,  # found | unknown (arXiv has no such paper: not asked again)
        "checked_at": _TS,
    },
    key=("arxiv_id",),
)

TITLE_CANDIDATES = TableSpec(
    "title_candidates",
    {
        "mention_id": _STR,
        "rank": pl.Int32,  # 0 = the best candidate (or the only row, when there was none)
        "query_title": _STR,
        "arxiv_id": _STR,
        "title": _STR,
        "title_score": pl.Float64,
        "author": _STR,  # agree | disagree | unknown
        "decision": _STR,  # accepted | ambiguous | weak | none | pinned
        "checked_at": _TS,
    },
    key=("mention_id", "rank"),
)

RUNS = TableSpec(
    "runs",
    {
        "run_id": _STR,  # <started, UTC>-<random>: sorts by start
        "flow": _STR,
        "flow_run_id": _STR,  # Prefect's id of the flow run
        "status": _STR,  # completed | failed
        "started_at": _TS,
        "finished_at": _TS,
        "host": _STR,
        "pid": pl.Int64,
        "sources": pl.List(
            pl.Struct(
                {
                    "source_id": _STR,
                    "status": _STR,
                    "new": pl.Int64,
                    "updated": pl.Int64,
                    "unchanged": pl.Int64,
                    "deleted": pl.Int64,
                    "quarantined": pl.Int64,
                }
            )
        ),
        "papers_enriched": pl.Int64,
        "papers_waiting": pl.Int64,
        "titles_unresolved": pl.Int64,
        "lake_files_written": pl.Int64,  # partitions committed (Delta: files are replaced whole)
        "export_files_written": pl.Int64,
        "error": _STR,
        "report": _STR,  # the run report, Markdown
        # Each table's Delta version before the run's first commit and after its last, and
        # the rows the run's commits added, updated and deleted (rollback and history).
        "tables": pl.List(
            pl.Struct(
                {
                    "table": _STR,
                    "version_before": pl.Int64,
                    "version_after": pl.Int64,
                    "added": pl.Int64,
                    "updated": pl.Int64,
                    "deleted": pl.Int64,
                }
            )
        ),
        "rollback_of": _STR,  # the run a rollback undid
    },
    key=("run_id",),
)

TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        SOURCES, MENTIONS, PAPERS, PAPER_VERSIONS, CITATION_KEYS, QUARANTINE, ARXIV_LOOKUPS,
        TITLE_CANDIDATES, RUNS,
    )
}  # fmt: skip
