"""``parse``: one digest or note file's entries, as the ingest would read them; no lake."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from digestlake.sources.decode import decode_text
from digestlake.transforms.digest import parse_digest
from digestlake.transforms.entry import Entry, ParseIssue
from digestlake.transforms.note import parse_note


@dataclass(slots=True)
class ParsedFile:
    kind: str  # digest | note
    entries: list[Entry]
    issues: list[ParseIssue]


def parse(path: Path, *, kind: str | None = None, encoding: str | None = None) -> ParsedFile:
    """``kind`` defaults to ``note`` for ``.md`` files, else ``digest``. Raises OSError or
    DecodeError (which names the line) when the file cannot be read."""
    text = decode_text(path.read_bytes(), str(path), encoding)
    kind = kind or ("note" if path.suffix.lower() == ".md" else "digest")
    if kind == "note":
        note = parse_note(text, path.name)
        return ParsedFile(kind, [note.entry] if note.entry else [], note.issues)
    digest = parse_digest(text, path.name)
    return ParsedFile(kind, digest.entries, digest.issues)
