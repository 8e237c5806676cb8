"""What one read of a source returns, whatever its kind (``sources/kinds.py``)."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from digestlake.sources.cursors import Cursor
from digestlake.sources.digest_files import DigestDocument
from digestlake.sources.vault import NoteFile
from digestlake.transforms.mentions import MentionInput


@dataclass(slots=True)
class SourceRead:
    """One read of a source: raw documents (digest, vault) for the pipeline to parse, or the
    mentions a feed, hf-daily or links source made from its records."""

    cursor: Cursor | None
    unchanged: bool = False  # nothing changed since the cursor: nothing to parse
    full: bool = False  # the records are the whole source: what they do not list is gone
    skipped: str | None = None  # why the source was not read at all (offline)
    documents: list[DigestDocument] = field(default_factory=list)  # kind "digest"
    notes: list[NoteFile] = field(default_factory=list)  # kind "vault"
    skipped_links: list[str] = field(default_factory=list)  # never followed (sources/inside.py)
    mentions: list[MentionInput] = field(default_factory=list)  # feed, hf-daily, links
    problems: list[dict] = field(default_factory=list)  # their quarantine rows
    # Locations read again: their old problems go, and (``gone``) their old mentions that
    # this read did not give are marked deleted. A feed's items only ever add: ``gone`` empty.
    reread: list[str] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    papers: pl.DataFrame | None = None  # arXiv metadata a source gave (arXiv listings)
    state: str | None = None  # what the report says instead of ok (a listing: repeated, empty)
    note: str | None = None  # why, in words
