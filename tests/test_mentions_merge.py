"""The mention upsert: new, updated, unchanged and deleted, with their timestamps."""

from __future__ import annotations

from datetime import UTC, date, datetime

from digestlake.core.tables import MENTIONS
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
