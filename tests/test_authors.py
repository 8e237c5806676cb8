"""Author lists by one rule (README, "Parsing: decisions and limits", authors): each hazard on
short strings of our own, the same text through every reader that takes author text (digest,
note, OAI arXivRaw, the snapshot), and the real corpus's author lines."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from conftest import MEASUREMENTS, SHARED, need_shared

from digestlake.sources.oai_pmh import parse_oai
from digestlake.transforms.authors import is_organisation, parse_authors
from digestlake.transforms.digest import parse_digest
from digestlake.transforms.note import parse_note
from digestlake.transforms.snapshot import KAGGLE_SCHEMA, reread_marked_authors, snapshot_papers

ARXIV = SHARED / "fixtures" / "arxiv"
NUMBERED = "Khaled Hamidouche (1) and Jane Doe (1, 2) ((1) NVIDIA Corporation, (2) MIT)"


def people(raw: str) -> list[tuple[str, tuple[str, ...]]]:
    a = parse_authors(raw)
    return list(zip(a.names, a.affiliations, strict=True))


@pytest.mark.parametrize(
    "name", ["OpenAI", "Qwen Team", "DeepSeek-AI", "Mistral AI", "Google DeepMind", "M-A-P Team"]
)
def test_organisations(name: str) -> None:
    assert is_organisation(name)


@pytest.mark.parametrize(
    "name", ["Xinyue Ai", "Osayamen Jonathan Aimuyo", "Philippe Laban", "Max Dallabetta"]
)
def test_people_whose_names_hold_group_letters(name: str) -> None:
    assert not is_organisation(name)
    assert parse_authors(name).organisation is None  # "ai" in any case made it a group


def test_numbered_affiliations_go_to_their_authors() -> None:
    assert people(NUMBERED) == [
        ("Khaled Hamidouche", ("NVIDIA Corporation",)),
        ("Jane Doe", ("NVIDIA Corporation", "MIT")),
    ]
    assert people("A. Lee (1 and 2), B. Kim (2 & 3) ((1) Univ. X, (2) Lab Y., (3) Z)") == [
        ("A. Lee", ("Univ. X", "Lab Y")),
        ("B. Kim", ("Lab Y", "Z")),
    ]
    assert people("A. Lee (1), B. Kim (2) (1 Dip. Fisica, Roma; 2 INAF, Bologna)") == [
        ("A. Lee", ("Dip. Fisica, Roma",)),
        ("B. Kim", ("INAF, Bologna",)),
    ]


def test_an_affiliation_after_a_name_is_also_that_of_the_names_before_it() -> None:
    assert people("Ann Lee, Bo Kim (Univ. X, Dept. Y), Cy Park and Di Wu (Lab Z)") == [
        ("Ann Lee", ("Univ. X, Dept. Y",)),
        ("Bo Kim", ("Univ. X, Dept. Y",)),
        ("Cy Park", ("Lab Z",)),
        ("Di Wu", ("Lab Z",)),
    ]


def test_footnote_marks_are_not_names() -> None:
    assert parse_authors("Yi Sun*, Bo Li†, Ann Lee‡, Enze Xie1, Cy Park¹").names == [
        "Yi Sun",
        "Bo Li",
        "Ann Lee",
        "Enze Xie",
        "Cy Park",
    ]
    assert parse_authors("Jianzhou Wang1 Mengnan Dong, Bo Li*,2").names == [
        "Jianzhou Wang",  # the mark stands where the comma was lost
        "Mengnan Dong",
        "Bo Li",
    ]
    assert parse_authors("GLM-4.5 Team").names == ["GLM-4.5 Team"]  # a group's digits stay


@pytest.mark.parametrize(
    "raw",
    [
        "Codefuse and Ling Team: Wenting Cai, Yuchen Cao",
        "Codefuse, Ling Team: Wenting Cai, Yuchen Cao",
    ],
)
def test_organisation_prefix_of_several_groups(raw: str) -> None:
    a = parse_authors(raw)
    assert a.names == ["Wenting Cai", "Yuchen Cao"]
    assert a.organisation == raw.partition(":")[0]
    assert a.listed()[0] == (a.organisation, ())  # arXiv records list it as their first author


def test_organisation_prefix_before_one_name() -> None:
    a = parse_authors("Nvidia: Bo Adler")
    assert (a.names, a.organisation) == (["Bo Adler"], "Nvidia")


def test_parentheses_that_are_names_remarks_or_a_groups_own() -> None:
    assert parse_authors("Nat McAleese, Rai (Michael Pokorny), Jan Leike").names == [
        "Nat McAleese",
        "Rai Michael Pokorny",
        "Jan Leike",
    ]
    assert parse_authors("Jensen (Jinghao)Zhou, Yu (Kevin) Cao").names == ["Jensen Zhou", "Yu Cao"]
    for remark in ["(additional authors not shown)", "(and Other Contributors)", ", et al."]:
        assert people(f"Ann Lee, Bo Kim {remark}") == [("Ann Lee", ()), ("Bo Kim", ())]
    assert people("Shuang Zhou (Alphabetical order by last name)") == [("Shuang Zhou", ())]
    assert parse_authors("ByteDance Seed, Institute for AI Industry Research (AIR)").names == [
        "ByteDance Seed",
        "Institute for AI Industry Research (AIR)",
    ]


def test_tex_accents_are_decoded() -> None:
    assert parse_authors("C. Bal\\'azs, Franz G\\\"ahler").names == ["C. Balázs", "Franz Gähler"]


# The same author text through every reader of author text.
TEXT = "Yi Sun† (1), Rai (Michael Pokorny) (1, 2) ((1) Lab X, (2) Univ. Y)"
NAMES = ["Yi Sun", "Rai Michael Pokorny"]
AFFILIATIONS = [("Lab X",), ("Lab X", "Univ. Y")]


def _digest() -> list[str]:
    text = f"2024년 1월 2일\nA Title\n({TEXT})\nAn abstract of the paper in English words.\n코멘트.\n#llm"
    return parse_digest(text, "2024-01-02.txt").entries[0].authors


def _note(head: str) -> list[str]:
    text = f"https://arxiv.org/abs/2401.00001\n\n{head}\n\n> Abstract.\n\n코멘트.\n\n#llm"
    return parse_note(text, "arXiv/2024/240102 A Title.md").entry.authors


def test_digests_and_notes_read_the_text_by_the_rule() -> None:
    assert _digest() == _note(f"*A Title* ({TEXT})") == _note(f"A Title ({TEXT})") == NAMES


def test_oai_arxivraw_authors_get_their_numbered_affiliations() -> None:
    body = (need_shared(ARXIV) / "oai2_legacy2015_getrecord_arXivRaw_1302.2146.xml").read_text()
    body = re.sub(r"<authors>[^<]*</authors>", f"<authors>{TEXT}</authors>", body)
    (record,) = parse_oai(body.encode()).records
    assert [(a.name, a.affiliations) for a in record.record.authors] == list(
        zip(NAMES, AFFILIATIONS, strict=True)
    )


def _snapshot_authors(line: dict) -> list[dict]:
    frame = pl.LazyFrame([line], schema=KAGGLE_SCHEMA)
    rows = snapshot_papers(frame, datetime(2026, 1, 1, tzinfo=UTC)).collect()
    return reread_marked_authors(rows)["authors"].to_list()[0]


def test_the_snapshot_reads_marked_author_lines_by_the_rule() -> None:
    """A real snapshot line with arXiv's marks: ``authors_parsed`` gives "1 and 2" as an
    affiliation; the rule gives the institutions, as OAI-PMH does for the same text."""
    sample = need_shared(ARXIV) / "kaggle_sample.jsonl"
    line = next(json.loads(row) for row in sample.open(encoding="utf-8") if "(1 and 2)" in row)
    got = _snapshot_authors(line)
    assert [a["name"] for a in got] == ["A. S. Mishchenko", "N. Nagaosa"]
    assert got[0]["affiliation"].startswith("CREST, Japan Science and Technology Agency")
    assert "1 and 2" not in got[0]["affiliation"]
    rule = parse_authors(line["authors"]).listed()
    assert [(a["name"], a["affiliation"]) for a in got] == [
        (name, "; ".join(aff) or None) for name, aff in rule
    ]
    other = _snapshot_authors({**line, "authors": "A. B. Lee (X)"})  # no marks: as parsed
    assert other[0]["name"] == "A. S. Mishchenko"


def test_the_snapshot_keeps_every_affiliation_of_authors_parsed() -> None:
    sample = need_shared(ARXIV) / "kaggle_sample.jsonl"
    line = json.loads(sample.open(encoding="utf-8").readline())
    plain = {**line, "authors": "A. B. Lee (X)", "authors_parsed": [["Lee", "A. B.", "", "X", "Y"]]}
    assert _snapshot_authors(plain) == [{"name": "A. B. Lee", "affiliation": "X; Y"}]


# Hostile input: every new step linear (200 KB each; a quadratic step hangs the suite).
N = 200_000
HOSTILE: list[tuple[str, Callable[[int], str]]] = [
    ("groups in one name", lambda n: "Ann " + "(x)" * (n // 3)),
    ("words between groups", lambda n: "Ann" + " b (x)" * (n // 6)),
    ("a long marker group", lambda n: "Ann Lee (" + "1, " * (n // 3) + ")"),
    ("a long numbered list", lambda n: "Ann Lee (1) (" + "(1) X, " * (n // 7) + ")"),
    ("a long bare list", lambda n: "Ann Lee (1) (" + "1 X; " * (n // 5) + ")"),
    ("a run of signs", lambda n: "Ann Lee" + "*" * n + "x"),
    ("a run of signs then a name", lambda n: "Ann Lee" + "*" * n + " Bo Kim"),
    ("glued digits", lambda n: "Ann Lee" + "1" * n + " Bo"),
    ("colons", lambda n: "Nvidia" + ":" * n),
]


@pytest.mark.parametrize("build", [h[1] for h in HOSTILE], ids=[h[0] for h in HOSTILE])
def test_pathological_author_text_parses_in_linear_time(build: Callable[[int], str]) -> None:
    parse_authors(build(N))


# The real corpus: every digest day and every vault note.
_MARK = re.compile(r"[*†‡§¶∗⋆¹²³\d]")
_AFFILIATION_LIST = re.compile(r"^\(|\(\s*\d|\(\(")
_PLAIN_SPLIT = re.compile(r",\s*(?:and\s+)?|;\s*|&\s*|\s+and\s+")


def _author_lines(corpus: Path, vault: Path) -> list[tuple[str, str, list[str], str | None]]:
    """(where, authors_raw, authors, author_org) of every entry with an author line."""
    entries = [
        (day.name, e)
        for day in sorted((corpus / "digests").glob("*.txt"))
        for e in parse_digest(day.read_text(encoding="utf-8"), day.name).entries
    ]
    for note in sorted(vault.glob("arXiv/**/*.md")):
        rel = str(note.relative_to(vault))
        entries.append((rel, parse_note(note.read_text(encoding="utf-8"), rel).entry))
    return [(w, e.authors_raw, e.authors, e.author_org) for w, e in entries if e and e.authors_raw]


def test_corpus_author_lines_keep_no_marks_or_affiliation_lists(
    corpus: Path, vault_clone: Path
) -> None:
    lines = _author_lines(corpus, vault_clone)
    assert len(lines) >= 5000
    bad = [
        (where, name)
        for where, _, names, _ in lines
        for name in names
        if _AFFILIATION_LIST.search(name)
        or name.count("(") != name.count(")")
        or (not is_organisation(name) and (_MARK.search(name) or "(" in name))
    ]
    assert bad == []
    # Lines the rule reads otherwise than a plain split after the prefix would: marks,
    # parentheses, remarks (28 lines changed against the rule before this one, the prefix
    # ``Codefuse, Ling Team:`` among them).
    beyond = [
        where
        for where, raw, names, org in lines
        if names
        != [n.strip() for n in _PLAIN_SPLIT.split(raw.removeprefix(f"{org}:")) if n.strip()]
        and names != [org]
    ]
    digests = sum(where.endswith(".txt") for where in beyond)
    MEASUREMENTS.append(
        f"authors, {len(lines)} author lines of the digests and the vault: no name keeps a mark "
        f"or an affiliation list; {len(beyond)} read beyond a plain split "
        f"({digests} digest entries, {len(beyond) - digests} notes)"
    )
