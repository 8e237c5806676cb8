"""Where the lake and the exports live: a local folder, or a URL fsspec understands
(``s3://bucket/lake``, ``gs://...``, ``az://...``, ``memory://...``).

The few file operations digestlake needs, each with what makes it safe where it runs: on a
local disk a file is replaced by write-to-temp, fsync and rename, so a reader or a crash sees
the old file or the new one; on an object store a PUT is atomic by itself (an object is never
visible half-written), so the file is written in place. Credentials and endpoints come from
the environment, as the object store's own tools read them (``AWS_*`` for S3).

A temp file names its writer (``.<name>.<pid>@<host>.tmp``): one that a killed writer left is
removed by the next writer of its folder, once the process named is gone, and never one of a
live process or of another host (where a pid says nothing).
"""

from __future__ import annotations

import io
import os
import re
import socket
import threading
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import BinaryIO

import fsspec
from fsspec.implementations.local import LocalFileSystem

FileState = dict[str, tuple[int, str]]  # relative path -> (size, mtime or ETag)
_HOST = socket.gethostname()
_TEMP = re.compile(r"^\..+\.(?P<pid>\d{1,7})@(?P<host>[^@/]+)\.tmp$")  # pid_max <= 2**22
_swept: set[Path] = set()  # folders cleaned of dead writers' temp files, by this process
_swept_guard = threading.Lock()


def changed_files(before: FileState, after: FileState) -> list[str]:
    """Files written, rewritten or removed between two states."""
    return sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))


def _fsync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def writer_tag() -> str:
    """``<pid>@<host>``: the writer of a temp file or folder, so that a later run can tell one
    that a killed writer left from one being written."""
    return f"{os.getpid()}@{_HOST}"


def left_by_dead_writer(tag: str) -> bool:
    """Whether ``writer_tag()``'s ``tag`` names a process of this host that is gone (another
    host's pid says nothing here)."""
    pid, _, host = tag.partition("@")
    return host == _HOST and pid.isdigit() and _gone(int(pid))


def _temp_for(target: Path) -> Path:
    return target.with_name(f".{target.name}.{writer_tag()}.tmp")


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # another user's process, alive
        pass
    return False


def _sweep(folder: Path) -> None:
    """Remove the temp files that writers killed mid-write left in ``folder`` (a SIGKILL runs
    no cleanup), the first time this process writes there: once per run for the CLI. The
    sweep never fails a write: what it cannot remove stays for a later one."""
    with _swept_guard:
        if folder in _swept:
            return
        _swept.add(folder)
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        left = _TEMP.match(name)
        if left and left_by_dead_writer(f"{left['pid']}@{left['host']}"):
            with suppress(OSError):  # removed meanwhile, or not this user's to remove
                os.unlink(folder / name)


def _raise(exc: OSError) -> None:
    if not isinstance(exc, FileNotFoundError):  # gone since listed: nothing to read there
        raise exc


class Location:
    """A folder; every path given to or returned by its methods is relative to it."""

    def __init__(self, where: str | os.PathLike[str]) -> None:
        self.url = str(where)
        # A fresh filesystem object: another process may have changed the folder since an
        # earlier one listed it (object-store clients cache listings per instance).
        self.fs, root = fsspec.core.url_to_fs(self.url, skip_instance_cache=True)
        self.local = isinstance(self.fs, LocalFileSystem)
        self.root = root.rstrip("/")

    def path(self, rel: str) -> str:
        """The full path of ``rel`` as this location's filesystem names it."""
        return f"{self.root}/{rel}" if rel else self.root

    @property
    def local_path(self) -> Path | None:
        return Path(self.root) if self.local else None

    def exists(self, rel: str) -> bool:
        return self.fs.exists(self.path(rel))

    def find(self, rel: str = "", suffix: str = "") -> list[str]:
        """Files under ``rel`` (recursively) ending in ``suffix``, hidden ones left out."""
        base = self.path(rel)
        if not self.fs.isdir(base):
            return []
        found = []
        for full in self._files(base):
            name = full[len(self.root) + 1 :] if full.startswith(self.root) else full
            if name.endswith(suffix) and not any(p.startswith(".") for p in name.split("/")):
                found.append(name)
        return sorted(found)

    def _files(self, base: str) -> list[str]:
        """Every file under ``base``. A local folder that cannot be listed raises: fsspec's
        walk leaves it out silently (an unreadable lake would read as an empty one)."""
        if not self.local:
            return self.fs.find(base)
        return [
            f"{top}/{name}" for top, _, names in os.walk(base, onerror=_raise) for name in names
        ]

    def read_bytes(self, rel: str) -> bytes:
        return self.fs.cat_file(self.path(rel))

    def write_bytes(self, rel: str, data: bytes, *, durable: bool = True) -> None:
        """Replace ``rel`` with ``data`` atomically (see the module's docstring)."""
        self.write_with(rel, lambda fh: fh.write(data), durable=durable)

    def write_with(
        self, rel: str, write: Callable[[BinaryIO], object], *, durable: bool = True
    ) -> None:
        """Replace ``rel`` atomically with what ``write(file object)`` writes (a Parquet
        writer, say): straight into a temp file beside it on a local disk, else into memory
        and then one PUT. ``durable=False`` skips the fsyncs, for a caller that writes
        thousands of derived files and calls ``sync`` once at the end (a reader or a crash
        still sees the old file or the new one)."""
        if not self.local:
            buffer = io.BytesIO()
            write(buffer)
            self.fs.pipe_file(self.path(rel), buffer.getvalue())
            return
        target = Path(self.path(rel))
        target.parent.mkdir(parents=True, exist_ok=True)
        _sweep(target.parent)
        tmp = _temp_for(target)
        try:
            with open(tmp, "wb") as fh:
                write(fh)
                if durable:
                    fh.flush()
                    os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)  # half a file left behind keeps a full disk full
            raise
        if durable:
            _fsync_dir(str(target.parent))

    def sweep(self) -> None:
        """Remove the temp files killed writers left anywhere below (local only): a folder
        that nothing is written to this time is cleaned too."""
        if self.local and (root := self.local_path) is not None and root.is_dir():
            for folder, _, _ in os.walk(root):
                _sweep(Path(folder))

    def put(self, rel: str, local_file: Path) -> None:
        """Move a finished local file into place (an upload where the location is remote)."""
        if self.local:
            target = Path(self.path(rel))
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(local_file, target)  # atomic; the caller syncs folders once at the end
        else:
            self.fs.put_file(str(local_file), self.path(rel))
            local_file.unlink()

    def remove(self, rel: str) -> None:
        self.fs.rm_file(self.path(rel))

    def sync(self, rel: str = "") -> None:
        """Flush directory entries to disk (local only: an object store has none to flush)."""
        if not self.local:
            return
        base = Path(self.path(rel))
        if base.is_dir():
            for folder in {base, *(p for p in base.rglob("*") if p.is_dir())}:
                _fsync_dir(str(folder))

    def state(self) -> FileState:
        """Size and modification stamp of every visible file: what a run changed is the
        difference between two states, whichever step wrote it."""
        if not self.fs.isdir(self.root):
            return {}
        state: FileState = {}
        for full, info in self.fs.find(self.root, detail=True).items():
            name = full[len(self.root) + 1 :]
            if any(p.startswith(".") for p in name.split("/")):
                continue
            stamp = info.get("ETag") or info.get("LastModified") or ""
            if self.local:  # a replaced file has a new inode, even within the mtime's resolution
                stamp = f"{info.get('mtime')}:{info.get('ino')}"
            state[name] = (int(info.get("size") or 0), str(stamp))
        return state
