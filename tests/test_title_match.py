"""Title matching decisions (pure) and resolution through the stand-in arXiv."""

from __future__ import annotations

import importlib.util
import sys
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from conftest import MEASUREMENTS, ROOT, config_for, ingest_into
from standin_arxiv import Paper, serve_standin

from digestlake.lake.store import Lake
from digestlake.pipeline.config import ArxivConfig, SourceConfig
from digestlake.pipeline.enrich import enrich
from digestlake.transforms.title_match import Candidate, choose, title_query

T0 = datetime(2026, 1, 1, tzinfo=UTC)
VQ = Candidate(
    "2406.11838",
    "Autoregressive Image Generation without Vector Quantization",
    ("Tianhong Li", "Kaiming He"),
)


def standin_arxiv(api_url: str, tmp_path: Path, overrides: str = "") -> ArxivConfig:
    return ArxivConfig(
        api_url=api_url, min_interval_s=0, cache=str(tmp_path / "arxiv"), overrides=overrides
    )


def test_title_query_uses_the_distinctive_head_or_the_whole_title() -> None:
    assert (
        title_query("Emu3: Next-Token Prediction is All You Need")
        == 'ti:"emu3 next token prediction is all you need"'
    )
    assert (
        title_query("Scaling Laws for Neural Language Models: A Study")
        == 'ti:"scaling laws for neural language models"'
    )
    assert title_query("$\\infty$Bench: Long Context") == 'ti:"bench long context"'
    assert title_query(None) is None and title_query("한국어") is None


def test_exact_and_perturbed_titles_are_accepted_with_the_right_author() -> None:
    for title in (
        "Autoregressive Image Generation without Vector Quantization",
        "autoregressive image generation WITHOUT vector quantization?",
        "Autoregressive Image-Generation without Vector Quantisation",
    ):
        assert choose(title, ["Tianhong Li"], [VQ]).arxiv_id == "2406.11838", title


def test_subtitle_cut_needs_the_first_author() -> None:
    emu = Candidate("2409.18869", "Emu3: Next-Token Prediction is All You Need", ("Xinlong Wang",))
    assert choose("Emu3", ["Xinlong Wang"], [emu]).arxiv_id == "2409.18869"
    assert choose("Emu3", ["OpenAI"], [emu]).arxiv_id is None  # no person to compare: too weak


def test_a_subtitle_quoted_alone_needs_the_first_author_either_way_round() -> None:
    emu = Candidate("2409.18869", "Emu3: Next-Token Prediction is All You Need", ("Xinlong Wang",))
    subtitle = "Next-Token Prediction is All You Need"
    assert choose(subtitle, ["Xinlong Wang"], [emu]).arxiv_id == "2409.18869"
    assert choose(subtitle, ["Someone Else"], [emu]).arxiv_id is None
    assert choose(subtitle, ["OpenAI"], [emu]).arxiv_id is None
    short = Candidate("2409.18869", subtitle, ("Xinlong Wang",))  # the digest has the longer title
    assert choose(emu.title, ["Xinlong Wang"], [short]).arxiv_id == "2409.18869"


@pytest.mark.parametrize(
    "person", ["Osayamen Jonathan Aimuyo", "Xinyue Ai", "Philippe Laban", "Max Dallabetta"]
)
def test_people_whose_names_hold_group_letters_are_compared(person: str) -> None:
    paper = Candidate("2501.00002", "A Title About Routing", (person, "Ann Lee"))
    assert choose("A Title About Routing!", [person, "Ann Lee"], [paper]).arxiv_id == "2501.00002"
    assert choose("A Title About Routing!", ["Ann Lee", person], [paper]).arxiv_id is None


def test_author_lists_starting_with_a_group_compare_their_first_people() -> None:
    paper = Candidate("2501.00003", "Yi: Open Foundation Models", ("M-A-P Team", "Xinrun Du"))
    digest = ["M-A-P Team", "Xinrun Du", "Bo Li"]
    assert choose("Yi: Open Foundation Models!", digest, [paper]).arxiv_id == "2501.00003"
    assert choose("Yi", ["Xinrun Du"], [paper]).arxiv_id == "2501.00003"
    assert choose("Yi", ["Mistral AI", "Bo Li"], [paper]).arxiv_id is None
    teams_only = Candidate("2501.00004", "Qwen2 Technical Report", ("Qwen Team",))
    assert choose(teams_only.title, ["An Yang"], [teams_only]).arxiv_id == "2501.00004"


