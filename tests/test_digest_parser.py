"""The digest parser on the seed, on every day of the real corpus, and on each hazard."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from conftest import MEASUREMENTS

from digestlake.transforms.commentary import is_marker
from digestlake.transforms.digest import parse_digest
from digestlake.transforms.tags import normalise_tag

FIELDS = ("title", "authors_raw", "abstract", "commentary", "tags")


def expected_fields(row: dict) -> dict:
    """An expected entry in our terms: marker lines dropped, tags normalised."""
    commentary = "\n".join(
        line for line in (row["commentary"] or "").split("\n") if not is_marker(line)
    )
    return {
        "title": row["title"],
        "authors_raw": row["authors"],
        "abstract": row["abstract"],
        "commentary": commentary or None,
        "tags": [normalise_tag(t) for t in row["tags"]],
    }


def test_seed_digest_gives_its_nine_entries_exactly(corpus: Path) -> None:
    seed = corpus / "seed" / "2024-06-18.txt"
    expected = [json.loads(line) for line in (corpus / "seed" / "2024-06-18.expected.jsonl").open()]
    parsed = parse_digest(seed.read_text(encoding="utf-8"), seed.name)
    assert parsed.issues == []
    assert len(parsed.entries) == len(expected) == 9
    for entry, row in zip(parsed.entries, expected, strict=True):
        assert {f: getattr(entry, f) for f in FIELDS} == expected_fields(row)
        assert entry.digest_date == date(2024, 6, 18)
    nemotron = parsed.entries[6]
    assert nemotron.author_org == "Nvidia" and nemotron.authors[0] == "Bo Adler"
    assert nemotron.cited_arxiv_ids == ["2402.16819", "2406.08673", "2310.13798"]


def test_all_corpus_days_at_least_99_percent_exact(corpus: Path) -> None:
    total = exact = 0
    matched = dict.fromkeys(FIELDS, 0)
    misses: list[str] = []
    days = sorted((corpus / "digests").glob("*.txt"))
    assert len(days) == 530
    for day in days:
        expected = [json.loads(line) for line in (corpus / "expected" / f"{day.stem}.jsonl").open()]
        entries = parse_digest(day.read_text(encoding="utf-8"), day.name).entries
        for i, row in enumerate(expected):
            total += 1
            want = expected_fields(row)
            got = entries[i] if i < len(entries) else None
            ok = True
            for f in FIELDS:
                if got is not None and getattr(got, f) == want[f]:
                    matched[f] += 1
                else:
                    ok = False
            exact += ok
            if not ok:
                misses.append(f"{day.name} entry {i + 1}")
    rates = ", ".join(f"{f} {matched[f] / total:.2%}" for f in FIELDS)
    MEASUREMENTS.append(
        f"digest parser, {len(days)} days: {exact}/{total} entries exact ({exact / total:.2%}); {rates}"
    )
    assert exact / total >= 0.99, f"{exact}/{total} exact; first misses: {misses[:10]}"


def _one(text: str):
    parsed = parse_digest(text, "2024-01-01.txt")
    return parsed.entries, parsed.issues


def test_entry_without_authors_and_entry_without_title() -> None:
    entries, issues = _one(
        "2024년 1월 2일\n"
        "A Paper\n(Ann Lee, Bo Kim)\nAn abstract with more than eight words in it for sure.\n"
        "한국어 코멘트.\n#llm\n"
        "Unveiling Something: An Interview\n인터뷰 내용 정리.\n#news\n"
        "제목 없는 공지 코멘트입니다.\n#announcement"
    )
    assert issues == []
    assert [e.title for e in entries] == ["A Paper", "Unveiling Something: An Interview", None]
    assert entries[1].authors_raw is None and entries[1].commentary == "인터뷰 내용 정리."
    assert entries[2].commentary == "제목 없는 공지 코멘트입니다." and entries[2].tags == [
        "announcement"
    ]
    assert [e.position for e in entries] == [1, 2, 3]


def test_english_translation_after_the_tag_line_stays_with_its_entry() -> None:
    entries, _ = _one(
        "2024년 1월 2일\nFirst Paper\n(A B, C D)\nThe abstract of the first paper is here, long enough.\n"
        "한국어.\n#tag-one\nThis is the English translation of the comment above.\n"
        "Second Paper\n(E F, G H)\nThe abstract of the second paper is here, long enough.\n두 번째.\n#tag-two"
    )
    assert [e.title for e in entries] == ["First Paper", "Second Paper"]
    assert entries[0].commentary_en == "This is the English translation of the comment above."
    assert entries[0].commentary_ko == "한국어."


def test_title_with_parentheses_and_one_line_head() -> None:
    entries, _ = _one(
        "2024년 1월 2일\n"
        "RNNs are not Transformers (Yet): The Key Bottleneck\n(Kaiyue Wen, Xingyu Dang)\n"
        "An abstract with enough words to count as one for the parser.\n코멘트.\n#rnn\n"
        "Old Style Title: With a Subtitle (Jane Doe, John Roe)\n예전 스타일 코멘트.\n#old_style"
    )
    assert entries[0].title == "RNNs are not Transformers (Yet): The Key Bottleneck"
    assert entries[1].title == "Old Style Title: With a Subtitle"
    assert entries[1].authors == ["Jane Doe", "John Roe"] and entries[1].tags == ["old-style"]


def test_parenthesised_korean_remark_is_not_an_author_line() -> None:
    entries, _ = _one(
        "2024년 1월 2일\nA Paper\n(Ann Lee)\nAn abstract with more than eight words in it for sure.\n"
        "코멘트 첫 줄\n(역설적이지만 이런 경우도 있습니다)\n#x"
    )
    assert len(entries) == 1
    assert entries[0].commentary == "코멘트 첫 줄\n(역설적이지만 이런 경우도 있습니다)"


def test_hard_wrapped_italic_title() -> None:
    entries, _ = _one(
        "2024년 5월 2일\n*A Hierarchical 3D Gaussian Representation for Real-Time Rendering of\n"
        "Very Large Datasets* (Bernhard Kerbl, Andreas Meuleman)\nAn abstract that is long enough here.\n"
        "코멘트.\n#3d"
    )
    assert entries[0].title.endswith("Rendering of Very Large Datasets")
    assert entries[0].authors == ["Bernhard Kerbl", "Andreas Meuleman"]


def test_several_days_in_one_file_and_date_from_file_name() -> None:
    entries, _ = _one(
        "2024년 2월 1일\nA\n(X Y)\n코멘트.\n#a\n2024년 2월 2일\nB\n(Z W)\n코멘트.\n#b"
    )
    assert [(e.title, e.digest_date) for e in entries] == [
        ("A", date(2024, 2, 1)),
        ("B", date(2024, 2, 2)),
    ]
    undated = parse_digest("Paper\n(A B)\n코멘트.\n#x", "2024-03-09.txt").entries
    assert undated[0].digest_date == date(2024, 3, 9)


def test_undated_text_and_orphan_tag_lines_are_reported_with_their_line() -> None:
    parsed = parse_digest("Paper\n(A B)\n코멘트.\n#x\n#orphan", "notes.txt")
    assert parsed.entries == []
    assert [(i.line, "no date" in i.reason) for i in parsed.issues] == [(1, True)]
    parsed = parse_digest("2024년 2월 1일\nPaper\n(A B)\n코멘트.\n#x\n#orphan", "d.txt")
    assert [(i.line, i.reason) for i in parsed.issues] == [(6, "tag line with no entry before it")]
    parsed = parse_digest("2024년 2월 30일\nPaper\n(A B)\n#x", "d.txt")
    assert parsed.entries == [] and parsed.issues[0].line == 1


def test_bom_crlf_and_nbsp_are_tolerated() -> None:
    entries, _ = _one(
        "\ufeff2024년 1월 2일\r\nA Paper\r\n(Ann Lee)\r\n한국어\u00a0코멘트.\r\n#llm\r\n"
    )
    assert entries[0].title == "A Paper" and entries[0].commentary == "한국어\u00a0코멘트."
