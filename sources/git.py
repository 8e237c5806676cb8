"""The few git plumbing commands a vault needs, run on a bare mirror kept in the cache.

Reading blobs at a commit (rather than checking files out) lets ingest read any commit of
the history without touching a work tree, which is also how history replay is tested.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path


class GitError(RuntimeError):
    pass


def _git(repo: Path | None, *args: str, input: bytes | None = None, check: bool = True) -> bytes:
    cmd = ["git", *(["-C", str(repo)] if repo else []), *args]
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    proc = subprocess.run(cmd, input=input, capture_output=True, env=env)
    if check and proc.returncode != 0:
        detail = proc.stderr.decode(errors="replace").strip().splitlines()
        raise GitError(f"git {' '.join(args[:2])}: {detail[-1] if detail else proc.returncode}")
    return proc.stdout


# The location a mirror was cloned from, exactly as configured (git itself stores a local
# path made absolute, so its ``remote.origin.url`` cannot be compared with the config).
_LOCATION_KEY = "digestlake.location"


def mirrors(cache: Path, url: str) -> bool:
    """Whether ``cache`` is a finished mirror cloned from ``url``."""
    if not (cache / "HEAD").exists():
        return False
    return _git(cache, "config", "--get", _LOCATION_KEY, check=False).decode().strip() == url


def mirror(url: str, cache: Path) -> Path:
    """A bare mirror of ``url`` under ``cache``: cloned the first time, fetched afterwards,
    cloned afresh when the source's ``url`` changed (a fetch would go on reading the old
    repository, and a cursor commit of it would still resolve)."""
    if mirrors(cache, url):
        _git(cache, "fetch", "--prune", "--quiet", "origin")
        return cache
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp, old = (cache.with_name(f"{cache.name}.{end}") for end in ("partial", "old"))
    for leftover in (tmp, old):  # left by a clone or a swap that was killed
        shutil.rmtree(leftover, ignore_errors=True)
    # ``--``: a URL starting with ``-`` is a repository, never an option of git clone.
    _git(None, "clone", "--mirror", "--quiet", "-c", f"{_LOCATION_KEY}={url}", "--", url, str(tmp))
    if cache.exists():
        cache.rename(old)  # the old mirror serves until the new one is complete
    tmp.rename(cache)  # a clone killed halfway never looks like a finished mirror
    shutil.rmtree(old, ignore_errors=True)
    return cache


def rev_parse(repo: Path, rev: str) -> str:
    """The commit ``rev`` names in ``repo`` (a mirror: a failure can only be the rev)."""
    spec = f"{rev}^{{commit}}"  # after --end-of-options: a rev starting with ``-`` is no option
    try:
        out = _git(repo, "rev-parse", "--verify", "--quiet", "--end-of-options", spec)
    except GitError as exc:  # --quiet: git says nothing but its exit status
        raise GitError(f"rev {rev!r} names no commit (a branch, tag or commit id)") from exc
    return out.decode().strip()


def _succeeds(repo: Path, *args: str) -> bool:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True).returncode == 0


def commit_date(repo: Path, sha: str) -> str:
    """The committer date of ``sha``, ISO 8601 (``2025-07-20T11:37:34-06:00``)."""
    return _git(repo, "show", "-s", "--format=%cI", sha).decode().strip()


def has_commit(repo: Path, sha: str) -> bool:
    return _succeeds(repo, "cat-file", "-e", f"{sha}^{{commit}}")


def is_ancestor(repo: Path, older: str, newer: str) -> bool:
    return _succeeds(repo, "merge-base", "--is-ancestor", older, newer)


@dataclass(slots=True)
class Tree:
    """The entries of a commit's tree: regular files, and the links nobody may follow."""

    files: dict[str, str] = field(default_factory=dict)  # path -> blob id
    links: list[str] = field(default_factory=list)  # symbolic links and submodules (gitlinks)


_LINK_MODES = (b"120000", b"160000")  # a link's blob is its target path, not content


