"""Extract one source: read it from its cursor (``sources/kinds.py``), parse what changed.

Extraction only reads (the source, and the lake for the mention ids of renamed notes); the
ingest commit is the single writer and writes the cursor last, so a crash before it only
repeats work.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import polars as pl

from digestlake.lake.store import Lake
from digestlake.pipeline.config import SourceConfig
from digestlake.sources.cursors import Cursor, dump_cursor
from digestlake.sources.decode import DecodeError
from digestlake.sources.kinds import READERS, ReadContext, SourceRead
from digestlake.transforms.digest import parse_digest
from digestlake.transforms.entry import ParseIssue
from digestlake.transforms.mentions import MentionInput, digest_identity, mentions_frame
from digestlake.transforms.note import parse_note, title_from_note_name
from digestlake.transforms.quarantine import quarantine_row


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
    skipped_links: list[str] = field(default_factory=list)  # links inside, never followed
    papers: pl.DataFrame | None = None  # arXiv metadata the source gave (arXiv listings)
    state: str | None = None  # the report's status instead of ok (a listing: repeated, empty)
    note: str | None = None


def _problem(file: str, issue: ParseIssue | DecodeError) -> dict:
    if isinstance(issue, DecodeError):
        return quarantine_row(file, issue.line, str(issue))
    return quarantine_row(file, issue.line, issue.reason, issue.excerpt)


def _digests(batch: SourceBatch, read: SourceRead, existing: pl.DataFrame) -> None:
    inputs: list[MentionInput] = []
    for doc in read.documents:
        if doc.text is None:
            batch.quarantine.append(_problem(doc.file, doc.error))
            continue
        parsed = parse_digest(doc.text, doc.file)
        batch.reread_files.append(doc.file)
        inputs += [MentionInput(e, doc.file, digest_identity(e)) for e in parsed.entries]
        batch.quarantine += [_problem(doc.file, issue) for issue in parsed.issues]
    batch.mentions = mentions_frame(batch.source_id, "digest", inputs)
    if read.full:
        listed = {doc.file for doc in read.documents}
        batch.deleted_files = sorted(set(existing["file"].to_list()) - listed)


def _notes(batch: SourceBatch, read: SourceRead, existing: pl.DataFrame) -> None:
    ids_by_file = dict(
        zip(existing["file"].to_list(), existing["mention_id"].to_list(), strict=True)
    )
    inputs: list[MentionInput] = []
    for note in read.notes:
        batch.reread_files += [note.path] + ([note.old_path] if note.old_path else [])
        if note.deleted:
            batch.deleted_files.append(note.path)
        elif note.text is None:
            batch.quarantine.append(_problem(note.path, note.error))
        if note.text is None:
            continue
        parsed = parse_note(note.text, note.path)
        if not note.deleted:
            batch.quarantine += [_problem(note.path, issue) for issue in parsed.issues]
        if (entry := parsed.entry) is not None:
            if entry.title is None:  # the head names none: the file is named after the paper
                entry = replace(entry, title=title_from_note_name(note.path))
            keep = ids_by_file.get(note.old_path or note.path)
            inputs.append(MentionInput(entry, note.path, note.identity, keep, note.deleted))
    batch.mentions = mentions_frame(batch.source_id, "note", inputs)
    if read.full:
        batch.deleted_files += sorted(set(ids_by_file) - {n.path for n in read.notes})


def _records(batch: SourceBatch, read: SourceRead, existing: pl.DataFrame) -> None:
    """Feed, hf-daily and links sources made their mentions themselves."""
    batch.mentions = mentions_frame(batch.source_id, batch.kind, read.mentions)
    batch.quarantine = read.problems
    batch.reread_files, batch.deleted_files = read.reread, read.gone
    if read.full:  # the whole source: files the lake has that it does not list are gone
        batch.deleted_files += sorted(set(existing["file"].to_list()) - set(read.reread))
    batch.papers, batch.state, batch.note = read.papers, read.state, read.note


_PARSERS = {
    "digest": _digests,
    "vault": _notes,
    "feed": _records,
    "hf-daily": _records,
    "links": _records,
}


def extract_source(
    source: SourceConfig, lake: Lake, ctx: ReadContext, cursor: Cursor | None
) -> SourceBatch:
    """Read ``source`` from ``cursor`` and parse what changed since."""
    read = READERS[source.kind](source, cursor, ctx)
    batch = SourceBatch(
        source.name,
        source.kind,
        source.location,
        dump_cursor(read.cursor),
        unchanged=read.unchanged,
        skipped=read.skipped,
        skipped_links=read.skipped_links,
    )
    if not read.unchanged:
        existing = lake.read("mentions").filter(pl.col("source_id") == source.name)
        _PARSERS[source.kind](batch, read, existing)
    return batch
