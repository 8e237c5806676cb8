"""The ingest steps as plain functions (no Prefect here): extract one source, commit all.

``flows/ingest.py`` wraps these in Prefect tasks; tests and benchmarks call them directly.
Extraction only reads (sources, and the lake for ids of renamed notes); ``commit_batches``
is the single writer, and writes the cursor last so a crash before it only repeats work.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import polars as pl
from digestlake.core.ids import ARXIV_SOURCES, PROVISIONAL_PREFIX
from digestlake.core.tables import QUARANTINE, SOURCES, id_bucket
from digestlake.lake.store import Lake
from digestlake.pipeline.citation_keys import carry_over_keys
from digestlake.pipeline.config import SourceConfig
from digestlake.sources.decode import DecodeError
from digestlake.sources.digest_files import is_url, read_digest_path, read_digest_url
from digestlake.sources.vault import VaultRead, is_git_location, read_vault_folder, read_vault_git
from digestlake.transforms.digest import parse_digest
from digestlake.transforms.entry import ParseIssue
from digestlake.transforms.mentions import (
    MentionInput,
    digest_identity,
    mentions_frame,
    merge_mentions,
)
from digestlake.transforms.note import parse_note
from digestlake.transforms.papers import build_papers, resolve_mentions


@dataclass(slots=True)
class SourceBatch:
    """What one source yielded this run, ready to be merged."""

    source_id: str
    kind: str
    uri: str
    cursor: str | None
    unchanged: bool = False
    mentions: pl.DataFrame = field(default_factory=pl.DataFrame)
    reread_files: list[str] = field(default_factory=list)
    deleted_files: list[str] = field(default_factory=list)
    quarantine: list[dict] = field(default_factory=list)
    skipped: str | None = None  # why the source was not read (offline)


@dataclass(slots=True)
class SourceReport:
    source_id: str
    status: str  # ok | unchanged | skipped | failed
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    quarantined: int = 0
    error: str | None = None
    problems: list[str] = field(default_factory=list)  # "location: reason" of what was quarantined


@dataclass(slots=True)
class IngestReport:
    sources: list[SourceReport]
    files_written: list[str]
    mentions: int
    papers: int

    @property
    def failed(self) -> list[SourceReport]:
        return [s for s in self.sources if s.status == "failed"]


def _issue_row(file: str, issue: ParseIssue | DecodeError) -> dict:
    """A quarantine row for a parse problem or for a file that could not be decoded."""
    if isinstance(issue, DecodeError):
        line, reason, excerpt = issue.line, str(issue), ""
    else:
        line, reason, excerpt = issue.line, issue.reason, issue.excerpt
    return {
        "location": f"{file}:{line}" if line else file,
        "file": file,
        "line": line,
        "reason": reason,
        "excerpt": excerpt[:500],
    }


def _existing(lake: Lake, source_id: str) -> pl.DataFrame:
    return lake.read("mentions").filter(pl.col("source_id") == source_id)


def extract_digest(
    source: SourceConfig, cursor: str | None, existing: pl.DataFrame, offline: bool
) -> SourceBatch:
    batch = SourceBatch(source.name, source.kind, source.location, cursor)
    if is_url(source.location):
        if offline:
            batch.unchanged, batch.skipped = True, "offline"
            return batch
        fetch = read_digest_url(source.location, cursor, source.encoding)
    else:
        fetch = read_digest_path(Path(source.location), cursor, source.encoding)
    batch.cursor, batch.unchanged = fetch.cursor, fetch.unchanged
    if fetch.unchanged:
        return batch
    inputs: list[MentionInput] = []
    for doc in fetch.documents:
        if doc.text is None:
            batch.quarantine.append(_issue_row(doc.file, doc.error))
            continue
        parsed = parse_digest(doc.text, doc.file)
        batch.reread_files.append(doc.file)
        inputs += [MentionInput(e, doc.file, digest_identity(e)) for e in parsed.entries]
        batch.quarantine += [_issue_row(doc.file, issue) for issue in parsed.issues]
    batch.mentions = mentions_frame(source.name, "digest", inputs)
    if not is_url(source.location):
        listed = {doc.file for doc in fetch.documents}
        batch.deleted_files = sorted(set(existing["file"].to_list()) - listed)
    return batch


def extract_vault(
    source: SourceConfig, cursor: str | None, existing: pl.DataFrame, cache: Path, offline: bool
) -> SourceBatch:
    batch = SourceBatch(source.name, source.kind, source.location, cursor)
    location = source.location
    read: VaultRead
    if is_git_location(location):
        mirror = cache / "vaults" / f"{source.name}.git"
        remote = not Path(location).exists()
        if offline and remote and not (mirror / "HEAD").exists():
            batch.unchanged, batch.skipped = True, "offline, and no cached clone yet"
            return batch
        read = read_vault_git(
            location,
            mirror,
            cursor,
            rev=source.rev,
            encoding=source.encoding,
            fetch=not (offline and remote),
        )
    else:
        read = read_vault_folder(Path(location), cursor, source.encoding)
    batch.cursor, batch.unchanged = read.cursor, read.unchanged
    if read.unchanged:
        return batch
    ids_by_file = dict(
        zip(existing["file"].to_list(), existing["mention_id"].to_list(), strict=True)
    )
    inputs: list[MentionInput] = []
    for note in read.notes:
        batch.reread_files += [note.path] + ([note.old_path] if note.old_path else [])
        if note.deleted:
            batch.deleted_files.append(note.path)
        elif note.text is None:
            batch.quarantine.append(_issue_row(note.path, note.error))
        if note.text is None:
            continue
        parsed = parse_note(note.text, note.path)
        if not note.deleted:
            batch.quarantine += [_issue_row(note.path, issue) for issue in parsed.issues]
        if parsed.entry is not None:
            keep = ids_by_file.get(note.old_path or note.path)
            inputs.append(MentionInput(parsed.entry, note.path, note.identity, keep, note.deleted))
    batch.mentions = mentions_frame(source.name, "note", inputs)
    if read.full:
        batch.deleted_files += sorted(set(ids_by_file) - {n.path for n in read.notes})
    return batch


def extract_source(
    source: SourceConfig,
    lake: Lake,
    cache: Path,
    *,
    cursor: str | None = None,
    offline: bool = False,
) -> SourceBatch:
    """Read one source from its cursor (the lake's, unless given) and parse what changed."""
    existing = _existing(lake, source.name)
    if cursor is None:
        rows = lake.read("sources").filter(pl.col("source_id") == source.name)
        cursor = rows["cursor"][0] if rows.height else None
    if source.kind == "digest":
        return extract_digest(source, cursor, existing, offline)
    return extract_vault(source, cursor, existing, cache, offline)


def _quarantine(old: pl.DataFrame, batch: SourceBatch, now: datetime) -> pl.DataFrame:
    """The source's quarantine rows for the files read again are replaced by this run's."""
    touched = (
        set(batch.reread_files) | set(batch.deleted_files) | {r["file"] for r in batch.quarantine}
    )
    keep = old.filter(
        (pl.col("source_id") != batch.source_id) | ~pl.col("file").is_in(list(touched))
    )
    fresh = pl.DataFrame(
        [{"source_id": batch.source_id, **row} for row in batch.quarantine],
        schema={k: v for k, v in QUARANTINE.columns.items() if k != "seen_at"},
    ).unique(subset=list(QUARANTINE.key), keep="first", maintain_order=True)
    seen = old.select(*QUARANTINE.key, "seen_at")
    fresh = fresh.join(seen, on=list(QUARANTINE.key), how="left").with_columns(
        seen_at=pl.coalesce("seen_at", pl.lit(now, QUARANTINE.columns["seen_at"]))
    )
    return pl.concat([keep, fresh.select(QUARANTINE.schema.names())])


def _source_row(
    old: dict | None,
    batch: SourceBatch | None,
    source: SourceConfig,
    error: str | None,
    now: datetime,
) -> dict:
    row = dict(old) if old else {"source_id": source.name, "cursor": None, "last_success_at": None}
    row.update(kind=source.kind, uri=source.location)
    if error is not None:
        # last_error_at says since when this error has held, so a source failing the same
        # way run after run rewrites nothing.
        if row.get("last_error") != error:
            row.update(last_error=error, last_error_at=now)
    elif batch is not None and not batch.skipped:
        if batch.cursor != row.get("cursor"):
            row.update(cursor=batch.cursor, last_success_at=now)
        row.update(last_error=None, last_error_at=None)
    return row


_INDEX = ["paper_id", "arxiv_id", "title_norm", "metadata_source"]  # what resolution reads


def write_resolved(lake: Lake, mentions: pl.DataFrame) -> tuple[pl.DataFrame, int, list[str]]:
    """Resolve every mention against the papers, rebuild the papers mentions describe, write
    both; returns the mentions, the number of papers and the files written.

    Papers are read as an index of four columns, and only the buckets that hold papers built
    from mentions (now or before) are read whole and rewritten: after a snapshot import the
    lake holds millions of papers that no mention touches."""
    index = lake.read("papers", columns=[*_INDEX, "bucket"])
    before = lake.read("mentions", columns=["mention_id", "paper_id"])
    mentions = resolve_mentions(mentions, index)
    derived = build_papers(mentions, index).with_columns(bucket=id_bucket("paper_id"))
    fetched = pl.col("metadata_source").is_in(ARXIV_SOURCES)
    written = lake.write("mentions", mentions)
    moved = before.join(mentions.select("mention_id", new="paper_id"), on="mention_id").filter(
        pl.col("paper_id").str.starts_with(PROVISIONAL_PREFIX)
        & ~pl.col("new").str.starts_with(PROVISIONAL_PREFIX)
    )
    written += carry_over_keys(lake, moved.select(old="paper_id", new="new"))
    buckets = set(derived["bucket"]) | set(index.filter(~fetched)["bucket"])
    with_fetched = buckets & set(index.filter(fetched)["bucket"])
    kept = lake.read("papers", partitions=with_fetched).filter(fetched)
    written += lake.write_partitions(
        "papers", pl.concat([kept, derived.select(kept.columns)]), buckets
    )
    return mentions, index.filter(fetched).height + derived.height, written


def commit_batches(
    lake: Lake,
    sources: list[SourceConfig],
    batches: list[SourceBatch],
    failures: dict[str, str],
    now: datetime,
) -> IngestReport:
    """Merge every batch into the lake: mentions, papers, quarantine, then the cursors."""
    mentions = lake.read("mentions")
    quarantine = lake.read("quarantine")
    reports: dict[str, SourceReport] = {}
    for batch in batches:
        if batch.unchanged:
            status = "skipped" if batch.skipped else "unchanged"
            reports[batch.source_id] = SourceReport(batch.source_id, status, error=batch.skipped)
            continue
        own = mentions.filter(pl.col("source_id") == batch.source_id)
        merge = merge_mentions(
            own,
            batch.mentions,
            now=now,
            reread_files=batch.reread_files,
            deleted_files=batch.deleted_files,
        )
        mentions = pl.concat([mentions.filter(pl.col("source_id") != batch.source_id), merge.table])
        quarantine = _quarantine(quarantine, batch, now)
        reports[batch.source_id] = SourceReport(
            batch.source_id,
            "ok",
            new=merge.new,
            updated=merge.updated,
            unchanged=merge.unchanged,
            deleted=merge.deleted,
            quarantined=len(batch.quarantine),
            problems=[f"{row['location']}: {row['reason']}" for row in batch.quarantine],
        )
    for name, error in failures.items():
        reports[name] = SourceReport(name, "failed", error=error)

    mentions, papers, written = write_resolved(lake, mentions)
    written += lake.write("quarantine", quarantine)
    for table in ("paper_versions", "citation_keys"):
        if not lake.files(table):
            written += lake.write(table, lake.read(table))
    old_sources = {r["source_id"]: r for r in lake.read("sources").to_dicts()}
    by_id = {b.source_id: b for b in batches}
    rows = [
        _source_row(old_sources.get(s.name), by_id.get(s.name), s, failures.get(s.name), now)
        for s in sources
    ]
    configured = {s.name for s in sources}
    rows += [r for name, r in old_sources.items() if name not in configured]
    written += lake.write(
        "sources", pl.DataFrame(rows, schema=SOURCES.schema) if rows else SOURCES.empty()
    )
    ordered = [reports[s.name] for s in sources if s.name in reports]
    return IngestReport(
        sources=ordered,
        files_written=[str(p) for p in written],
        mentions=mentions.filter(~pl.col("deleted")).height,
        papers=papers,
    )
