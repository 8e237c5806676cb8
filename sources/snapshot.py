"""A local source read whole, with a cursor that changes exactly when a name or content does."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from digestlake.sources.inside import read_inside


@dataclass(frozen=True, slots=True)
class Snapshot:
    files: list[tuple[str, bytes]]  # (relative POSIX name, bytes), in name order
    skipped_links: list[str]  # links inside the source, not followed (sources/inside.py)
    cursor: str  # ``sha256:<digest of every name and content>``


def read_snapshot(path: Path, suffixes: tuple[str, ...]) -> Snapshot:
    """Every file the source at ``path`` may read (``read_inside``), and its cursor."""
    inside = read_inside(path, suffixes)
    digest = hashlib.sha256()
    for name, data in inside.files:
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return Snapshot(inside.files, inside.skipped_links, f"sha256:{digest.hexdigest()}")
