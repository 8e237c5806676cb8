"""Parsed entries as mention rows, and the idempotent merge of new rows into the table."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import polars as pl

from digestlake.core.tables import LIVE, MENTION_SIGNALS, MENTIONS
from digestlake.transforms.entry import Entry
from digestlake.transforms.titles import normalise_title

# Fields that make up a mention's content: a change in any of them is an update.
CONTENT_FIELDS = (
    "kind", "file", "line", "digest_date", "position", "title", "authors", "authors_raw",
    "author_org", "abstract", "commentary", "commentary_ko", "commentary_en", "tags", "links",
    "source_urls", "wikilinks", "cited_arxiv_ids", "arxiv_id", "arxiv_version",
)  # fmt: skip


def mention_id(source_id: str, identity: str) -> str:
    """Stable id of a mention: its source and its identity inside that source."""
    return hashlib.sha1(f"{source_id}\0{identity}".encode()).hexdigest()[:20]


def digest_identity(entry: Entry) -> str:
    """Digest date + normalised title; an untitled entry is known by its commentary."""
    title = normalise_title(entry.title)
    if title:
        return f"{entry.digest_date}/{title}"
    text = entry.commentary or " ".join(entry.tags)
    return f"{entry.digest_date}/untitled/{hashlib.sha1(text.encode()).hexdigest()[:12]}"


@dataclass(frozen=True, slots=True)
class MentionInput:
    """An entry with where it came from and the identity that keeps its mention stable."""

    entry: Entry
    file: str
    identity: str
    mention_id: str | None = None  # set to keep an existing mention (a renamed note)
    deleted: bool = False  # a note already deleted: kept, marked deleted
    # ``MENTION_SIGNALS`` the source gives (hf-daily's upvotes, a listing's announce type)
    signals: Mapping[str, object] = field(default_factory=dict)


def _content_hash(row: dict, signals: Mapping[str, object]) -> str:
    """Signals count only where a source gives them, so the hashes of mentions from sources
    without any stay what they were before signals existed (nothing rewritten)."""
    content = [row[f] for f in CONTENT_FIELDS]
    if signals:
        content.append(sorted(signals.items()))
    payload = json.dumps(content, default=str, ensure_ascii=False)
    return hashlib.sha1(payload.encode()).hexdigest()


def mentions_frame(source_id: str, kind: str, inputs: Iterable[MentionInput]) -> pl.DataFrame:
    """Mention rows (content columns only; resolution and timestamps come later).

    Two entries with one identity (the same title twice in a day) get ``#2``, ``#3`` ...
    """
    rows = []
    seen: dict[str, int] = {}
    for item in inputs:
        identity = item.identity
        seen[identity] = seen.get(identity, 0) + 1
        if seen[identity] > 1:
            identity = f"{identity}#{seen[identity]}"
        e = item.entry
        row = {
            "mention_id": item.mention_id or mention_id(source_id, identity),
            "source_id": source_id,
            "kind": kind,
            "file": item.file,
            "line": e.line,
            "digest_date": e.digest_date,
            "position": e.position,
            "title": e.title,
            "authors": e.authors,
            "authors_raw": e.authors_raw,
            "author_org": e.author_org,
            "abstract": e.abstract,
            "commentary": e.commentary,
            "commentary_ko": e.commentary_ko,
            "commentary_en": e.commentary_en,
            "tags": e.tags,
            "links": e.links,
            "source_urls": e.source_urls,
            "wikilinks": e.wikilinks,
            "cited_arxiv_ids": e.cited_arxiv_ids,
            "arxiv_id": e.arxiv_id,
            "arxiv_version": e.arxiv_version,
        }
        signals = {k: v for k, v in item.signals.items() if v is not None}
        unknown = set(signals) - set(MENTION_SIGNALS)
        if unknown:
            raise ValueError(f"not mention signals: {sorted(unknown)}")
        row |= signals
        row["content_hash"] = _content_hash(row, signals)
        row["deleted"] = item.deleted
        rows.append(row)
    return pl.DataFrame(rows, schema=MENTIONS.schema, strict=False) if rows else MENTIONS.empty()


@dataclass(frozen=True, slots=True)
class MentionMerge:
    table: pl.DataFrame
    new: int
    updated: int
    unchanged: int
    deleted: int


def merge_mentions(
    existing: pl.DataFrame,
    incoming: pl.DataFrame,
    *,
    now: datetime,
    reread_files: Sequence[str] = (),
    deleted_files: Sequence[str] = (),
) -> MentionMerge:
    """Upsert ``incoming`` into ``existing`` (one source's mentions).

    A mention whose content hash is unchanged keeps its row untouched; a changed one keeps
    ``first_seen_at`` and gets ``updated_at = now``. Mentions read earlier from a file in
    ``reread_files`` that are absent now, or from a file in ``deleted_files``, are marked
    deleted (kept, so their history and ids survive).
    """
    incoming_ids = set(incoming["mention_id"].to_list())
    gone = set(reread_files) | set(deleted_files)
    old = existing.filter(~pl.col("mention_id").is_in(incoming_ids))
    to_delete = old.filter(pl.col("file").is_in(gone) & LIVE)
    old = pl.concat(
        [
            old.filter(~pl.col("mention_id").is_in(to_delete["mention_id"].implode())),
            to_delete.with_columns(
                deleted=pl.lit(True), updated_at=pl.lit(now, MENTIONS.columns["updated_at"])
            ),
        ]
    )
    prior = existing.filter(pl.col("mention_id").is_in(incoming_ids)).select(
        "mention_id",
        "content_hash",
        "deleted",
        "first_seen_at",
        "updated_at",
        "paper_id",
        "resolution",
        "resolution_score",
    )
    joined = incoming.drop(
        "first_seen_at", "updated_at", "paper_id", "resolution", "resolution_score"
    ).join(prior, on="mention_id", how="left", suffix="_old")
    same = (pl.col("content_hash") == pl.col("content_hash_old")) & (
        pl.col("deleted") == pl.col("deleted_old")
    )
    now_lit = pl.lit(now, MENTIONS.columns["updated_at"])
    merged = joined.with_columns(
        first_seen_at=pl.coalesce("first_seen_at", now_lit),
        updated_at=pl.when(same).then(pl.col("updated_at")).otherwise(now_lit),
    )
    # A mention that arrives deleted (a note deleted within the history read) counts as
    # deleted once, whether the lake knew it or not: never as new or updated.
    arrives_deleted = pl.col("deleted") & ~pl.col("deleted_old").fill_null(False)
    deleted = joined.filter(arrives_deleted).height
    new = joined.filter(pl.col("content_hash_old").is_null() & ~arrives_deleted).height
    unchanged = joined.filter(same).height
    table = pl.concat([old, merged.select(MENTIONS.schema.names())], how="vertical_relaxed")
    return MentionMerge(
        table=table.select(MENTIONS.schema.names()).cast(MENTIONS.schema),
        new=new,
        updated=incoming.height - new - unchanged - deleted,
        unchanged=unchanged,
        deleted=to_delete.height + deleted,
    )
