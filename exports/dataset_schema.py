"""The dataset's columns, declared once: name, type and what it holds. The Parquet schema, the
card's ``dataset_info`` features and its column tables are all read from here.

Types are what a dataset builder wants: ``date32`` days, UTC timestamps (``timestamp[us,
tz=UTC]``), 32-bit counts, lists of strings that are ``[]`` when empty (never ``List(null)``).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
import pyarrow as pa

from digestlake.core.tables import MENTIONS

S, I32, DATE, BOOL = pl.String, pl.Int32, pl.Date, pl.Boolean
LS = pl.List(pl.String)
TS = pl.Datetime("us", "UTC")


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    dtype: pl.DataType
    about: str


NESTED_MENTION = [
    Column("mention_id", S, "the mention's id (a row of the mentions config)"),
    Column("source_id", S, "the digest source, as the config names it"),
    Column("kind", S, "the source's kind: note, digest, feed, hf-daily, links"),
    Column("digest_date", DATE, "the digest's day"),
    Column("position", I32, "the entry's place in that day's digest, from 0"),
    Column("title", S, "the title as the digest wrote it"),
    Column("commentary", S, "the digest author's commentary, whole, one paragraph a line"),
    Column("commentary_ko", S, "its Korean part (see Language split)"),
    Column("commentary_en", S, "its English part (see Language split)"),
    Column("tags", LS, "the digest's tags for the paper"),
]
PAPER_COLUMNS = [
    Column("paper_id", S, "the arXiv id without version, or `dl:<hash>` for a paper without one"),
    Column("citation_key", S, "the BibTeX key (`li2024autoregressive`); never changes once given"),
    Column("arxiv_id", S, "the arXiv id, canonical form (`2406.11838`, `hep-th/9901001`)"),
    Column("latest_version", I32, "the newest arXiv version known"),
    Column("title", S, "the paper's title (arXiv's once enriched, else the digest's)"),
    Column("authors", LS, "author names, in order"),
    Column("author_org", S, "the organisation a digest gave as the author (`Kimi Team`)"),
    Column("abstract", S, "the abstract (arXiv's once enriched, else the digest's)"),
    Column("year", I32, "v1's year: arXiv's published date, else the id's YYMM, else the digest's"),
    Column("categories", LS, "arXiv categories"),
    Column("primary_category", S, "arXiv primary category"),
    Column("published", TS, "arXiv v1 submission time"),
    Column("updated", TS, "arXiv latest version time"),
    Column("doi", S, "DOI, bare (`10.1145/...`)"),
    Column("journal_ref", S, "arXiv journal reference"),
    Column("license", S, "the licence URL arXiv lists for the paper (its text, not this row)"),
    Column("url", S, "the paper's page (arXiv abstract page, or the web page a digest linked)"),
    Column("metadata_source", S, "where the metadata is from: arxiv, arxiv-snapshot, note, digest"),
    Column("tags", LS, "every tag digests gave the paper, in first-use order"),
    Column("first_date", DATE, "the first digest day that mentions the paper"),
    Column("last_date", DATE, "the last digest day that mentions it"),
    Column("mention_count", I32, "its live mentions (the mentions config's rows for it)"),
    Column("sources", LS, "the digest sources that mention it"),
    Column("mentions", pl.List(pl.Struct({c.name: c.dtype for c in NESTED_MENTION})),
           "its live mentions, oldest first (fields below)"),
]  # fmt: skip
_MENTION_BASE = [
    Column("mention_id", S, "stable id of the mention: its source and its identity there"),
    Column("paper_id", S, "the paper it names (papers config); null when none was resolved"),
    Column("source_id", S, "the digest source, as the config names it"),
    Column("kind", S, "the source's kind: note, digest, feed, hf-daily, links"),
    Column("file", S, "the file (note path, digest file) or URL it was read from"),
    Column("digest_date", DATE, "the digest's day"),
    Column("position", I32, "the entry's place in that day's digest, from 0"),
    Column("title", S, "the title as the digest wrote it (a note's file name when it has none)"),
    Column("authors", LS, "author names as the digest listed them"),
    Column("authors_raw", S, "the author text as written"),
    Column("author_org", S, "the organisation given as the author"),
    Column("abstract", S, "the abstract the digest quoted"),
    Column("commentary", S, "the digest author's commentary, whole, one paragraph a line"),
    Column("commentary_ko", S, "its Korean part (see Language split)"),
    Column("commentary_en", S, "its English part (see Language split)"),
    Column("language", S, "which parts the commentary has: ko, en, ko+en, or none"),
    Column("tags", LS, "the digest's tags"),
    Column("links", LS, "every URL in the entry"),
    Column("source_urls", LS, "the URLs the entry is about (a note's head)"),
    Column("cited_arxiv_ids", LS, "other arXiv papers the commentary cites"),
    Column("arxiv_id", S, "the arXiv id as the digest gave it"),
    Column("arxiv_version", I32, "the version the digest linked"),
    Column("resolution", S, "how paper_id was found: explicit_link, title_match, api_search, none"),
    Column("first_seen_at", TS, "when digestlake first read the mention"),
    Column("updated_at", TS, "when its content last changed"),
]
# Signals some sources carry, one column each once the mentions table has it (null elsewhere).
_SIGNALS = {
    "upvotes": "Hugging Face Daily Papers upvotes",
    "comments": "Hugging Face Daily Papers comments",
    "github_repo": "the code repository the source links",
    "github_stars": "that repository's stars, as the source reported them",
    "project_page": "the project page the source links",
    "submitter": "the Hugging Face user who submitted the paper",
    "organization": "the Hugging Face organisation it was submitted under",
    "ai_keywords": "Hugging Face's machine-extracted keywords",
    "machine_summary": "Hugging Face's machine-written summary (not a digest author's)",
    "announce_type": "arXiv listing announcement: new, cross, replace, replace-cross",
    "guid": "the item's GUID in its feed",
}
MENTION_COLUMNS = _MENTION_BASE + [
    Column(name, MENTIONS.columns[name], about)
    for name, about in _SIGNALS.items()
    if name in MENTIONS.columns
]

CONFIGS = {"papers": PAPER_COLUMNS, "mentions": MENTION_COLUMNS}


def schema(columns: list[Column]) -> pl.Schema:
    return pl.Schema({c.name: c.dtype for c in columns})


def _small(t: pa.DataType) -> pa.DataType:
    """polars' large_string / large_list as string / list: the types ``datasets`` names."""
    if pa.types.is_large_string(t):
        return pa.string()
    if pa.types.is_large_list(t) or pa.types.is_list(t):
        return pa.list_(_small(t.value_type))
    if pa.types.is_struct(t):
        return pa.struct([pa.field(f.name, _small(f.type)) for f in t])
    return t


def arrow_schema(columns: list[Column]) -> pa.Schema:
    arrow = pl.DataFrame(schema=schema(columns)).to_arrow().schema
    return pa.schema([pa.field(f.name, _small(f.type)) for f in arrow])


def hf_feature(name: str, t: pa.DataType) -> dict:
    """One column as the card's ``dataset_info`` states it (the YAML ``datasets`` reads)."""
    if pa.types.is_list(t):
        inner = t.value_type
        if pa.types.is_struct(inner):
            return {"name": name, "list": [hf_feature(f.name, f.type) for f in inner]}
        return {"name": name, "list": hf_feature(name, inner)["dtype"]}
    if pa.types.is_timestamp(t):
        return {"name": name, "dtype": f"timestamp[{t.unit}, tz={t.tz}]"}
    names = {pa.string(): "string", pa.int32(): "int32", pa.int64(): "int64"}
    names |= {pa.date32(): "date32", pa.bool_(): "bool", pa.float64(): "float64"}
    return {"name": name, "dtype": names[t]}
