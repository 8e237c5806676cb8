"""Field normalisers: authors, tags, titles, commentary split (arXiv ids: test_arxiv_ids.py)."""

from __future__ import annotations

import pytest

from digestlake.transforms.authors import parse_authors
from digestlake.transforms.commentary import split_commentary
from digestlake.transforms.tags import normalise_tag, parse_tag_line
from digestlake.transforms.titles import normalise_title


def test_authors_plain_list() -> None:
    a = parse_authors("Tianhong Li, Yonglong Tian, He Li")
    assert a.names == ["Tianhong Li", "Yonglong Tian", "He Li"] and a.organisation is None


def test_authors_with_organisation_prefix() -> None:
    a = parse_authors("Nvidia: Bo Adler, Niket Agarwal, Ashwath Aithal")
    assert a.organisation == "Nvidia"
    assert a.names == ["Bo Adler", "Niket Agarwal", "Ashwath Aithal"]


@pytest.mark.parametrize("raw", ["OpenAI", "Qwen Team", "DeepSeek-AI", "Mistral AI", "Mistral.AI"])
def test_authors_organisation_only(raw: str) -> None:
    a = parse_authors(raw)
    assert a.names == [raw] and a.organisation == raw


def test_authors_single_person_is_not_an_organisation() -> None:
    assert parse_authors("Aaron Defazio").organisation is None


def test_authors_and_separated_and_oxford_comma() -> None:
    assert parse_authors("Chenggang Zhao and Liang Zhao and Jiashi Li").names == [
        "Chenggang Zhao",
        "Liang Zhao",
        "Jiashi Li",
    ]
    assert parse_authors("Ramani, and Tri Dao").names == ["Ramani", "Tri Dao"]


def test_tags_fold_case_and_snake_kebab() -> None:
    assert normalise_tag("#Language_Model") == normalise_tag("language-model") == "language-model"
    assert parse_tag_line("#GAN #object_detection #GAN") == ["gan", "object-detection"]


def test_tag_line_drops_stray_words_and_rejects_titles_and_headings() -> None:
    assert parse_tag_line("#instruction-tuning #alignment #synthetic-data a") == [
        "instruction-tuning",
        "alignment",
        "synthetic-data",
    ]
    assert parse_tag_line("#InsTag: Instruction Tagging for Analyzing") is None
    assert parse_tag_line("## [Introducing Claude 4](https://www.anthropic.com)") is None
    assert parse_tag_line("#llm is a great tag for this sentence") is None


def test_titles_fold_case_punctuation_and_latex() -> None:
    assert normalise_title("How Do LLMs Acquire Knowledge?") == normalise_title(
        "how do llms acquire knowledge"
    )
    assert normalise_title("$\\infty$Bench: Long Context") == normalise_title(
        "∞Bench: Long Context"
    )
    assert normalise_title("Naïve  Bayes — revisited") == "naive bayes revisited"
    assert normalise_title(None) is None and normalise_title("?!") is None


def test_commentary_english_block() -> None:
    c = split_commentary(["한국어 코멘트.", "<english>", "English comment.", "</english>"])
    assert c.text == "한국어 코멘트.\nEnglish comment."
    assert (c.ko, c.en) == ("한국어 코멘트.", "English comment.")


def test_commentary_unclosed_english_block_runs_to_the_end() -> None:
    c = split_commentary(["한국어.", "<english>", "First.", "Second."])
    assert c.en == "First.\nSecond." and c.ko == "한국어."


def test_commentary_plain_english_after_korean() -> None:
    c = split_commentary(
        [
            "첫 문단입니다.",
            "둘째 문단 (https://arxiv.org/abs/2401.00001).",
            "This is the English translation of it.",
        ]
    )
    assert c.ko == "첫 문단입니다.\n둘째 문단 (https://arxiv.org/abs/2401.00001)."
    assert c.en == "This is the English translation of it."


def test_commentary_korean_with_a_trailing_url_keeps_it_korean() -> None:
    c = split_commentary(["한국어 코멘트.", "https://github.com/x/y"])
    assert c.en is None and c.ko == c.text


def test_commentary_english_only() -> None:
    c = split_commentary(["Only English here, no Korean at all."])
    assert c.ko is None and c.en == c.text