def ls_tree(repo: Path, commit: str) -> Tree:
    """Every regular file at ``commit`` (mode 100644 or 100755), and every link apart."""
    out = _git(repo, "ls-tree", "-r", "-z", "--full-tree", commit)
    tree = Tree()
    for record in out.split(b"\0"):
        if record:
            meta, _, path = record.partition(b"\t")
            mode, _kind, blob = meta.split()
            if mode in _LINK_MODES:
                tree.links.append(path.decode())
            else:
                tree.files[path.decode()] = blob.decode()
    return tree


def diff_names(repo: Path, old: str, new: str) -> list[tuple[str, str | None, str]]:
    """(status letter, old path or None, path) for every file changed from ``old`` to ``new``."""
    out = _git(repo, "diff", "--name-status", "-z", "-M", "--no-ext-diff", old, new)
    fields = out.split(b"\0")
    changes: list[tuple[str, str | None, str]] = []
    i = 0
    while i < len(fields) and fields[i]:
        status = fields[i].decode()[0]
        if status in "RC":
            changes.append((status, fields[i + 1].decode(), fields[i + 2].decode()))
            i += 3
        else:
            changes.append((status, None, fields[i + 1].decode()))
            i += 2
    return changes


@dataclass(slots=True)
class History:
    """Identities along a stretch of history: the path each file had when it was added."""

    first: dict[str, str] = field(default_factory=dict)  # live path -> first path
    # first path -> (path when deleted, the deleting commit), for files gone by the end
    deleted: dict[str, tuple[str, str]] = field(default_factory=dict)


def walk_history(repo: Path, commit: str, since: str | None = None) -> History:
    """Follow adds, renames and deletes from ``since`` (or the root) to ``commit``.

    Files older than ``since`` map to themselves. A note that becomes a link (or a gitlink) is
    deleted, as a note that goes is, and a link that becomes a file is added: the incremental
    and the full read of a history then agree (neither reads a link).
    """
    rng = f"{since}..{commit}" if since else commit
    out = _git(repo, "log", "--reverse", "-M", "--raw", "-z", "--format=%x01%H", rng)
    history = History()
    first, deleted = history.first, history.deleted
    for block in out.split(b"\x01")[1:]:
        sha, rest = block[:40].decode(), block[40:]
        fields = [f.decode() for f in rest.strip(b"\n\0").split(b"\0") if f.strip()]
        i = 0
        while i < len(fields):
            # ":<old mode> <new mode> <old blob> <new blob> <status>", then the path(s)
            old_mode, new_mode, _, _, status = fields[i].strip().lstrip(":").split()
            status = status[:1]
            if status in "RC":
                old, new = fields[i + 1], fields[i + 2]
                first[new] = first.pop(old, old) if status == "R" else new
                i += 3
                continue
            path = fields[i + 1]
            i += 2
            if status == "T":  # a file became a link, or a link a file
                status = "D" if new_mode.encode() in _LINK_MODES else "A"
                if old_mode.encode() in _LINK_MODES and new_mode.encode() in _LINK_MODES:
                    continue
            if status == "D":
                deleted[first.pop(path, path)] = (path, sha)
            elif status == "A" or path not in first:
                first[path] = path
                deleted.pop(path, None)  # re-added: alive again under its old identity
    return history


def read_blobs(repo: Path, blobs: list[str]) -> dict[str, bytes]:
    """Contents of many objects (ids or ``<rev>:<path>``) through one ``git cat-file --batch``."""
    if not blobs:
        return {}
    out = _git(repo, "cat-file", "--batch", input="\n".join(blobs).encode() + b"\n")
    contents: dict[str, bytes] = {}
    pos = 0
    for blob in blobs:
        header_end = out.index(b"\n", pos)
        header = out[pos:header_end].split()
        if len(header) < 3 or header[-1] in (b"missing", b"ambiguous"):
            raise GitError(f"blob {blob} missing from the repository")
        size = int(header[2])
        contents[blob] = out[header_end + 1 : header_end + 1 + size]
        pos = header_end + 1 + size + 1
    return contents
