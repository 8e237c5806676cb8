"""The mention upsert: new, updated, unchanged and deleted, with their timestamps."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
from conftest import git, ingest_into

from digestlake.core.tables import MENTIONS
from digestlake.pipeline.config import SourceConfig
from digestlake.transforms.entry import build_entry
from digestlake.transforms.mentions import (
    MentionInput,
    digest_identity,
    mentions_frame,
    merge_mentions,
)

T1 = datetime(2026, 1, 1, tzinfo=UTC)
T2 = datetime(2026, 1, 2, tzinfo=UTC)


def entries(*comments: str, file: str = "d.txt", prefix: str = "Paper"):
    items = []
    for i, comment in enumerate(comments):
        e = build_entry(
            line=i + 1, title=f"{prefix} {i}", authors_raw="A B", abstract=None,
            commentary_lines=[comment], tags=[], digest_date=date(2024, 1, 2), position=i + 1,
        )  # fmt: skip
        items.append(MentionInput(e, file, digest_identity(e)))
    return mentions_frame("s", "digest", items)


def test_merge_is_idempotent_and_tracks_changes() -> None:
    first = merge_mentions(MENTIONS.empty(), entries("a", "b"), now=T1, reread_files=["d.txt"])
    assert (first.new, first.updated, first.unchanged) == (2, 0, 0)
    again = merge_mentions(first.table, entries("a", "b"), now=T2, reread_files=["d.txt"])
    assert (again.new, again.updated, again.unchanged, again.deleted) == (0, 0, 2, 0)
    assert again.table.sort("mention_id").equals(first.table.sort("mention_id"))
    edited = merge_mentions(first.table, entries("a2"), now=T2, reread_files=["d.txt"])
    assert (edited.updated, edited.deleted) == (1, 1)
    rows = {r["title"]: r for r in edited.table.to_dicts()}
    assert rows["Paper 0"]["first_seen_at"] == T1 and rows["Paper 0"]["updated_at"] == T2
    assert rows["Paper 1"]["deleted"] and rows["Paper 1"]["commentary"] == "b"


def test_mentions_of_files_not_read_again_are_untouched() -> None:
    first = merge_mentions(MENTIONS.empty(), entries("a", file="x.txt"), now=T1)
    merged = merge_mentions(
        first.table, entries("z", file="y.txt", prefix="Other"), now=T2, reread_files=["y.txt"]
    )
    assert merged.table.height == 2 and not merged.table["deleted"].any()


def test_same_title_twice_in_a_day_gets_two_mentions() -> None:
    e = build_entry(
        line=1,
        title="Same",
        authors_raw=None,
        abstract=None,
        commentary_lines=["x"],
        tags=[],
        digest_date=date(2024, 1, 2),
    )
    df = mentions_frame(
        "s", "digest", [MentionInput(e, "d.txt", "k"), MentionInput(e, "d.txt", "k")]
    )
    assert df["mention_id"].n_unique() == 2


def deleted_notes(*titles: str, deleted: bool = True) -> pl.DataFrame:
    """Notes as a vault read gives them: ``deleted`` for notes gone by the commit read."""
    items = []
    for i, title in enumerate(titles):
        e = build_entry(
            line=1, title=title, authors_raw="A B", abstract=None, commentary_lines=["c"],
            tags=[], digest_date=date(2024, 1, 2), position=i + 1,
        )  # fmt: skip
        items.append(MentionInput(e, f"{title}.md", f"{title}.md", deleted=deleted))
    return mentions_frame("s", "note", items)


def test_a_mention_that_arrives_deleted_counts_as_deleted_not_new() -> None:
    # The first read of a history that added and deleted "Gone": one new, one deleted.
    incoming = pl.concat([deleted_notes("Kept", deleted=False), deleted_notes("Gone")])
    first = merge_mentions(MENTIONS.empty(), incoming, now=T1, deleted_files=["Gone.md"])
    assert (first.new, first.updated, first.unchanged, first.deleted) == (1, 0, 0, 1)
    assert first.table.filter(pl.col("deleted"))["title"].to_list() == ["Gone"]
    # Read again: nothing changed.
    again = merge_mentions(first.table, incoming, now=T2, deleted_files=["Gone.md"])
    assert (again.new, again.updated, again.unchanged, again.deleted) == (0, 0, 2, 0)
    # A live mention that arrives deleted is deleted, not updated.
    gone = merge_mentions(first.table, deleted_notes("Kept"), now=T2, deleted_files=["Kept.md"])
    assert (gone.new, gone.updated, gone.unchanged, gone.deleted) == (0, 0, 0, 1)


def test_first_ingest_of_a_history_that_deletes_a_note_reports_it_deleted(tmp_path: Path) -> None:
    repo = tmp_path / "vault"
    (repo / "arXiv").mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    for title in ("A", "B"):
        (repo / "arXiv" / f"240101 {title}.md").write_text(
            f"*Paper {title}* (Ann Lee)\n\n코멘트.\n"
        )
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "two notes")
    git(repo, "rm", "-q", "arXiv/240101 B.md")
    git(repo, "commit", "-qm", "one deleted")
    source = SourceConfig("notes", "vault", path=str(repo))
    report = ingest_into(tmp_path / "lake", [source], T1, tmp_path / "cache")
    (notes,) = report.sources
    assert (notes.new, notes.updated, notes.deleted) == (1, 0, 1)
