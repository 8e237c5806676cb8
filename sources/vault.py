"""A vault of Markdown notes: a plain folder, or a git repository read incrementally by commit.

For git, the cursor is the last ingested commit. The next read lists only the notes added,
changed, renamed or deleted since then. A note's identity is the path it had when it was
added (renames followed through history), so a note moved between folders keeps its mention
whether the history is ingested commit by commit or all at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from digestlake.sources import git
from digestlake.sources.decode import DecodeError, decode_text
from digestlake.sources.inside import SourceUnavailable, visible
from digestlake.sources.snapshot import read_snapshot


@dataclass(frozen=True, slots=True)
class NoteFile:
    path: str
    identity: str
    old_path: str | None = None  # the path before a rename since the cursor
    text: str | None = None
    error: DecodeError | None = None
    deleted: bool = False  # gone by the commit read; ``text`` is its last content


@dataclass(slots=True)
class VaultRead:
    cursor: str | None
    unchanged: bool = False
    full: bool = False  # a whole snapshot: notes of the source not listed here are gone
    notes: list[NoteFile] = field(default_factory=list)
    # links (and git submodules) inside the vault: never followed, never read as notes
    skipped_links: list[str] = field(default_factory=list)


NOTE_SUFFIXES = (".md",)


def is_note(path: str) -> bool:
    return path.lower().endswith(NOTE_SUFFIXES) and visible(path)


def is_git_location(location: str) -> bool:
    if location.startswith(("http://", "https://", "file://", "git@", "ssh://")):
        return True
    path = Path(location)
    return path.suffix == ".bundle" or (path / ".git").exists() or (path / "HEAD").is_file()


def _note(
    path: str,
    identity: str,
    data: bytes,
    encoding: str | None,
    old: str | None = None,
    deleted: bool = False,
) -> NoteFile:
    try:
        text, error = decode_text(data, path, encoding), None
    except DecodeError as exc:
        text, error = None, exc
    return NoteFile(path, identity, old, text, error, deleted)


def read_vault_folder(root: Path, cursor: str | None, encoding: str | None = None) -> VaultRead:
    """Every note of a plain folder (a snapshot; the cursor is a digest of all contents)."""
    snapshot = read_snapshot(root, NOTE_SUFFIXES)
    if snapshot.cursor == cursor:
        return VaultRead(cursor, unchanged=True)
    notes = [_note(rel, rel, data, encoding) for rel, data in snapshot.files]
    return VaultRead(snapshot.cursor, full=True, notes=notes, skipped_links=snapshot.skipped_links)


def read_vault_git(
    location: str,
    cache: Path,
    cursor: str | None,
    *,
    rev: str = "HEAD",
    encoding: str | None = None,
    fetch: bool = True,
) -> VaultRead:
    """Notes changed in the repository at ``location`` between ``cursor`` and ``rev``."""
    try:
        # Offline, the cached mirror serves only if it is of this very location.
        repo = git.mirror(location, cache) if fetch or not git.mirrors(cache, location) else cache
        head = git.rev_parse(repo, rev)
    except git.GitError as exc:
        remote = not Path(location).exists()
        raise SourceUnavailable(f"{location}: {exc}", transient=remote) from exc
    if cursor == head:
        return VaultRead(head, unchanged=True)
    incremental = (
        bool(cursor) and git.has_commit(repo, cursor) and git.is_ancestor(repo, cursor, head)
    )
    history = git.walk_history(repo, head, since=cursor if incremental else None)
    tree = git.ls_tree(repo, head)
    files = tree.files
    if incremental:
        changes = git.diff_names(repo, cursor, head)
        # A rename from a non-note path (``foo.txt`` -> ``foo.md``) counts as an addition.
        wanted = [
            (path, old if status == "R" and is_note(old) else None)
            for status, old, path in changes
            if status != "D" and path in files and is_note(path)
        ]
    else:
        wanted = [(path, None) for path in files if is_note(path)]
    # Notes deleted on the way are read as they last were and kept, marked deleted, so a
    # replay commit by commit and an ingest at once end in the same lake.
    parents: dict[str, dict[str, str]] = {}
    gone = []
    for identity, (path, sha) in sorted(history.deleted.items()):
        if is_note(path):
            if sha not in parents:
                parents[sha] = git.ls_tree(repo, f"{sha}^").files
            if path in parents[sha]:  # a deleted link or submodule was never a note
                gone.append((identity, path, parents[sha][path]))
    objects = {files[p] for p, _ in wanted} | {blob for _, _, blob in gone}
    blobs = git.read_blobs(repo, sorted(objects))
    notes = [
        _note(p, history.first.get(p, p), blobs[files[p]], encoding, old)
        for p, old in sorted(wanted)
    ]
    notes += [
        _note(path, identity, blobs[blob], encoding, deleted=True) for identity, path, blob in gone
    ]
    links = [p for p in tree.links if visible(p)]
    return VaultRead(head, full=not incremental, notes=notes, skipped_links=links)
