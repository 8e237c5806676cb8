"""Hostile input for the parsers: every step linear in its input, one entry's cost bounded.

No timed asserts: each pathological input is 200 KB, so a step that is quadratic in it takes
minutes and the suite visibly hangs, while a linear one takes milliseconds.
bench/parser_worst_case.py times the same inputs at n and 2n.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from digestlake.transforms.arxiv_ids import find_arxiv_ids
from digestlake.transforms.authors import parse_authors
from digestlake.transforms.commentary import split_commentary
from digestlake.transforms.digest import parse_digest
from digestlake.transforms.entry import find_urls
from digestlake.transforms.limits import MAX_BYTES, MAX_ENTRIES_PER_FILE, MAX_TAGS
from digestlake.transforms.note import parse_note
from digestlake.transforms.tags import parse_tag_line
from digestlake.transforms.titles import normalise_title

N = 200_000


def _digest(line: str) -> object:
    """The line as a title, as the authors line after an italic title, and as commentary."""
    return parse_digest(f"2024년 1월 2일\n{line}\n*Title\n{line}\nA Paper\n(A B)\n{line}\n#x")


def _note(line: str) -> object:
    """The line as the URL line, the title line, commentary and the links section."""
    return parse_note(f"{line}\n\n{line}\n\n{line}\n\n# Links\n\n{line}", "arXiv/240102 x.md")


def _lines(unit: str) -> Callable[[int], str]:
    return lambda n: "\n".join([unit] * (n // (len(unit) + 1)))


def _repeat(unit: str, head: str = "", tail: str = "") -> Callable[[int], str]:
    return lambda n: head + unit * (n // len(unit)) + tail


def _numbered(fmt: str) -> Callable[[int], str]:
    """Distinct tokens (``#t1 #t2 ...``): deduplication by list search is quadratic in them."""
    return lambda n: " ".join(fmt.format(k) for k in range(n // (len(fmt) + 4)))


# (name, parser step, input of about n characters)
CASES: list[tuple[str, Callable[[str], object], Callable[[int], str]]] = [
    ("digest: *( repeated", _digest, _repeat("*(")),
    ("digest: * then spaces", _digest, _repeat(" ", "*a*", "x")),
    ("digest: nested parens", _digest, lambda n: "(" * (n // 2) + ")" * (n // 2)),
    ("digest: ( repeated", _digest, _repeat("(", tail=")")),
    ("digest: # repeated", _digest, _repeat("#")),
    ("digest: spaces before a word", _digest, _repeat(" ", tail="x")),
    ("digest: http:// repeated", _digest, _repeat("http://", tail=" x")),
    ("digest: Hangul", _digest, _repeat("가")),
    ("digest: distinct tags", _digest, _numbered("#t{}")),
    ("digest: tags and a stray word", _digest, _repeat("#a ", tail="word")),
    ("digest: one-day sections", parse_digest, _lines("2024년 1월 2일\nT\n(A B)")),
    ("note: *( repeated", _note, _repeat("*(")),
    ("note: http:// repeated", _note, _repeat("http://", tail=" x")),
    ("note: arxiv.org/ repeated", _note, _repeat("arxiv.org/", tail=" x")),
    ("note: spaces before a word", _note, _repeat(" ", "a", "b")),
    ("note: [[ repeated", _note, _repeat("[[")),
    ("note: [[a| repeated", _note, _repeat("[[a|")),
    ("note: ## [ repeated", _note, _repeat("[", "## ")),
    ("note: nested parens", _note, lambda n: "(" * (n // 2) + ")" * (n // 2)),
    ("note: distinct tag lines", lambda t: parse_note(t, "x.md"), _lines("#t")),
    ("tags: distinct tags", parse_tag_line, _numbered("#t{}")),
    ("authors: spaces", parse_authors, _repeat(" ", "A", "B")),
    ("authors: names", parse_authors, _repeat("Ann Lee, ")),
    ("authors: and", parse_authors, _repeat("Ann and ")),
    ("commentary: Hangul lines", lambda t: split_commentary(t.split("\n")), _lines("가 a")),
    ("commentary: <english> lines", lambda t: split_commentary(t.split("\n")), _lines("<english>")),
    ("urls: http:// repeated", find_urls, _repeat("http://")),
    ("urls: closing parens", find_urls, _repeat(")", "http://a")),
    ("urls: trailing dots", find_urls, _repeat(".", "http://a")),
    ("urls: distinct", find_urls, _numbered("http://a/{}")),
    ("arxiv ids: arxiv.org/ repeated", find_arxiv_ids, _repeat("arxiv.org/")),
    ("arxiv ids: old scheme run", find_arxiv_ids, _repeat("a", "arxiv.org/")),
    ("arxiv ids: arXiv: repeated", find_arxiv_ids, _repeat("arXiv:")),
    ("arxiv ids: distinct", find_arxiv_ids, _numbered("arXiv:2401.{:05d}")),
    ("titles: $ repeated", normalise_title, _repeat("$")),
    ("titles: backslashes", normalise_title, _repeat("\\")),
    ("titles: braces", normalise_title, lambda n: "\\" + "{" * (n // 2) + "}" * (n // 2)),
    ("titles: \\frac{ repeated", normalise_title, _repeat("\\frac{")),
]


@pytest.mark.parametrize(("step", "build"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_pathological_input_parses_in_linear_time(step: Callable[[str], object], build) -> None:
    step(build(N))


NORMAL = "Normal Paper\n(Ann Lee, Bo Kim)\nAn abstract with more than eight words in it for sure.\n코멘트.\n#llm"


def _tags(n: int) -> str:
    return " ".join(f"#t{k}" for k in range(n))


def test_digest_entry_with_100000_tags_is_left_out_and_the_others_kept() -> None:
    text = f"2024년 1월 2일\nHostile Paper\n(Eve Doe)\n코멘트.\n{_tags(100_000)}\n{NORMAL}"
    parsed = parse_digest(text, "2024-01-02.txt")
    assert [(e.title, e.position) for e in parsed.entries] == [("Normal Paper", 1)]
    assert [(i.line, i.reason, i.excerpt) for i in parsed.issues] == [
        (2, "100000 tags; at most 64 per entry", "Hostile Paper")
    ]


def test_digest_entry_with_an_oversized_commentary_is_left_out_and_the_others_kept() -> None:
    commentary = "가" * (MAX_BYTES["commentary"] // 3 + 1)  # 3 bytes each in UTF-8
    parsed = parse_digest(f"2024년 1월 2일\n{NORMAL}\nBig Paper\n(Eve Doe)\n{commentary}\n#x")
    assert [e.title for e in parsed.entries] == ["Normal Paper"]
    [issue] = parsed.issues
    assert issue.line == 7
    assert issue.reason == f"commentary of 65538 bytes; at most {MAX_BYTES['commentary']} per entry"


def test_the_bound_itself_is_allowed() -> None:
    text = "2024년 1월 2일\n" + "\n".join(
        f"Paper {n}\n(A B)\n코멘트.\n{_tags(n)}" for n in (MAX_TAGS, MAX_TAGS + 1)
    )
    parsed = parse_digest(text)
    assert [len(e.tags) for e in parsed.entries] == [MAX_TAGS]
    assert [i.reason for i in parsed.issues] == [
        f"{MAX_TAGS + 1} tags; at most {MAX_TAGS} per entry"
    ]


def test_entries_past_the_file_bound_are_left_out_with_one_issue() -> None:
    count = MAX_ENTRIES_PER_FILE + 2
    lines = [f"Paper {k}\n(A B)\n코멘트.\n#x" for k in range(count)]
    parsed = parse_digest("2024년 1월 2일\n" + "\n".join(lines))
    assert len(parsed.entries) == MAX_ENTRIES_PER_FILE
    assert [(i.line, i.excerpt) for i in parsed.issues] == [
        (2 + 4 * MAX_ENTRIES_PER_FILE, "Paper 5000")
    ]
    reason = f"{count} entries; at most {MAX_ENTRIES_PER_FILE} per digest file"
    assert parsed.issues[0].reason.startswith(reason)


NOTE = "{urls}\n\n*{title}* ({authors})\n\n> {abstract}\n\n{commentary}\n\n{tags}\n\n# Links\n\n{links}"
SMALL = {
    "urls": "https://arxiv.org/abs/2406.11838",
    "title": "T",
    "authors": "A B",
    "abstract": "An abstract.",
    "commentary": "코멘트.",
    "tags": "#x",
    "links": "[[240101 Other]]",
}


@pytest.mark.parametrize(
    ("field", "part", "value"),
    [
        ("title", "title", "T" * 3000),
        ("authors_raw", "authors", "Ann Lee, " * 8000),
        ("abstract", "abstract", "word " * 4000),
        ("commentary", "commentary", "한국어 코멘트 문장.\n" * 4000),
        ("tags", "tags", "#" + "t" * 5000),
        ("source_urls", "urls", "https://arxiv.org/abs/2406.11838\n" * 600),
        ("wikilinks", "links", "[[240101 Other]]\n" * 2000),
    ],
)
def test_note_with_a_field_over_its_bound_is_quarantined(field: str, part: str, value: str) -> None:
    parsed = parse_note(NOTE.format(**(SMALL | {part: value})), "arXiv/2024/240617 Big.md")
    assert parsed.entry is None
    [issue] = parsed.issues
    assert issue.reason.startswith(f"{field} of ")
    assert issue.reason.endswith(f"bytes; at most {MAX_BYTES[field]} per entry")


def test_note_with_100000_tags_is_quarantined() -> None:
    parsed = parse_note(NOTE.format(**(SMALL | {"tags": _tags(100_000)})), "x.md")
    assert parsed.entry is None
    assert parsed.issues[0].reason == f"100000 tags; at most {MAX_TAGS} per entry"
    assert parse_note(NOTE.format(**SMALL), "x.md").entry.tags == ["x"]
