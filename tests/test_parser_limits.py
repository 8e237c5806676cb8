"""Hostile input for the parsers: every step linear in its input.

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
