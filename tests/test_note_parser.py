"""The note parser on every note era, and on the real vault against the expected entries."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from conftest import MEASUREMENTS
from test_digest_parser import FIELDS, expected_fields

from digestlake.transforms.note import date_from_note_name, parse_note

CURRENT = """https://arxiv.org/abs/2406.11838v2

*RNNs are not Transformers (Yet)* (Kaiyue Wen, Xingyu Dang)

> An abstract.

한국어 코멘트 (https://arxiv.org/abs/2403.05196).

<english>
English comment.
</english>

#rnn #Long_Context 

# Links

[[240308 Denoising Autoregressive Representation Learning.md]]
"""


def test_current_note_format() -> None:
    e = parse_note(CURRENT, "arXiv/2024/240617 RNNs are not Transformers.md").entry
    assert e.title == "RNNs are not Transformers (Yet)"
    assert e.authors == ["Kaiyue Wen", "Xingyu Dang"]
    assert e.abstract == "An abstract."
    assert (e.arxiv_id, e.arxiv_version) == ("2406.11838", 2)
    assert e.commentary_ko == "한국어 코멘트 (https://arxiv.org/abs/2403.05196)."
    assert e.commentary_en == "English comment."
    assert e.tags == ["rnn", "long-context"]
    assert e.cited_arxiv_ids == ["2403.05196"]
    assert e.wikilinks == ["240308 Denoising Autoregressive Representation Learning"]
    assert e.digest_date == date(2024, 6, 17)


def test_older_note_formats() -> None:
    plain = parse_note(
        "https://arxiv.org/pdf/2001.00309\n\nBlendMask (Hao Chen, Kunyang Sun)\n\n코멘트.\n\n#instance_segmentation ",
        "a/200103 BlendMask.md",
    ).entry
    assert (plain.title, plain.authors, plain.arxiv_id) == (
        "BlendMask",
        ["Hao Chen", "Kunyang Sun"],
        "2001.00309",
    )
    inline = parse_note(
        "BlendMask https://arxiv.org/abs/2001.00309\n코멘트가 바로 이어짐.\n\n#seg", "x.md"
    ).entry
    assert (inline.title, inline.arxiv_id, inline.commentary) == (
        "BlendMask",
        "2001.00309",
        "코멘트가 바로 이어짐.",
    )
    paren = parse_note(
        "TFPose: Direct Human Pose Estimation (https://arxiv.org/abs/2103.15320)\n\n#pose", "x.md"
    ).entry
    assert (paren.title, paren.arxiv_id) == ("TFPose: Direct Human Pose Estimation", "2103.15320")
    url_first = parse_note(
        "https://arxiv.org/abs/1907.11692 리더보드에 등장했던 RoBERTa.\n#lm", "x.md"
    ).entry
    assert url_first.arxiv_id == "1907.11692" and url_first.title is None
    typo = parse_note("zhttps://arxiv.org/abs/2510.03222\n\n*T* (A B)\n", "x.md").entry
    assert typo.arxiv_id == "2510.03222"


def test_heading_link_title_and_empty_abstract() -> None:
    e = parse_note(
        "https://x.ai\n\n## [Introducing Claude 4](https://www.anthropic.com/news/claude-4)\n(Anthropic)\n\n> \n\n코멘트.",
        "arXiv/2025/250523 Claude 4.md",
    ).entry
    assert e.title == "Introducing Claude 4" and e.author_org == "Anthropic"
    assert e.abstract is None and e.arxiv_id is None


def test_empty_note_is_an_issue_not_an_entry() -> None:
    parsed = parse_note("\n\n", "arXiv/250102 Draft.md")
    assert parsed.entry is None and parsed.issues[0].reason == "empty note"


def test_note_dates_from_file_names() -> None:
    assert date_from_note_name("arXiv/2023/240102 LLM Maybe LongLM.md") == date(2024, 1, 2)
    assert date_from_note_name("arXiv/AlphaGeometry.md") is None
    assert date_from_note_name("arXiv/251399 Bad month.md") is None


def test_real_vault_notes_match_their_expected_entries(corpus: Path, vault_clone: Path) -> None:
    total = exact = with_id = id_ok = 0
    for day in sorted((corpus / "expected").glob("*.jsonl")):
        for line in day.open():
            row = json.loads(line)
            note = vault_clone / row["note"]
            if not note.exists():
                continue
            entry = parse_note(note.read_text(encoding="utf-8"), row["note"]).entry
            total += 1
            exact += {f: getattr(entry, f) for f in FIELDS} == expected_fields(row)
            if row["arxiv_id"]:
                with_id += 1
                id_ok += entry.arxiv_id == row["arxiv_id"]
    MEASUREMENTS.append(
        f"note parser, {total} vault notes of the corpus days: {exact} exact ({exact / total:.2%}), "
        f"arxiv_id right for {id_ok}/{with_id}"
    )
    assert total >= 1700
    assert exact / total >= 0.99
    assert id_ok == with_id
