"""Hostile sources (issue 16): nothing outside a source is read, an unreadable source fails.

The inputs are real: symbolic links to ``/etc/passwd`` and to a secret beside the source, a git
repository with a committed link and a submodule named like a note, folders that cannot be
listed. Unreadable folders need a user the permissions apply to: as root (where ``chmod 000``
stops nothing) the read runs in a forked child that drops to ``nobody`` first.
"""

from __future__ import annotations

import os
import pickle
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from conftest import git

from digestlake.lake.frame_cache import FRAMES
from digestlake.lake.query import run_query
from digestlake.lake.store import Lake, LakeError
from digestlake.sources.digest_files import SourceUnavailable, read_digest_path
from digestlake.sources.vault import read_vault_folder, read_vault_git

SECRET = "-----BEGIN OPENSSH PRIVATE KEY----- do not publish"
DIGEST = "2024년 1월 2일\nA Paper\n(Ann Lee)\nAn abstract long enough to be an abstract.\n코멘트.\n#llm\n"
NOTE = "https://arxiv.org/abs/2401.00001\n\n*Paper A* (Ann Lee)\n\n> Abstract.\n\n코멘트.\n\n#tag\n"
NOBODY = 65534


def hostile_folder(tmp_path: Path, suffix: str) -> Path:
    """A source folder with one real file and links every way out (and one back in)."""
    (tmp_path / "secret.key").write_text(SECRET)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / f"stolen{suffix}").write_text(SECRET)
    root = tmp_path / "source"
    (root / "2024").mkdir(parents=True)
    (root / f"2024/real{suffix}").write_text(DIGEST if suffix == ".txt" else NOTE)
    (root / f"passwd{suffix}").symlink_to("/etc/passwd")
    (root / f"key{suffix}").symlink_to(tmp_path / "secret.key")
    (root / "linked-folder").symlink_to(outside, target_is_directory=True)
    (root / f"2024/again{suffix}").symlink_to(root / f"2024/real{suffix}")  # inside: still a link
    (root / ".hidden").mkdir()
    (root / f".hidden/note{suffix}").write_text(SECRET)
    return root


LINKS = ["2024/again", "key", "linked-folder", "passwd"]


def links(suffix: str) -> list[str]:
    return [name if name == "linked-folder" else name + suffix for name in LINKS]


def leaked(texts: list[str | None]) -> bool:
    passwd = Path("/etc/passwd").read_text().splitlines()[0]
    return any(t is not None and (SECRET in t or passwd in t) for t in texts)


def test_digest_folder_reads_no_link(tmp_path: Path) -> None:
    root = hostile_folder(tmp_path, ".txt")
    fetch = read_digest_path(root, None)
    assert [d.file for d in fetch.documents] == ["2024/real.txt"]
    assert fetch.skipped_links == links(".txt")
    assert not leaked([d.text for d in fetch.documents])


def test_vault_folder_reads_no_link(tmp_path: Path) -> None:
    root = hostile_folder(tmp_path, ".md")
    read = read_vault_folder(root, None)
    assert [n.path for n in read.notes] == ["2024/real.md"]
    assert read.skipped_links == links(".md")
    assert not leaked([n.text for n in read.notes])


def test_a_configured_file_is_read_even_through_a_link(tmp_path: Path) -> None:
    """The operator named the path: it is followed; only what is found inside is not."""
    (tmp_path / "2024-01-02.txt").write_text(DIGEST)
    (tmp_path / "latest.txt").symlink_to(tmp_path / "2024-01-02.txt")
    fetch = read_digest_path(tmp_path / "latest.txt", None)
    assert [(d.file, d.text) for d in fetch.documents] == [("latest.txt", DIGEST)]
    assert fetch.skipped_links == []


# --- git -----------------------------------------------------------------------------------


def new_repo(path: Path, notes: dict[str, str]) -> Path:
    path.mkdir(parents=True)
    git(path, "init", "--quiet", "-b", "main")
    commit(path, notes)
    return path


