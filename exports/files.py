"""Export files: written only when their bytes change, atomically; stale ones removed.
The exports folder may be an object-store URL, like the lake (``core/location.py``).

The exports folder is often shared with the user's own files (a ``feeds/my-subscriptions.xml``,
a ``bibtex/thesis.bib``), so only files digestlake wrote are ever removed: a manifest in the
folder lists them.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field

from digestlake.core.location import Location

_SLUG = re.compile(r"[^a-z0-9]+")
_MAX_SLUG = 80
# Stems a tag's file may not have: the folders' own files, and the device names Windows
# reserves whatever the extension (``con.xml`` and ``aux.bib`` cannot be created there).
_RESERVED = {"all", "index", "con", "prn", "aux", "nul"} | {
    f"{device}{n}" for device in ("com", "lpt") for n in range(10)
}
MANIFEST = ".digestlake-manifest.json"  # hidden: never listed as an export itself


def tag_slugs(tags: list[str]) -> dict[str, str]:
    """A safe, unique file name stem per tag: ``[a-z0-9-]`` only, so it cannot leave the
    folder (no ``/``, no ``..``, no hidden names), never a reserved name (``all``, ``con``);
    clashes and reserved names get a short hash."""
    slugs: dict[str, str] = {}
    used: set[str] = set()
    for tag in sorted(set(tags)):
        slug = _SLUG.sub("-", tag.lower()).strip("-")[:_MAX_SLUG].strip("-")
        if not slug or slug in used or slug in _RESERVED:
            slug = f"{slug or 'tag'}-{hashlib.sha1(tag.encode()).hexdigest()[:8]}"
        used.add(slug)
        slugs[tag] = slug
    return slugs


@dataclass
class FileChanges:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def extend(self, other: FileChanges) -> None:
        self.written += other.written
        self.unchanged += other.unchanged
        self.removed += other.removed


def write_if_changed(location: Location, rel: str, data: bytes, *, sync: bool = True) -> bool:
    """Replace ``rel`` with ``data`` (atomically) unless it holds them already. ``sync=False``
    leaves flushing to the caller (``Location.sync`` once after thousands of derived pages,
    where a sync per file would cost more than the rest of the publish)."""
    if location.exists(rel) and location.read_bytes(rel) == data:
        return False
    location.write_bytes(rel, data, durable=sync)
    return True


def _owned(location: Location) -> set[str]:
    """The files the manifest says digestlake wrote; a manifest that cannot be parsed owns
    nothing (so removes nothing)."""
    if not location.exists(MANIFEST):
        return set()
    try:
        return {str(rel) for rel in json.loads(location.read_bytes(MANIFEST))["files"]}
    except (ValueError, KeyError, TypeError):
        return set()


def _record(location: Location, owned: set[str]) -> None:
    about = "The files digestlake wrote here: the only ones it ever removes."
    manifest = {"about": about, "files": sorted(owned)}
    write_if_changed(location, MANIFEST, json.dumps(manifest, indent=1).encode() + b"\n")


def sync_folder(
    location: Location,
    folder: str,
    files: dict[str, bytes],
    suffixes: tuple[str, ...],
    *,
    sync: bool = True,
) -> FileChanges:
    """Make ``folder`` (in ``location``) hold ``files``, and remove the other files ending in
    ``suffixes`` that digestlake wrote there before (the manifest's); anything else, the
    user's files and sub-folders, is left alone. ``sync=False``: see ``write_if_changed``."""
    owned = _owned(location)
    ours = {f"{folder}/{name}" for name in files}
    _record(location, owned | ours)  # first: a publish killed halfway still owns what it wrote
    changes = FileChanges()
    for name, data in sorted(files.items()):
        rel = f"{folder}/{name}"
        written = write_if_changed(location, rel, data, sync=sync)
        (changes.written if written else changes.unchanged).append(location.path(rel))
    present = location.find(folder) if location.exists(folder) else []
    for rel in present:
        if _synced(rel, folder, suffixes) and rel in owned and rel not in ours:
            location.remove(rel)
            changes.removed.append(location.path(rel))
    _record(location, {rel for rel in owned if not _synced(rel, folder, suffixes)} | ours)
    return changes


def _synced(rel: str, folder: str, suffixes: tuple[str, ...]) -> bool:
    """Whether ``rel`` is a file a ``sync_folder`` of ``folder`` decides on."""
    name = rel[len(folder) + 1 :]
    return rel.startswith(f"{folder}/") and "/" not in name and name.endswith(suffixes)
