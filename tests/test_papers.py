"""Resolution of mentions to papers and the papers built from them (pure functions)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
from conftest import ingest_into

from digestlake.core.tables import PAPERS
from digestlake.lake.store import Lake, conform
from digestlake.pipeline.config import SourceConfig
from digestlake.transforms.entry import build_entry
from digestlake.transforms.mentions import MentionInput, mentions_frame
from digestlake.transforms.papers import (
    arxiv_wins,
    build_papers,
    has_arxiv_metadata,
    resolve_mentions,
)


def entry(title, *, urls=(), abstract=None, day=date(2024, 1, 2)):
    return build_entry(
        line=1, title=title, authors_raw="Ann Lee, Bo Kim", abstract=abstract,
        commentary_lines=["코멘트."], tags=["x"], source_urls=urls, digest_date=day,
    )  # fmt: skip


def frame(kind: str, *items: tuple[str, object]) -> pl.DataFrame:
    return mentions_frame("s", kind, [MentionInput(e, f, f) for f, e in items])


def resolve(mentions: pl.DataFrame, papers: pl.DataFrame | None = None):
    papers = PAPERS.empty() if papers is None else papers
    resolved = resolve_mentions(mentions, papers)
    # The rows a reconcile writes from mentions: arXiv-described papers stay as they are.
    return resolved, arxiv_wins(papers, build_papers(resolved)).filter(~has_arxiv_metadata())


def test_explicit_id_then_exact_title_match() -> None:
    notes = frame(
        "note",
        (
            "n1.md",
            entry(
                "Scaling Laws: A Study",
                urls=["https://arxiv.org/abs/2401.00001v3"],
                abstract="Abs.",
            ),
        ),
    )
    digest = frame("digest", ("d.txt", entry("scaling laws — a study?")))
    resolved, papers = resolve(pl.concat([notes, digest]))
    assert resolved["paper_id"].to_list() == ["2401.00001", "2401.00001"]
    assert resolved["resolution"].to_list() == ["explicit_link", "title_match"]
    assert papers.height == 1
    paper = papers.row(0, named=True)
    assert (paper["latest_version"], paper["abstract"], paper["metadata_source"]) == (
        3,
        "Abs.",
        "note",
    )
    assert paper["url"] == "https://arxiv.org/abs/2401.00001"
    assert paper["authors"] == [
        {"name": "Ann Lee", "affiliation": None},
        {"name": "Bo Kim", "affiliation": None},
    ]


def test_unknown_title_gets_a_provisional_paper_that_merges_later() -> None:
    digest = frame("digest", ("d.txt", entry("A Blog Post About Models")))
    resolved, papers = resolve(digest)
    provisional = resolved["paper_id"][0]
    assert provisional.startswith("dl:") and resolved["resolution"][0] == "none"
    assert papers["paper_id"].to_list() == [provisional]
    # The same paper arrives later with an id: the digest mention joins it, the stub goes.
    note = frame(
        "note",
        ("n.md", entry("A Blog Post About Models", urls=["https://arxiv.org/abs/2402.00002"])),
    )
    resolved, papers = resolve(pl.concat([digest, note]), papers)
    assert set(resolved["paper_id"]) == {"2402.00002"}
    assert papers["paper_id"].to_list() == ["2402.00002"]


def test_title_shared_by_two_arxiv_papers_is_not_matched() -> None:
    notes = frame(
        "note",
        ("a.md", entry("Attention Is All You Need", urls=["https://arxiv.org/abs/1706.03762"])),
        ("b.md", entry("Attention is all you need!", urls=["https://arxiv.org/abs/2501.00009"])),
    )
    digest = frame("digest", ("d.txt", entry("Attention Is All You Need")))
    resolved, _ = resolve(pl.concat([notes, digest]))
    assert resolved.filter(pl.col("kind") == "digest")["resolution"].to_list() == ["none"]


def test_entry_with_neither_title_nor_link_is_no_paper() -> None:
    remark = build_entry(
        line=1,
        title=None,
        authors_raw=None,
        abstract=None,
        commentary_lines=["공지."],
        tags=["news"],
    )
    resolved, papers = resolve(frame("digest", ("d.txt", remark)))
    assert resolved["paper_id"].to_list() == [None] and papers.height == 0


def test_arxiv_metadata_is_kept_over_what_mentions_say() -> None:
    note = frame("note", ("n.md", entry("Digest Title", urls=["https://arxiv.org/abs/2401.00001"])))
    fetched = conform(
        pl.DataFrame(
            {
                "paper_id": ["2401.00001"],
                "arxiv_id": ["2401.00001"],
                "title": ["arXiv Title"],
                "metadata_source": ["arxiv"],
            }
        ),
        PAPERS,
    )
    resolved, papers = resolve(note, fetched)
    assert resolved["paper_id"].to_list() == ["2401.00001"]
    assert papers.height == 0  # the arXiv row stays as the lake has it (see test_ingest_*)


def dangling(mentions: pl.DataFrame, papers: pl.DataFrame) -> pl.DataFrame:
    """Mentions whose paper_id is neither null nor a paper."""
    named = pl.col("paper_id").is_not_null()
    return mentions.filter(named & ~pl.col("paper_id").is_in(papers["paper_id"].implode()))


def test_a_deleted_mention_keeps_its_paper_only_while_the_paper_exists() -> None:
    gone = frame(
        "note",
        ("gone.md", entry("Only Here", urls=["https://arxiv.org/abs/2401.00001"])),
        ("also.md", entry("Still Here", urls=["https://arxiv.org/abs/2401.00002"])),
        ("desc.md", entry("Described", urls=["https://arxiv.org/abs/2401.00003"])),
    ).with_columns(deleted=pl.lit(True))
    live = frame("digest", ("d.txt", entry("Still", urls=["https://arxiv.org/abs/2401.00002"])))
    fetched = conform(
        pl.DataFrame({"paper_id": ["2401.00003"], "arxiv_id": ["2401.00003"]}), PAPERS
    ).with_columns(metadata_source=pl.lit("arxiv"))
    resolved, derived = resolve(pl.concat([gone, live]), fetched)
    by_file = {r["file"]: r for r in resolved.to_dicts()}
    assert (by_file["gone.md"]["paper_id"], by_file["gone.md"]["resolution"]) == (None, "none")
    assert by_file["gone.md"]["arxiv_id"] == "2401.00001"  # what the note said is kept
    assert by_file["also.md"]["paper_id"] == by_file["d.txt"]["paper_id"] == "2401.00002"
    assert by_file["desc.md"]["paper_id"] == "2401.00003"  # arXiv describes it: it exists
    assert dangling(resolved, pl.concat([fetched, derived])).height == 0


def test_every_mention_of_the_real_vault_names_a_paper_or_none(
    bundle: Path, tmp_path: Path
) -> None:
    lake = Lake(tmp_path / "lake")
    source = SourceConfig("arxiv-today", "vault", path=str(bundle))
    ingest_into(lake, [source], datetime(2026, 1, 1, tzinfo=UTC), tmp_path / "cache")
    mentions = lake.read("mentions")
    assert mentions["deleted"].sum() == 2  # notes deleted in the history, one of them the
    assert dangling(mentions, lake.read("papers")).height == 0  # only mention of its paper


def test_resolution_needs_only_the_papers_of_its_titles_and_ids() -> None:
    """Reconcile reads papers for the rows ``papers_read_by_resolution`` names only (a lake
    after a snapshot import holds millions): resolving against those rows decides every
    mention as resolving against the whole table does, for each way a mention resolves."""
    from digestlake.transforms.papers import papers_read_by_resolution

    arxiv = conform(
        pl.DataFrame(
            {
                "paper_id": [
                    "2401.00001",
                    "2401.00002",
                    "2401.00003",
                    "2402.00004",
                    "2402.00005",
                    "2403.00006",
                    "2403.00007",
                    "2404.00008",
                ],
                "title_norm": [
                    "scaling laws a study",
                    "twin title",
                    "twin title",
                    "described only",
                    "searched one",
                    "unrelated one",
                    "unrelated two",
                    "gone but described",
                ],
                "metadata_source": ["arxiv-snapshot"] * 4 + ["arxiv"] * 4,
            }
        ).with_columns(arxiv_id="paper_id"),
        PAPERS,
    )
    mentions = pl.concat(
        [
            frame("digest", ("d1.txt", entry("Scaling laws: a study"))),  # by title
            frame("digest", ("d2.txt", entry("Twin Title"))),  # ambiguous: two papers
            frame("digest", ("d3.txt", entry("Described Only"))),  # unique arXiv title
            frame("digest", ("d4.txt", entry("Searched one, misspelt"))),  # a search hit
            frame("digest", ("d5.txt", entry("Never Heard Of"))),  # provisional
            frame(
                "note",
                ("g.md", entry("Gone", urls=["https://arxiv.org/abs/2404.00008"])),
                ("h.md", entry("Gone Too", urls=["https://arxiv.org/abs/2405.00009"])),
            ).with_columns(deleted=pl.lit(True)),  # one described, one not
        ]
    )
    searched = pl.DataFrame(
        {
            "mention_id": mentions.filter(pl.col("file") == "d4.txt")["mention_id"],
            "searched_paper": ["2402.00005"],
            "searched_resolution": ["title_search"],
            "searched_score": [0.93],
        }
    )
    titles, ids = papers_read_by_resolution(mentions, searched)
    needed = arxiv.filter(
        pl.col("title_norm").is_in(titles.implode()) | pl.col("paper_id").is_in(ids.implode())
    )
    assert set(needed["paper_id"]) == {
        "2401.00001", "2401.00002", "2401.00003", "2402.00004", "2402.00005", "2404.00008"
    }  # fmt: skip
    whole = resolve_mentions(mentions, arxiv, searched)
    assert whole.equals(resolve_mentions(mentions, needed, searched), null_equal=True)
    by_file = dict(zip(whole["file"], whole["resolution"], strict=True))
    assert by_file == {
        "d1.txt": "title_match", "d2.txt": "none", "d3.txt": "title_match",
        "d4.txt": "title_search", "d5.txt": "none", "g.md": "explicit_link", "h.md": "none",
    }  # fmt: skip