def test_a_different_first_author_is_refused_even_for_the_same_title() -> None:
    match = choose(
        "Autoregressive Image Generation without Vector Quantization", ["Someone Else"], [VQ]
    )
    assert match.arxiv_id is None and match.reason.startswith("weak")


def test_two_equally_good_candidates_are_ambiguous() -> None:
    twin = Candidate("2501.00001", VQ.title, ("Tianhong Li",))
    match = choose(VQ.title, [], [VQ, twin])
    assert match.arxiv_id is None and match.reason == "ambiguous" and len(match.ranked) == 2


def test_forbidden_candidates_are_never_taken() -> None:
    assert choose(VQ.title, ["Tianhong Li"], [VQ], forbidden={"2406.11838"}).arxiv_id is None


def test_resolution_through_the_standin_with_pins_and_forbids(tmp_path: Path) -> None:
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "2024-06-18.txt").write_text(
        "2024년 6월 18일\n"
        "autoregressive image generation without vector quantization\n(Tianhong Li, Kaiming He)\n코멘트.\n#vq\n"
        "A Paper Nobody Wrote\n(Ann Lee)\n코멘트.\n#x\n"
        "Pinned Blog Title\n(Bo Kim)\n코멘트.\n#x\n"
        "Forbidden Match Title\n(Cy Park)\n코멘트.\n#x\n"
    )
    lake = Lake(tmp_path / "lake")
    source = SourceConfig("d", "digest", path=str(folder))
    ingest_into(lake, [source], T0, tmp_path)
    overrides = tmp_path / "overrides.toml"
    overrides.write_text(
        '[[pin]]\ntitle = "Pinned Blog Title"\narxiv_id = "2401.00077"\n'
        '[[forbid]]\ntitle = "Forbidden Match Title"\narxiv_id = "*"\n'
    )
    with serve_standin() as standin:
        standin.add(
            Paper(
                "2406.11838",
                "Autoregressive Image Generation without Vector Quantization",
                [("Tianhong Li", [])],
            ),
            Paper("2401.00055", "Forbidden Match Title", [("Cy Park", [])]),
        )
        arxiv = standin_arxiv(standin.api_url, tmp_path, overrides=str(overrides))
        report = enrich(config_for(lake, arxiv=arxiv), now=T0).resolution
        assert (report.titles, report.resolved, report.unresolved, report.requests) == (
            4,
            2,
            2,
            1,
        )
        again = enrich(config_for(lake, arxiv=arxiv), now=T0).resolution
        assert (again.titles, again.requests) == (0, 0)  # decisions are remembered
    rows = {r["title"]: r for r in lake.read("mentions").to_dicts()}
    first = rows["autoregressive image generation without vector quantization"]
    assert (first["paper_id"], first["resolution"]) == ("2406.11838", "api_search")
    assert (rows["Pinned Blog Title"]["paper_id"], rows["Pinned Blog Title"]["resolution"]) == (
        "2401.00077",
        "override",
    )
    assert rows["Forbidden Match Title"]["resolution"] == "none"
    paper = lake.read("papers").filter(pl.col("paper_id") == "2406.11838").row(0, named=True)
    assert paper["metadata_source"] == "arxiv"  # the search result is the paper's metadata
    decisions = lake.read("title_candidates").filter(pl.col("rank") == 0)
    assert sorted(decisions["decision"]) == [
        "accepted",
        "none",
        "pinned",
        "weak",
    ]  # weak: other titles


def _bench():
    if str(ROOT / "bench") not in sys.path:  # the benchmark imports bench/common.py
        sys.path.insert(0, str(ROOT / "bench"))
    spec = importlib.util.spec_from_file_location(
        "resolve_bench", ROOT / "bench" / "resolve_titles.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_corpus_titles_resolve_with_the_target_precision_and_recall(
    corpus: Path, bundle: Path, tmp_path: Path
) -> None:
    bench = _bench()
    standin = bench.standin_from_vault(tmp_path)
    lake, expected, kinds = bench.digest_lake(tmp_path, 7, standin)
    with serve_standin(standin):
        arxiv = standin_arxiv(standin.api_url, tmp_path)
        report = enrich(config_for(lake, arxiv=arxiv), now=T0).resolution
    s = bench.score(lake, expected, kinds, standin, report)
    MEASUREMENTS.append(
        f"title resolution, {s.entries} perturbed corpus titles: precision {s.precision:.2%}, "
        f"recall {s.recall:.2%}, {s.per_resolved:.3f} requests per resolved title"
    )
    assert s.precision >= 0.995 and s.recall >= 0.98 and s.per_resolved <= 0.15
