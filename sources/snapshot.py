"""Local files read whole, with a cursor that changes exactly when a name or content does."""

from __future__ import annotations

import hashlib
from pathlib import Path


def read_snapshot(root: Path, paths: list[Path]) -> tuple[list[tuple[str, bytes]], str]:
    """(relative POSIX name, bytes) for each path, and ``sha256:<digest of them all>``."""
    contents = [(p.relative_to(root).as_posix(), p.read_bytes()) for p in paths]
    digest = hashlib.sha256()
    for name, data in contents:
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return contents, f"sha256:{digest.hexdigest()}"
