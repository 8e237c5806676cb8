"""kind = "links": paper links in text, Markdown and HTML digests, DAIR.AI's weekly list in git
read commit by commit, and the cross-digest check: the vault, DAIR.AI's list, a recorded HF
day and an arXiv listing in one lake give one paper per arXiv id."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest
from conftest import BUNDLE, CORPUS, MEASUREMENTS, ROOT, config_for, git, need_shared
from httpserver import Route
from standin_feeds import serve_feeds

from digestlake.lake.store import Lake
from digestlake.pipeline.config import SourceConfig
from digestlake.pipeline.ingest import ingest
from digestlake.pipeline.runner import SingleWriterRunner
from digestlake.sources.http import HttpPolicy
from digestlake.transforms.arxiv_ids import find_arxiv_ids
from digestlake.transforms.links import heading_day, link_mentions

DAIR = CORPUS / "ml-papers-of-the-week.bundle"
NOW = datetime(2025, 8, 1, tzinfo=UTC)


def run(lake: Path, *sources: SourceConfig, policy: HttpPolicy | None = None):
    config = config_for(lake, sources, cache=lake.parent / "cache")
    if policy is not None:
        config = dataclasses.replace(config, http=policy)
    return ingest(config, now=NOW, runner=SingleWriterRunner())


def test_a_heading_dates_its_links_by_the_day_it_names() -> None:
    assert heading_day("Top ML Papers of the Week (May 27 - June 2) - 2024", None) == date(
        2024, 6, 2
    )
    assert heading_day("Top ML Papers of the Week (Jan 1-8)", 2023) == date(2023, 1, 8)
    assert heading_day("Top ML Papers of the Week (Jan 30-Feb 5)", 2023) == date(2023, 2, 5)
    assert heading_day("Weekly digest 2024-03-05", None) == date(2024, 3, 5)
    assert heading_day("Papers I liked", 2024) is None
    assert heading_day("February 30", 2024) is None  # no such day


def test_rows_items_and_paragraphs_are_the_commentary_of_their_links() -> None:
    text = """# Reading list
