"""The one rule for what a source may read: visible regular files inside it, nothing else.

A cloned vault or a shared digest folder can carry a link to ``/etc/passwd`` or to a key
beside it; whatever is read is published in the lake, ``all.bib``, the feeds and the JSONL.
So a link (to a file or a folder, pointing inside or outside) is never followed, only
counted, and a hidden path (a part starting with ``.``: ``.git``, ``.obsidian``) is not
content. Folders are opened and files read relative to their parent's descriptor with
``O_NOFOLLOW``, so an entry swapped for a link between listing and reading is not followed
either. A source that cannot be read is a failed source, never an empty one: an empty answer
would mark every mention of it deleted.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path


class SourceUnavailable(RuntimeError):
    """The source as a whole could not be read (missing or unreadable path, HTTP failure).

    ``transient`` failures (network, HTTP 5xx/429) are worth retrying; a missing path is not.
    """

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


def visible(path: str) -> bool:
    """Whether no part of the POSIX ``path`` (relative to its source) is hidden."""
    return not any(part.startswith(".") for part in path.split("/"))


@dataclass(frozen=True, slots=True)
class Inside:
    files: list[tuple[str, bytes]]  # (POSIX path relative to the source, bytes), in name order
    skipped_links: list[str]  # links found inside, never followed, in name order


_DIR = os.O_RDONLY | os.O_DIRECTORY
_FILE = os.O_RDONLY | os.O_NONBLOCK  # a FIFO swapped in for a file cannot block the read


def read_inside(path: Path, suffixes: tuple[str, ...]) -> Inside:
    """The file at ``path``, or every visible regular file under the folder at ``path`` whose
    name ends in ``suffixes`` (any case). ``path`` itself may be a link: the operator named it.

    Raises SourceUnavailable when ``path`` is missing or anything in it cannot be read.
    """
    try:
        mode = os.stat(path).st_mode
        if stat.S_ISREG(mode):
            return Inside([(path.name, _read(str(path), _FILE))], [])
        if not stat.S_ISDIR(mode):
            raise SourceUnavailable(f"{path}: not a file or folder")
        files: list[tuple[str, bytes]] = []
        links: list[str] = []
        fd = os.open(path, _DIR)
        try:
            _walk(path, fd, "", tuple(s.lower() for s in suffixes), files, links)
        finally:
            os.close(fd)
    except FileNotFoundError as exc:
        raise SourceUnavailable(f"{path}: no such file or folder") from exc
    except OSError as exc:
        raise _unreadable(path, exc) from exc
    return Inside(sorted(files, key=lambda f: f[0].split("/")), sorted(links))


def _unreadable(path: Path, exc: OSError) -> SourceUnavailable:
    return SourceUnavailable(f"{path}: cannot be read: {exc.strerror or exc}")


def _walk(
    root: Path,
    dir_fd: int,
    prefix: str,
    suffixes: tuple[str, ...],
    files: list[tuple[str, bytes]],
    links: list[str],
) -> None:
    """Collect the folder open at ``dir_fd`` (``root / prefix``), recursively."""
    try:
        with os.scandir(dir_fd) as it:
            entries = list(it)
    except OSError as exc:
        raise _unreadable(root / prefix, exc) from exc
    for entry in entries:
        rel = prefix + entry.name
        if not visible(entry.name):
            continue
        try:
            if entry.is_symlink():
                links.append(rel)
            elif entry.is_dir(follow_symlinks=False):
                fd = os.open(entry.name, _DIR | os.O_NOFOLLOW, dir_fd=dir_fd)
                try:
                    _walk(root, fd, rel + "/", suffixes, files, links)
                finally:
                    os.close(fd)
            elif entry.is_file(follow_symlinks=False) and entry.name.lower().endswith(suffixes):
                files.append((rel, _read(entry.name, _FILE | os.O_NOFOLLOW, dir_fd)))
        except OSError as exc:  # a SourceUnavailable from a folder below passes through
            raise _unreadable(root / rel, exc) from exc


def _read(name: str, flags: int, dir_fd: int | None = None) -> bytes:
    fd = os.open(name, flags, dir_fd=dir_fd)
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise OSError(f"{name} changed into something other than a file while read")
        return fh.read()
