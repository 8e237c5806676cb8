"""What keeps an incremental ingest cheap: decoded files kept by write id, and only the
papers buckets a change can touch rewritten."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from digestlake.core.tables import id_bucket
from digestlake.lake.frame_cache import FrameCache
from digestlake.lake.store import Lake
from digestlake.transforms.papers import buckets_to_rewrite


def test_the_frame_cache_keeps_the_most_recent_within_its_budget() -> None:
    frame = pl.DataFrame({"x": list(range(1000))})
    cache = FrameCache(budget_bytes=int(frame.estimated_size() * 2.5))
    for name in ("a", "b", "c"):
        cache.put((name, "1"), frame)
    assert cache.get(("a", "1")) is None  # the oldest went first
    assert cache.get(("b", "1")) is frame and cache.get(("c", "1")) is frame
    cache.put(("huge", "1"), pl.concat([frame] * 10))  # over the whole budget: not kept
    assert cache.get(("huge", "1")) is None and cache.get(("c", "1")) is frame


def test_a_rewritten_file_is_read_again_not_served_from_the_cache(tmp_path: Path) -> None:
    lake = Lake(tmp_path / "lake")
    row = {"source_id": "s", "kind": "digest", "uri": "u", "cursor": "one"}
    lake.write("sources", pl.DataFrame([row]))
    assert lake.read("sources")["cursor"].to_list() == ["one"]
    Lake(tmp_path / "lake").write("sources", pl.DataFrame([{**row, "cursor": "two"}]))
    assert lake.read("sources")["cursor"].to_list() == ["two"]


def mentions(*rows: tuple[str, str | None, str, bool]) -> pl.DataFrame:
    return pl.DataFrame(
        rows, schema=["mention_id", "paper_id", "content_hash", "deleted"], orient="row"
    )


def ids(*paper_ids: str) -> pl.DataFrame:
    return pl.DataFrame({"paper_id": list(paper_ids)}).with_columns(bucket=id_bucket("paper_id"))


def test_only_the_buckets_of_changed_mentions_are_rewritten() -> None:
    before = mentions(
        ("m1", "2401.00001", "h1", False),
        ("m2", "2402.00002", "h2", False),
        ("m3", "2403.00003", "h3", False),
        ("m4", None, "h4", False),
    )
    stored = ids("2401.00001", "2402.00002", "2403.00003")
    assert buckets_to_rewrite(before, before, stored, stored) == set()
    after = mentions(
        ("m1", "2401.00001", "h1", False),
        ("m2", "2402.00002", "h2-edited", False),  # content changed
        ("m3", "2404.00004", "h3", False),  # resolved to another paper
        ("m4", None, "h4", True),  # no paper either way
    )
    derived = ids("2401.00001", "2402.00002", "2404.00004")
    assert buckets_to_rewrite(before, after, stored, derived) == {"2402", "2403", "2404"}
    # A derived paper the lake lacks (or keeps without a mention) is rewritten too.
    assert buckets_to_rewrite(before, before, ids("2401.00001"), stored) == {"2402", "2403"}