## 2024
### Week of March 4
- **Mamba** is a selective state space model #ssm
  that scales linearly. [arXiv](https://arxiv.org/pdf/2312.00752v2.pdf)
- A DOI-only paper: https://doi.org/10.1145/3442188.3445922 #ethics

| **Paper** | **Links** |
| --- | --- |
| 1) **Toolformer** - teaches itself tools | [Paper](https://arxiv.org/abs/2302.04761), [Tweet](https://x.com/a/status/1) |

A paragraph naming https://huggingface.co/papers/2410.17243 and
https://www.alphaxiv.org/abs/2303.17651 on two lines.
"""
    mentions, issues = link_mentions(text, "list.md", date(2024, 1, 1))
    assert issues == []
    got = [(m.entry.arxiv_id, m.entry.arxiv_version, m.entry.title, m.entry.digest_date, m.entry.tags) for m in mentions]  # fmt: skip
    assert got == [
        ("2312.00752", 2, "Mamba", date(2024, 3, 4), ["ssm"]),
        (None, None, None, date(2024, 3, 4), ["ethics"]),
        ("2302.04761", None, "Toolformer", date(2024, 3, 4), []),
        ("2410.17243", None, None, date(2024, 3, 4), []),
        ("2303.17651", None, None, date(2024, 3, 4), []),
    ]
    assert mentions[0].entry.commentary == (
        "Mamba is a selective state space model #ssm\n"
        "that scales linearly. arXiv (https://arxiv.org/pdf/2312.00752v2.pdf)"
    )
    assert mentions[1].entry.source_urls == ["https://doi.org/10.1145/3442188.3445922"]
    assert mentions[2].entry.commentary.startswith("1) Toolformer - teaches itself tools | Paper")
    assert mentions[3].identity == "list.md#2410.17243"


def test_an_html_digest_is_read_as_clean_text_without_its_scripts() -> None:
    page = (
        "<html><body><h2>Picks of 2024-05-01</h2><script>x('https://arxiv.org/abs/2401.00001')"
        "</script><ul><li><b>Good</b> paper <a href='https://arxiv.org/abs/2401.00002'>here</a>"
        "</li><li><a href='javascript:alert(1)'>bad</a></li></ul></body></html>"
    )
    mentions, _ = link_mentions(page, "picks.html", None, html=True)
    assert [(m.entry.arxiv_id, m.entry.digest_date) for m in mentions] == [("2401.00002", date(2024, 5, 1))]  # fmt: skip
    assert mentions[0].entry.commentary == "Good paper here (https://arxiv.org/abs/2401.00002)"


def test_a_page_at_a_url_and_a_folder_are_link_sources(tmp_path: Path) -> None:
    folder = tmp_path / "digests"
    folder.mkdir()
    (folder / "week.md").write_text(
        "## 2024-06-10\n- [Self-Refine](https://arxiv.org/abs/2303.17651)\n"
    )
    page = b"<h1>2024-06-11</h1><p><a href='https://arxiv.org/abs/2302.04761'>Toolformer</a></p>"
    with serve_feeds(
        {"/picks": Route(page, headers={"ETag": '"1"', "Content-Type": "text/html"})}
    ) as served:
        sources = [
            SourceConfig("folder", "links", path=str(folder)),
            SourceConfig("page", "links", url=served.base_url + "/picks"),
        ]
        first = run(tmp_path / "lake", *sources, policy=HttpPolicy(min_interval_s=0))
        (folder / "week.md").unlink()
        second = run(tmp_path / "lake", *sources, policy=HttpPolicy(min_interval_s=0))
    assert [s.new for s in first.sources] == [1, 1]
    assert [(s.status, s.deleted) for s in second.sources] == [("ok", 1), ("unchanged", 0)]
    m = Lake(tmp_path / "lake").read("mentions").sort("source_id")
    page_row = m.row(1, named=True)
    assert page_row["commentary"] == "Toolformer (https://arxiv.org/abs/2302.04761)"
    assert page_row["digest_date"] == date(2024, 6, 11)
    assert m.select("arxiv_id", "title", "deleted").rows() == [
        ("2303.17651", "Self-Refine", True), ("2302.04761", None, False)
    ]  # fmt: skip


def _commits(repo: Path) -> list[str]:
    return git(repo, "rev-list", "--reverse", "HEAD").split()


def test_dair_ai_commit_by_commit_ends_as_the_whole_history_at_once(tmp_path: Path) -> None:
    bundle = need_shared(DAIR)
    clone = tmp_path / "dair"
    git(tmp_path, "clone", "--quiet", str(bundle), str(clone))
    commits = _commits(clone)
    assert len(commits) == 331
    steps = [commits[-40], commits[-20], commits[-1]]
    for sha in steps:  # the last 40 commits, read in three steps
        report = run(tmp_path / "steps", SourceConfig("dair", "links", path=str(clone), rev=sha))
        assert report.sources[0].status == "ok"
    run(tmp_path / "once", SourceConfig("dair", "links", path=str(clone), rev=commits[-1]))
    cols = ["mention_id", "arxiv_id", "title", "digest_date", "commentary", "deleted"]
    steps_m = Lake(tmp_path / "steps").read("mentions").select(cols).sort("mention_id")
    once_m = Lake(tmp_path / "once").read("mentions").select(cols).sort("mention_id")
    live = steps_m.filter(~pl.col("deleted"))
    assert live.equals(once_m.filter(~pl.col("deleted")))
    assert live.filter(pl.col("arxiv_id").is_not_null()).height == 1101


@pytest.fixture(scope="module")
def four_digests(tmp_path_factory: pytest.TempPathFactory) -> pl.DataFrame:
    """The vault, DAIR.AI's list, the recorded HF day and the test listing in one lake."""
    need_shared(BUNDLE), need_shared(DAIR)
    root = tmp_path_factory.mktemp("four")
    day = (ROOT / "tests/data/hf/daily_papers_2024-10-25.json").read_bytes()
    with serve_feeds({"/api/daily_papers?date=2024-10-25": Route(day)}) as served:
        sources = [
            SourceConfig("vault", "vault", path=str(BUNDLE)),
            SourceConfig("dair", "links", path=str(DAIR)),
            SourceConfig("hf", "hf-daily", url=served.base_url, start="2024-10-25", end="2024-10-25"),
            SourceConfig("cs-cl", "feed", path=str(ROOT / "tests/data/feeds/arxiv_rss_cs.CL.xml")),
        ]  # fmt: skip
        report = run(root / "lake", *sources, policy=HttpPolicy(min_interval_s=0))
    assert [s.status for s in report.sources] == ["ok"] * 4
    lake = Lake(root / "lake")
    return lake.read("mentions").filter(~pl.col("deleted")), lake.read("papers")


def test_four_digests_give_one_paper_per_arxiv_id(four_digests) -> None:
    mentions, papers = four_digests
    assert papers["paper_id"].is_unique().all()
    named = mentions.filter(pl.col("arxiv_id").is_not_null())
    assert (named["paper_id"] == named["arxiv_id"]).all()  # every source's id is one paper
    per_source = named.group_by("source_id").agg(pl.col("arxiv_id").n_unique()).sort("source_id")
    assert dict(per_source.rows()) == {"cs-cl": 4, "dair": 1098, "hf": 2, "vault": 3543}
    # Toolformer: in the vault, in DAIR.AI's list and in the listing; one paper, three mentions.
    toolformer = mentions.filter(pl.col("paper_id") == "2302.04761")
    assert sorted(toolformer["source_id"].to_list()) == ["cs-cl", "dair", "vault"]


def test_the_papers_in_both_real_digests_have_a_mention_from_each(four_digests) -> None:
    mentions, _ = four_digests

    def ids(source: str, column: str) -> set[str]:
        rows = mentions.filter(pl.col("source_id") == source)
        return set(rows[column].explode().drop_nulls().to_list())

    dair = ids("dair", "arxiv_id")
    vault_own, vault_cited = ids("vault", "arxiv_id"), ids("vault", "cited_arxiv_ids")
    assert len(dair & (vault_own | vault_cited)) == 322  # the issue's count: any id a note names
    shared = dair & vault_own  # a note about the paper itself
    both = (
        mentions.filter(
            pl.col("paper_id").is_in(list(shared)) & pl.col("source_id").is_in(["dair", "vault"])
        )
        .group_by("paper_id")
        .agg(pl.col("source_id").sort())
    )
    assert both.height == len(shared) == 304
    assert all(set(sources) == {"dair", "vault"} for sources in both["source_id"])
    twice = both.filter(pl.col("source_id").list.len() > 2).height  # two notes on one paper
    assert twice == 5
    MEASUREMENTS.append(
        f"vault x DAIR.AI: 322 arXiv ids in both; 304 with a mention from each source "
        f"({twice} with two vault notes), {len(dair & vault_cited - vault_own)} only cited "
        "inside a note"
    )


def test_the_commentary_of_a_dair_row_is_the_row(four_digests) -> None:
    mentions, _ = four_digests
    row = mentions.filter((pl.col("source_id") == "dair") & (pl.col("arxiv_id") == "2405.18719")).row(0, named=True)  # fmt: skip
    assert row["title"] == "Contextual Position Encoding"
    assert row["digest_date"] == date(2024, 6, 2)
    assert row["commentary"].startswith("1) Contextual Position Encoding - proposes a new position")
    assert [a.id for a in find_arxiv_ids(row["commentary"])] == ["2405.18719"]
    assert json.dumps(row["links"]).count("x.com") == 1


def test_control_characters_and_a_flood_of_links_are_bounded() -> None:
    from digestlake.transforms.limits import MAX_ENTRIES_PER_FILE

    mentions, _ = link_mentions(
        "- **Bad\x1b[2J** https://arxiv.org/abs/2401.00001\x07\n", "a.md", None
    )
    assert mentions[0].entry.title == "Bad[2J" and "\x07" not in mentions[0].entry.commentary
    flood = "".join(
        f"- https://arxiv.org/abs/2401.{n:05d}\n" for n in range(1, MAX_ENTRIES_PER_FILE + 3)
    )
    mentions, issues = link_mentions(flood, "flood.md", None)
    assert len(mentions) == MAX_ENTRIES_PER_FILE
    assert [(i.line, i.reason) for i in issues] == [
        (MAX_ENTRIES_PER_FILE + 1, f"more than {MAX_ENTRIES_PER_FILE} paper links in one file: the rest is not read")
    ]  # fmt: skip
