"""Export files: written only when their bytes change, atomically; stale ones removed.
The exports folder may be an object-store URL, like the lake (``lake/location.py``)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from digestlake.core.location import Location

_SLUG = re.compile(r"[^a-z0-9]+")
_MAX_SLUG = 80


def tag_slugs(tags: list[str]) -> dict[str, str]:
    """A safe, unique file name stem per tag: ``[a-z0-9-]`` only, so it cannot leave the
    folder (no ``/``, no ``..``, no hidden or reserved names); clashes get a short hash."""
    slugs: dict[str, str] = {}
    used: set[str] = set()
    for tag in sorted(set(tags)):
        slug = _SLUG.sub("-", tag.lower()).strip("-")[:_MAX_SLUG].strip("-")
        if not slug or slug in used or slug in ("all", "index"):
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


def write_if_changed(location: Location, rel: str, data: bytes) -> bool:
    if location.exists(rel) and location.read_bytes(rel) == data:
        return False
    location.write_bytes(rel, data)
    return True


def sync_folder(
    location: Location, folder: str, files: dict[str, bytes], suffixes: tuple[str, ...]
) -> FileChanges:
    """Make ``folder`` (in ``location``) hold exactly ``files`` among its files ending in
    ``suffixes``; sub-folders are left alone."""
    changes = FileChanges()
    for name, data in sorted(files.items()):
        rel = f"{folder}/{name}"
        written = write_if_changed(location, rel, data)
        (changes.written if written else changes.unchanged).append(location.path(rel))
    present = location.find(folder) if location.exists(folder) else []
    for rel in present:
        name = rel[len(folder) + 1 :]
        if "/" not in name and name.endswith(suffixes) and name not in files:
            location.remove(rel)
            changes.removed.append(location.path(rel))
    return changes