def commit(repo: Path, notes: dict[str, str], message: str = "notes") -> str:
    for name, text in notes.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    git(repo, "add", "--", *notes)  # not -A: that would drop a gitlink with no folder behind it
    git(repo, "commit", "--quiet", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def add_submodule(repo: Path, name: str) -> None:
    """A gitlink entry (mode 160000) named like a note, as ``git submodule add`` makes one."""
    sha = git(repo, "rev-parse", "HEAD")
    git(repo, "update-index", "--add", "--cacheinfo", f"160000,{sha},{name}")


def test_git_vault_reads_no_link_and_no_submodule(tmp_path: Path) -> None:
    (tmp_path / "secret.key").write_text(SECRET)
    repo = new_repo(tmp_path / "vault", {"arXiv/a.md": NOTE})
    (repo / "arXiv/passwd.md").symlink_to("/etc/passwd")
    (repo / "arXiv/key.md").symlink_to(tmp_path / "secret.key")
    git(repo, "add", "-A")
    add_submodule(repo, "arXiv/x.md")
    git(repo, "commit", "--quiet", "-m", "links and a submodule")
    cache = tmp_path / "cache" / "vault.git"

    read = read_vault_git(str(repo), cache, None)
    assert [n.path for n in read.notes] == ["arXiv/a.md"]
    assert read.skipped_links == ["arXiv/key.md", "arXiv/passwd.md", "arXiv/x.md"]
    texts = [n.text for n in read.notes]
    assert not leaked(texts) and not any("/etc/passwd" in t or "secret.key" in t for t in texts)

    # Later runs read incrementally past the submodule (it was a KeyError on every run).
    cursor = read.cursor
    add_submodule(repo, "arXiv/y.md")
    commit(repo, {"arXiv/b.md": NOTE.replace("Paper A", "Paper B")}, "a note and a submodule")
    read = read_vault_git(str(repo), cache, cursor)
    assert not read.full and [n.path for n in read.notes] == ["arXiv/b.md"]
    assert read.skipped_links == ["arXiv/key.md", "arXiv/passwd.md", "arXiv/x.md", "arXiv/y.md"]

    # Deleting the link and the submodule deletes no note (and raises nothing).
    cursor = read.cursor
    git(repo, "rm", "--quiet", "--cached", "arXiv/x.md", "arXiv/passwd.md")
    git(repo, "commit", "--quiet", "-m", "drop them")
    read = read_vault_git(str(repo), cache, cursor)
    assert read.notes == [] and read.skipped_links == ["arXiv/key.md", "arXiv/y.md"]


def test_git_location_starting_with_a_dash_is_a_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    new_repo(tmp_path / "-vault", {"a.md": NOTE})
    monkeypatch.chdir(tmp_path)
    read = read_vault_git("-vault", tmp_path / "cache" / "v.git", None)
    assert [n.path for n in read.notes] == ["a.md"]
    with pytest.raises(SourceUnavailable, match="does not exist"):
        read_vault_git("--upload-pack=touch pwned", tmp_path / "cache" / "w.git", None)
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize("fetch", [True, False], ids=["online", "offline"])
def test_a_changed_vault_location_reads_the_new_repository(tmp_path: Path, fetch: bool) -> None:
    old = new_repo(tmp_path / "old", {"old.md": NOTE})
    new = new_repo(tmp_path / "new", {"new.md": NOTE.replace("Paper A", "Paper N")})
    cache = tmp_path / "cache" / "vault.git"
    first = read_vault_git(str(old), cache, None)
    assert [n.path for n in first.notes] == ["old.md"]

    read = read_vault_git(str(new), cache, first.cursor, fetch=fetch)
    assert read.full and [n.path for n in read.notes] == ["new.md"]
    assert read.cursor == git(new, "rev-parse", "HEAD")
    assert not cache.with_name("vault.git.old").exists()
    assert read_vault_git(str(new), cache, read.cursor).unchanged  # the new mirror is kept


# --- unreadable sources --------------------------------------------------------------------


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A temporary folder the unprivileged child can reach (pytest's own is private to us)."""
    root = Path(tempfile.mkdtemp(prefix="digestlake-hostile-"))
    root.chmod(0o755)
    try:
        yield root
    finally:
        for folder, _, _ in os.walk(root):  # top-down: each folder is opened before entered
            os.chmod(folder, 0o755)
        shutil.rmtree(root)


def as_nobody(read: Callable[[], Any]) -> Any:
    """``read()`` in a forked child whose permissions apply (``nobody`` when we are root).
    Returns its result, or the exception it raised as (type name, message)."""
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            if os.geteuid() == 0:
                os.setgroups([])
                os.setgid(NOBODY)
                os.setuid(NOBODY)
            try:
                outcome: Any = ("ok", read())
            except Exception as exc:
                outcome = ("raised", type(exc).__name__, str(exc))
            os.write(wfd, pickle.dumps(outcome))
        finally:
            os._exit(0)
    os.close(wfd)
    with os.fdopen(rfd, "rb") as fh:
        data = fh.read()
    os.waitpid(pid, 0)
    return pickle.loads(data)


def as_nobody_here(read: Callable[[], Any]) -> Any:
    """``read()`` in this process with ``nobody``'s permissions (when we are root), for code
    whose runtime does not survive a fork (delta-rs' tokio panics in a forked child). glibc
    applies ``seteuid`` to every thread; the modules it needs are imported first, as root,
    and no frame of the lake is served from this process's cache."""
    FRAMES.clear()
    root = os.geteuid() == 0
    if root:
        os.setegid(NOBODY)
        os.seteuid(NOBODY)
    try:
        try:
            return ("ok", read())
        except Exception as exc:
            return ("raised", type(exc).__name__, str(exc))
    finally:
        if root:
            os.seteuid(0)
            os.setegid(0)


def readable_by_all(root: Path) -> Path:
    for path in [root, *root.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return root


def digest_folder(where: Path) -> Path:
    root = where / "d"
    (root / "2024").mkdir(parents=True)
    (root / "2024-01-02.txt").write_text(DIGEST)
    (root / "2024/2024-01-03.txt").write_text(DIGEST.replace("1월 2일", "1월 3일"))
    return readable_by_all(root)


def files_read(fetch) -> list[str]:
    return [d.file for d in fetch.documents]


def test_the_child_really_reads_as_a_user_the_permissions_apply_to(shared_tmp: Path) -> None:
    root = digest_folder(shared_tmp)
    assert as_nobody(lambda: files_read(read_digest_path(root, None))) == (
        "ok",
        ["2024/2024-01-03.txt", "2024-01-02.txt"],
    )
    root.chmod(0o000)
    if os.geteuid() == 0:
        assert files_read(read_digest_path(root, None))  # root itself is not stopped


@pytest.mark.parametrize(
    "unreadable", ["d", "d/2024", "d/2024-01-02.txt"], ids=["source folder", "sub-folder", "file"]
)
def test_an_unreadable_source_fails_instead_of_reading_empty(
    shared_tmp: Path, unreadable: str
) -> None:
    root = digest_folder(shared_tmp)
    (shared_tmp / unreadable).chmod(0o000)
    outcome = as_nobody(lambda: files_read(read_digest_path(root, None)))
    assert outcome[:2] == ("raised", "SourceUnavailable")
    assert outcome[2] == f"{shared_tmp / unreadable}: cannot be read: Permission denied"


def test_an_unreadable_vault_folder_or_digest_file_fails(shared_tmp: Path) -> None:
    root = digest_folder(shared_tmp)
    (root / "note.md").write_text(NOTE)
    (root / "note.md").chmod(0o000)
    failed = ("raised", "SourceUnavailable", f"{root}/note.md: cannot be read: Permission denied")
    assert as_nobody(lambda: read_vault_folder(root, None).notes) == failed
    assert as_nobody(lambda: read_digest_path(root / "note.md", None).documents) == failed


def test_a_missing_source_fails(tmp_path: Path) -> None:
    with pytest.raises(SourceUnavailable, match="no such file or folder"):
        read_vault_folder(tmp_path / "absent", None)


# --- the lake ------------------------------------------------------------------------------


def small_lake(root: Path) -> Lake:
    lake = Lake(root)
    lake.upsert("sources", pl.DataFrame({"source_id": ["d", "v"], "kind": ["digest", "vault"]}))
    mentions = {"mention_id": ["m1", "m2", "m3"], "source_id": ["d", "d", "v"]}
    lake.upsert("mentions", pl.DataFrame(mentions))
    return lake


def test_a_lake_path_with_glob_characters_is_read_as_named(tmp_path: Path) -> None:
    lake = small_lake(tmp_path / "lake [2024] *?")
    assert lake.read("mentions").sort("mention_id")["source_id"].to_list() == ["d", "d", "v"]
    assert lake.read("sources", columns=["kind"])["kind"].sort().to_list() == ["digest", "vault"]
    counts = lake.row_counts()
    assert (counts["sources"], counts["mentions"]) == (2, 3)
    per_source = run_query(lake, "select source_id, count(*) n from mentions group by 1 order by 1")
    assert per_source.rows() == [("d", 2), ("v", 1)]


def test_a_lake_path_that_is_a_file_cannot_be_read(tmp_path: Path) -> None:
    (tmp_path / "lake").write_text("not a lake")
    lake = Lake(tmp_path / "lake")
    for read in (lake.row_counts, lambda: run_query(lake, "select * from papers")):
        with pytest.raises(LakeError, match=f"cannot be read: {tmp_path / 'lake'} is a file"):
            read()


@pytest.mark.parametrize(
    "unreadable",
    [
        "lake", "lake/sources", "lake/sources/_delta_log", "lake/mentions/source_id=v",
        "lake/sources/part-*.parquet",
    ],
    ids=["lake folder", "table folder", "table log", "partition folder", "data file"],
)  # fmt: skip
def test_an_unreadable_lake_says_so(shared_tmp: Path, unreadable: str) -> None:
    readable_by_all(small_lake(shared_tmp / "lake").location.local_path)
    if "*" in unreadable:
        (found,) = shared_tmp.glob(unreadable)
        unreadable = str(found.relative_to(shared_tmp))
    (shared_tmp / unreadable).chmod(0o000)
    table = "mentions" if "mentions" in unreadable else "sources"
    lake = Lake(shared_tmp / "lake")
    data_only = "parquet" in unreadable or "=" in unreadable  # the log is readable
    for read in (
        *(() if data_only else (lake.row_counts,)),  # counted from the log alone
        lambda: lake.read(table).height,
        lambda: run_query(lake, f"select count(*) from {table}").item(),
    ):
        outcome = as_nobody_here(read)
        assert outcome[:2] == ("raised", "LakeError"), outcome
        assert outcome[2].startswith("the lake cannot be read: "), outcome
        assert f"{shared_tmp / unreadable}" in outcome[2] and "Permission denied" in outcome[2]
