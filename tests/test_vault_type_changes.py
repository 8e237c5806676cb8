"""A note that becomes a link in git is deleted (as a note that goes is), and a link that
becomes a note is added: read commit by commit or at once, the vault says the same."""

from __future__ import annotations

import os
from pathlib import Path

from conftest import git

from digestlake.sources.vault import read_vault_git

NOTE = "# {title}\n\nhttps://arxiv.org/abs/2401.0000{n}\n\n코멘트.\n\n#llm\n"


def _commit(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def _seen(read) -> dict[str, tuple[bool, str | None]]:
    return {n.identity: (n.deleted, n.text) for n in read.notes}


def test_a_note_turned_link_is_deleted_and_a_link_turned_note_added(tmp_path: Path) -> None:
    repo = tmp_path / "vault"
    repo.mkdir()
    git(repo, "init", "--quiet", "-b", "main")
    (repo / "a.md").write_text(NOTE.format(title="Paper A", n=1))
    (repo / "b.md").write_text(NOTE.format(title="Paper B", n=2))
    (repo / "c.md").symlink_to("b.md")
    first = _commit(repo, "two notes and a link")
    os.remove(repo / "a.md")
    (repo / "a.md").symlink_to("/etc/passwd")  # a note becomes a link out of the vault
    os.remove(repo / "c.md")
    (repo / "c.md").write_text(NOTE.format(title="Paper C", n=3))  # a link becomes a note
    _commit(repo, "type changes")

    cache = tmp_path / "cache.git"
    step = read_vault_git(str(repo), cache, None, rev=first)
    assert _seen(step) == {
        "a.md": (False, NOTE.format(title="Paper A", n=1)),
        "b.md": (False, NOTE.format(title="Paper B", n=2)),
    }
    incremental = read_vault_git(str(repo), cache, step.cursor)
    at_once = read_vault_git(str(repo), tmp_path / "other.git", None)
    assert not incremental.full and at_once.full
    expected = {
        "a.md": (True, NOTE.format(title="Paper A", n=1)),  # its last text, marked deleted
        "c.md": (False, NOTE.format(title="Paper C", n=3)),
    }
    assert _seen(incremental) == expected
    assert {k: v for k, v in _seen(at_once).items() if k != "b.md"} == expected
    assert incremental.skipped_links == at_once.skipped_links == ["a.md"]
    assert all("root:" not in (n.text or "") for n in [*incremental.notes, *at_once.notes])
