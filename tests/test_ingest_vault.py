"""Vault ingest from git: incremental by commit, renames keep mentions, deletes are kept."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from conftest import MEASUREMENTS, config_for, git, ingest_into

from digestlake.lake.store import Lake
from digestlake.pipeline.config import SourceConfig
from digestlake.pipeline.ingest import ingest_sources
from digestlake.pipeline.runner import LOCAL

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def commit_all(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def ingest(lake: Lake, source: SourceConfig, cache: Path, now: datetime):
    return ingest_into(lake, [source], now, cache)


def note(title: str, arxiv: str, comment: str) -> str:
    return f"https://arxiv.org/abs/{arxiv}\n\n*{title}* (Ann Lee, Bo Kim)\n\n> Abstract.\n\n{comment}\n\n#tag "


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "vault"
    (repo / "arXiv").mkdir(parents=True)
    git(repo, "init", "--quiet", "-b", "main")
    return repo


def test_incremental_ingest_follows_edits_renames_deletes(repo: Path, tmp_path: Path) -> None:
    lake, cache = Lake(tmp_path / "lake"), tmp_path / "cache"
    source = SourceConfig("notes", "vault", path=str(repo))
    (repo / "arXiv" / "240101 A.md").write_text(note("Paper A", "2401.00001", "첫 코멘트."))
    (repo / "arXiv" / "240102 B.md").write_text(note("Paper B", "2401.00002", "B 코멘트."))
    c1 = commit_all(repo, "two notes")
    report = ingest(lake, source, cache, T0)
    assert (report.sources[0].new, report.mentions) == (2, 2)
    assert lake.read("sources")["cursor"].to_list() == [c1]
    before = lake.read("mentions").sort("file")
    ids = dict(zip(before["file"], before["mention_id"], strict=True))

    (repo / "arXiv" / "240101 A.md").write_text(note("Paper A", "2401.00001", "고친 코멘트."))
    (repo / "arXiv" / "2024").mkdir()
    git(repo, "mv", "arXiv/240102 B.md", "arXiv/2024/240102 B.md")
    (repo / "arXiv" / "240103 C.md").write_text(note("Paper C", "2401.00003", "C."))
    (repo / "arXiv" / "240104 D.md").write_bytes("잘못된 인코딩".encode("cp949"))
    commit_all(repo, "edit, move, add, bad encoding")
    report = ingest(lake, source, cache, T0 + timedelta(days=1))
    s = report.sources[0]
    assert (s.new, s.updated, s.quarantined) == (1, 2, 1)  # C new; A edited, B moved
    after = lake.read("mentions")
    a = after.filter(pl.col("file") == "arXiv/240101 A.md").row(0, named=True)
    assert a["mention_id"] == ids["arXiv/240101 A.md"]
    assert a["commentary"] == "고친 코멘트." and a["first_seen_at"] == T0
    assert a["updated_at"] == T0 + timedelta(days=1)
    b = after.filter(pl.col("mention_id") == ids["arXiv/240102 B.md"]).row(0, named=True)
    assert b["file"] == "arXiv/2024/240102 B.md" and not b["deleted"]
    q = lake.read("quarantine").row(0, named=True)
    assert q["file"] == "arXiv/240104 D.md" and "not valid UTF-8" in q["reason"]

    (repo / "arXiv" / "240103 C.md").unlink()
    c3 = commit_all(repo, "delete C")
    ingest(lake, source, cache, T0 + timedelta(days=2))
    c = lake.read("mentions").filter(pl.col("file") == "arXiv/240103 C.md").row(0, named=True)
    assert c["deleted"] and c["title"] == "Paper C"  # kept, not forgotten
    assert lake.read("papers").filter(pl.col("paper_id") == "2401.00003").height == 0
    assert lake.read("sources")["cursor"].to_list() == [c3]

    report = ingest(lake, source, cache, T0 + timedelta(days=3))
    assert report.sources[0].status == "unchanged" and report.files_written == []


def _url_line_ids(clone: Path) -> dict[str, str | None]:
    """For every note: the arXiv id of its first leading URL line, independently of the parser."""
    pattern = re.compile(r"arxiv\.org/(?:abs|pdf)/(\d{4}\.\d{4,5})")
    ids = {}
    for path in clone.rglob("*.md"):
        if ".git" in path.parts:
            continue
        found = None
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            if not re.match(r"^\s*\S?(https?://|arxiv\.org/)", line):
                break
            if m := pattern.search(line):
                found = m.group(1)
                break
        ids[path.relative_to(clone).as_posix()] = found
    return ids


@pytest.fixture(scope="module")
def at_once(bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Lake, Path]:
    """(lake, cache) of the real vault ingested at once, at ``T0``."""
    root = tmp_path_factory.mktemp("at-once")
    lake, cache = Lake(root / "lake"), root / "cache"
    ingest(lake, SourceConfig("v", "vault", path=str(bundle)), cache, T0)
    return lake, cache


def test_real_vault_at_once_then_again(
    at_once: tuple[Lake, Path], bundle: Path, vault_clone: Path
) -> None:
    lake, cache = at_once
    mentions = lake.read("mentions").filter(~pl.col("deleted"))
    dated = [p for p in _url_line_ids(vault_clone) if re.match(r"\d{6}", Path(p).name)]
    assert mentions.filter(pl.col("digest_date").is_not_null()).height == len(dated)
    assert mentions.height == len(_url_line_ids(vault_clone)) == 3762
    expected = _url_line_ids(vault_clone)
    got = dict(zip(mentions["file"], mentions["arxiv_id"], strict=True))
    wrong = {f: (i, got[f]) for f, i in expected.items() if i and got[f] != i}
    assert not wrong, list(wrong.items())[:5]
    papers = lake.read("papers")
    assert papers["paper_id"].is_unique().all()
    MEASUREMENTS.append(
        f"vault bundle at once: {mentions.height} live mentions, "
        f"{mentions['arxiv_id'].is_not_null().sum()} with an arXiv id, {papers.height} papers"
    )

    def data_files() -> dict[Path, int]:  # the run's own record in runs is its one new file
        files = Path(lake.root).rglob("*.parquet")
        return {p: p.stat().st_mtime_ns for p in files if "runs" not in p.parts}

    stamps = data_files()
    source = SourceConfig("v", "vault", path=str(bundle))
    report = ingest(lake, source, cache, T0 + timedelta(days=1))
    assert report.files_written == []
    assert data_files() == stamps


def test_replaying_history_commit_by_commit_equals_ingest_at_once(
    at_once: tuple[Lake, Path], bundle: Path, vault_clone: Path, tmp_path: Path
) -> None:
    commits = git(vault_clone, "rev-list", "--reverse", "HEAD").split()
    assert len(commits) == 211
    cache = tmp_path / "cache"
    replayed, (whole, _) = Lake(tmp_path / "replayed"), at_once

    def stage(lake: Lake, sha: str, now: datetime) -> None:
        """The ingest stage a run calls (the verb adds only its lock and its runs row)."""
        source = SourceConfig("v", "vault", path=str(bundle), rev=sha)
        config = config_for(lake, [source], cache=cache)
        ingest_sources(config, lake, offline=False, now=now, runner=LOCAL)

    for i, sha in enumerate(commits):
        stage(replayed, sha, T0 + timedelta(hours=i))
    assert git(vault_clone, "rev-parse", "HEAD") == commits[-1]  # what at_once ingested
    # Everything but the clock columns (when a mention was first seen and updated).
    columns = [
        c for c in replayed.read("mentions").columns if c not in ("first_seen_at", "updated_at")
    ]
    a = replayed.read("mentions").select(columns).sort("mention_id")
    b = whole.read("mentions").select(columns).sort("mention_id")
    assert a.height == b.height and a.equals(b)
    assert replayed.read("papers").sort("paper_id").equals(whole.read("papers").sort("paper_id"))
    assert a["deleted"].sum() == 2  # the two non-empty notes deleted in the history are kept


def test_file_url_vault_is_mirrored_once_and_fetched_later(repo: Path, tmp_path: Path) -> None:
    lake, cache = Lake(tmp_path / "lake"), tmp_path / "cache"
    source = SourceConfig("remote", "vault", url=f"file://{repo}")
    (repo / "arXiv" / "240101 A.md").write_text(note("Paper A", "2401.00001", "코멘트."))
    commit_all(repo, "one")
    ingest(lake, source, cache, T0)
    assert (cache / "vaults" / "remote.git" / "HEAD").exists()
    (repo / "arXiv" / "240102 B.md").write_text(note("Paper B", "2401.00002", "코멘트."))
    commit_all(repo, "two")
    report = ingest(lake, source, cache, T0 + timedelta(days=1))
    assert report.sources[0].new == 1 and report.mentions == 2
