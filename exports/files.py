"""Export files: written only when their bytes change, atomically; stale ones removed."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

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


def write_if_changed(path: Path, data: bytes) -> bool:
    if path.exists() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return True


def sync_folder(folder: Path, files: dict[str, bytes], suffixes: tuple[str, ...]) -> FileChanges:
    """Make ``folder`` hold exactly ``files`` among its files ending in ``suffixes``."""
    changes = FileChanges()
    for name, data in sorted(files.items()):
        target = folder / name
        (changes.written if write_if_changed(target, data) else changes.unchanged).append(
            str(target)
        )
    if folder.is_dir():
        for path in sorted(folder.iterdir()):
            if path.is_file() and path.name.endswith(suffixes) and path.name not in files:
                path.unlink()
                changes.removed.append(str(path))
    return changes
