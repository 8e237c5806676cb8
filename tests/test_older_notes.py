"""The note parser on the vault's older notes (2017-2023), which no expected file covers.

Every note of the bundle dated 2017-2023 is checked against the rules written down in README
("Parsing: decisions and limits"), one readable check per field; then one short sample note
per older style.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from conftest import MEASUREMENTS

from digestlake.transforms.arxiv_ids import find_arxiv_ids
from digestlake.transforms.entry import Entry, find_urls
from digestlake.transforms.note import parse_note
from digestlake.transforms.tags import parse_tag_line

_OLDER = re.compile(r"^(1[7-9]|2[0-3])\d{4}(?!\d)")
_URL_LINE = re.compile(r"\S*(?:https?://|arxiv\.org/)\S*")
_URL_THEN_TEXT = re.compile(r"(https?://\S+)\s+(\S.*)")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_TRAILING_TAGS = re.compile(r"(?:\s+#[A-Za-z0-9][\w.+-]*)+$")
_LINK_LINE = re.compile(r"(?:\s*\[\[[^\]]*\]\])+\s*")
_WIKILINK = re.compile(r"\[\[([^\[\]|#]+)")
_FINAL_GROUP = re.compile(r"\(((?:[^()]|\([^()]*\))*)\)$")  # one level of nesting inside
_OPEN_GROUP = re.compile(r"\(([^()]*)$")


@dataclass(frozen=True)
class Note:
    """A note's non-blank lines as the rules see them: the body (up to ``# Links``), where
    its head starts, and the head's text (its first line, joined with a continuation)."""

    body: list[str]
    all_lines: list[str]
    start: int  # the first line after the leading URL lines
    head: str | None  # None when the note opens with commentary
    head_lines: int

    @classmethod
    def of(cls, text: str) -> Note:
        lines = [line.rstrip() for line in text.removeprefix("\ufeff").splitlines() if line.strip()]
        end = next((k for k, t in enumerate(lines) if re.fullmatch(r"#\s+Links\s*", t)), len(lines))
        body = lines[:end]
        start = next((k for k, t in enumerate(body) if not _URL_LINE.fullmatch(t.strip())), end)
        first = body[start] if start < end else None
        if first is None or _opens_commentary(first):
            return cls(body, lines, start, None, 0)
        following = body[start + 1] if start + 1 < end else ""
        if _continues(first, following):
            return cls(body, lines, start, f"{first} {following.strip()}", 2)
        if first.endswith(".") and _author_group(first) is None:  # a sentence, not a title
            return cls(body, lines, start, None, 0)
        return cls(body, lines, start, first, 1)


def _opens_commentary(line: str) -> bool:
    """No title: the note starts with Korean, a tag line, a quote, a wikilink, or its URL
    followed by commentary on the same line."""
    if _HANGUL.search(line) or parse_tag_line(line) is not None or _URL_THEN_TEXT.fullmatch(line):
        return True
    return line.startswith((">", "[["))


def _continues(first: str, following: str) -> bool:
    """A head with its author group still open, or with none yet and an indented next line."""
    if not following or _HANGUL.search(following) or parse_tag_line(following) is not None:
        return False
    if first.count("(") > first.count(")"):
        return True
    return following[:1].isspace() and not first.endswith(")")


def _author_group(head: str) -> str | None:
    """The head's final ``(…)`` group, or the text after a ``(`` never closed; not a URL."""
    m = _FINAL_GROUP.search(head) or (
        _OPEN_GROUP.search(head) if head.count("(") > head.count(")") else None
    )
    return m.group(1).strip() if m and "://" not in m.group(1) else None


def _untagged(line: str) -> str:
    return _TRAILING_TAGS.sub("", line)


def _candidates(note: Note) -> list[str]:
    """The lines after the URLs that are neither tags, wikilinks nor quotes, tags cut off."""
    lines = [
        _untagged(t)
        for t in note.body[note.start :]
        if parse_tag_line(t) is None and not _LINK_LINE.fullmatch(t) and not t.startswith(">")
    ]
    if lines and (m := _URL_THEN_TEXT.fullmatch(note.body[note.start])):
        lines[0] = m.group(2)
    return lines


def _commentary_lines(e: Entry) -> list[str]:
    return e.commentary.split("\n") if e.commentary else []


def check_title(note: Note, e: Entry) -> bool:
    """None when the note opens with commentary; else the head line (or the two joined) up
    to its final author group or URL, its parentheses balanced."""
    if note.head is None:
        return e.title is None
    if not e.title or e.title.count("(") != e.title.count(")"):
        return False
    rest = note.head.removeprefix("*")
    if not rest.startswith(e.title):
        return False
    after = rest[len(e.title) :].lstrip("* ")
    if after.startswith("("):
        return bool(_FINAL_GROUP.fullmatch(after) or _OPEN_GROUP.fullmatch(after))
    return after == "" or after.startswith("http")


def check_authors(note: Note, e: Entry) -> bool:
    """The head's final ``(…)`` group, or a ``(authors)`` line under a bare title; else none."""
    expected = _author_group(note.head) if note.head else None
    following = note.body[note.start + 1] if note.start + 1 < len(note.body) else ""
    if (
        note.head
        and expected is None
        and note.head_lines == 1
        and _FINAL_GROUP.fullmatch(following)
    ):
        expected = following[1:-1].strip()
    return e.authors_raw == expected and (expected is None or bool(e.authors))


def check_abstract(note: Note, e: Entry) -> bool:
    quoted = [t[1:].strip() for t in note.body if t.startswith(">") and t[1:].strip()]
    return e.abstract == ("\n".join(quoted) or None)


def check_commentary(note: Note, e: Entry) -> bool:
    """Every line after the head, in order (tags, wikilinks, quotes left out), and nothing
    else; an author-looking first line only when the title has its own authors (the line is
    then the paper's other title)."""
    lines = _commentary_lines(e)
    candidates = _candidates(note)
    head_part = candidates[: len(candidates) - len(lines)]
    if candidates[len(head_part) :] != lines:
        return False
    if e.title is None and head_part:
        return False
    if e.title is not None:
        joined = " ".join(t.strip() for t in head_part)
        if e.title not in joined or (e.authors_raw or "") not in joined:
            return False
    if lines and not _HANGUL.search(lines[0]):
        looks_like_authors = lines[0][:1].isspace() or bool(
            (group := _FINAL_GROUP.search(lines[0])) and "," in group.group(1)
        )
        if looks_like_authors and not e.authors:
            return False
    return True


def check_tags(note: Note, e: Entry) -> bool:
    """The union of every tag line and every run of tags ending a line, in order."""
    tags: dict[str, None] = {}
    for line in note.body:
        found = parse_tag_line(line)
        if found is None and (m := _TRAILING_TAGS.search(line)):
            found = parse_tag_line(m.group().strip())
        tags.update(dict.fromkeys(found or ()))
    return e.tags == list(tags)


def check_links(note: Note, e: Entry) -> bool:
    """Every URL of the note in ``links`` or ``source_urls``; every wikilink in ``wikilinks``."""
    kept = set(e.links) | set(e.source_urls)
    urls = [u for line in note.body for u in find_urls(line)]
    wikilinks = {
        m.strip().removesuffix(".md") for line in note.all_lines for m in _WIKILINK.findall(line)
    }
    return all(u in kept for u in urls) and set(e.wikilinks) == wikilinks


def check_arxiv_id(note: Note, e: Entry) -> bool:
    """The first arXiv id of the head (the text before the commentary); when the head holds
    no URL at all, the first the note links."""
    lines = _commentary_lines(e)
    body = "\n".join(_untagged(t) for t in note.body)
    head = body[: body.find(lines[0])] if lines and lines[0] in body else body
    ids = find_arxiv_ids(head if re.search(r"https?://|arxiv\.org/", head) else body)
    return e.arxiv_id == (ids[0].id if ids else None)


CHECKS: dict[str, Callable[[Note, Entry], bool]] = {
    "title": check_title,
    "authors": check_authors,
    "abstract": check_abstract,
    "commentary": check_commentary,
    "tags": check_tags,
    "links": check_links,
    "arxiv_id": check_arxiv_id,
}


def older_notes(vault: Path) -> list[Path]:
    """The notes whose file name dates them 2017-2023 (year folders can differ)."""
    return sorted(p for p in vault.glob("arXiv/**/*.md") if _OLDER.match(p.name))


def test_every_older_note_follows_the_rules(vault_clone: Path) -> None:
    notes = older_notes(vault_clone)
    assert len(notes) >= 2000
    passed = dict.fromkeys(CHECKS, 0)
    exact = 0
    misses: list[str] = []
    for path in notes:
        rel = str(path.relative_to(vault_clone))
        text = path.read_text(encoding="utf-8")
        entry = parse_note(text, rel).entry
        assert entry is not None, rel
        note = Note.of(text)
        failed = [name for name, check in CHECKS.items() if not check(note, entry)]
        for name in CHECKS.keys() - set(failed):
            passed[name] += 1
        exact += not failed
        if failed:
            misses.append(f"{rel}: {', '.join(failed)}")
    total = len(notes)
    rates = ", ".join(f"{name} {n / total:.2%}" for name, n in passed.items())
    MEASUREMENTS.append(
        f"note parser, {total} vault notes of 2017-2023 against the README rules: "
        f"{exact} exact ({exact / total:.2%}); {rates}"
    )
    assert exact / total >= 0.98, f"{exact}/{total} exact; misses: {misses[:20]}"


def _entry(text: str, path: str = "arXiv/2020/200101 Sample.md") -> Entry:
    entry = parse_note(text, path).entry
    assert entry is not None
    return entry


LAYOUTLM = (
    "https://arxiv.org/abs/1912.13318\n\nLayoutLM: Pre-training of Text and Layout for Document Image\n"
    "  Understanding (Yiheng Xu, Minghao Li)\n\nLayoutLM 업데이트.\n\n#ocr"
)


def test_title_hard_wrapped_onto_an_indented_line() -> None:
    e = _entry(LAYOUTLM)
    assert e.title == "LayoutLM: Pre-training of Text and Layout for Document Image Understanding"
    assert e.authors == ["Yiheng Xu", "Minghao Li"]
    assert (e.commentary, e.tags, e.arxiv_id) == ("LayoutLM 업데이트.", ["ocr"], "1912.13318")


def test_the_checks_catch_a_title_cut_at_its_line_break() -> None:
    """What the parser did before: the title cut, the authors pushed into the commentary."""
    right = _entry(LAYOUTLM)
    cut = replace(
        right,
        title="LayoutLM: Pre-training of Text and Layout for Document Image",
        authors_raw=None,
        authors=[],
        commentary=f"  Understanding (Yiheng Xu, Minghao Li)\n{right.commentary}",
    )
    note = Note.of(LAYOUTLM)
    assert all(check(note, right) for check in CHECKS.values())
    assert [name for name, check in CHECKS.items() if not check(note, cut)] == [
        "title",
        "authors",
        "commentary",
    ]


def test_author_list_wrapped_or_cut_short() -> None:
    wrapped = _entry(
        "https://arxiv.org/abs/2109.10686\n\nScale Efficiently: Insights (Yi Tay, Hyung Won\n"
        "Chung, Donald Metzler)\n\n코멘트."
    )
    assert wrapped.title == "Scale Efficiently: Insights"
    assert wrapped.authors == ["Yi Tay", "Hyung Won Chung", "Donald Metzler"]
    cut = _entry(
        "https://arxiv.org/abs/2211.05100\n\nBLOOM: A Model (Teven Le Scao, Angela Fan, Ona\n\n저자가 더 있습니다."
    )
    assert (cut.title, cut.authors_raw) == ("BLOOM: A Model", "Teven Le Scao, Angela Fan, Ona")
    assert cut.commentary == "저자가 더 있습니다."


def test_plain_head_with_lower_case_or_single_authors() -> None:
    tora = _entry(
        "https://arxiv.org/abs/2309.17452\n\nToRA: A Tool-Integrated Agent (Zhibin Gou, yelong shen)\n\n코멘트."
    )
    assert (tora.title, tora.authors) == (
        "ToRA: A Tool-Integrated Agent",
        ["Zhibin Gou", "yelong shen"],
    )
    glu = _entry(
        "https://arxiv.org/abs/2002.05202\n\nGLU Variants Improve Transformer (Noam Shazeer)\n\n코멘트."
    )
    assert (glu.title, glu.authors) == ("GLU Variants Improve Transformer", ["Noam Shazeer"])
    yet = _entry("https://arxiv.org/abs/2402.18510\n\nRNNs are not Transformers (Yet)\n\n코멘트.")
    assert (yet.title, yet.authors_raw) == ("RNNs are not Transformers (Yet)", None)


def test_title_with_its_url_and_notes_listing_several_papers() -> None:
    blend = _entry(
        "BlendMask https://arxiv.org/abs/2001.00309\n코멘트가 바로 이어짐.\n\n#instance_segmentation"
    )
    assert (blend.title, blend.arxiv_id, blend.commentary) == (
        "BlendMask",
        "2001.00309",
        "코멘트가 바로 이어짐.",
    )
    listing = _entry(
        "SpanBERT https://arxiv.org/abs/1907.10529\nALBERT https://arxiv.org/abs/1909.11942\n"
        "XLNet https://arxiv.org/abs/1906.08237\n\n#pretraining #nlp"
    )
    assert (listing.title, listing.arxiv_id) == ("SpanBERT", "1907.10529")
    assert listing.cited_arxiv_ids == ["1909.11942", "1906.08237"]
    assert listing.tags == ["pretraining", "nlp"]


def test_tags_at_the_end_of_a_line_and_before_more_text() -> None:
    e = _entry(
        "https://arxiv.org/abs/2006.16990\n\nPriorGAN: Real Data Prior (Shuyang Gu, Jianmin Bao)\n\n"
        "gan 학습을 가이드하는 방법. #gan #Metric_Learning\n\n[[200319 GIQA]]\n\n#gan #prior\n\n"
        "태그 뒤에 이어진 두 번째 글.\n\n# Links\n\n[[200319 GIQA.md]]"
    )
    assert e.tags == ["gan", "metric-learning", "prior"]
    assert e.commentary == "gan 학습을 가이드하는 방법.\n태그 뒤에 이어진 두 번째 글."
    assert e.wikilinks == ["200319 GIQA", "200319 GIQA"]  # the body's, then the section's


def test_commentary_that_starts_with_a_url_or_the_papers_other_title() -> None:
    page = _entry(
        "https://arxiv.org/abs/2102.13090\n\nIBRNet: Rendering (Qianqian Wang, Zhicheng Wang)\n\n"
        "https://ibrnet.github.io/ 제약이 풀리기 시작하는군요.\n\n#nerf"
    )
    assert page.commentary == "https://ibrnet.github.io/ 제약이 풀리기 시작하는군요."
    assert page.links == ["https://ibrnet.github.io/"] and page.arxiv_id == "2102.13090"
    retitled = _entry(
        "https://arxiv.org/abs/2002.06048\n\nAutoLR: Pruning\n  and Tuning (Youngmin Ro, Jin Young Choi)\n\n"
        "Layer-wise Pruning (Youngmin Ro, Jin Young Choi)\n\n코멘트."
    )
    assert retitled.title == "AutoLR: Pruning and Tuning"
    assert retitled.commentary == "Layer-wise Pruning (Youngmin Ro, Jin Young Choi)\n코멘트."


def test_paper_named_only_in_the_commentary() -> None:
    e = _entry("어제 나온 EvoNorm(https://arxiv.org/abs/2004.02967)에 대한 생각.\n\n#normalization")
    assert (e.title, e.arxiv_id, e.cited_arxiv_ids) == (None, "2004.02967", [])
    blog = _entry("https://openai.com/research/gpt-4\n\n코멘트 (https://arxiv.org/abs/2303.08774).")
    assert (blog.arxiv_id, blog.cited_arxiv_ids) == (None, ["2303.08774"])


def test_note_that_opens_with_commentary_or_a_wikilink_has_no_title() -> None:
    e = _entry("https://arxiv.org/abs/1903.10979\n\n[[200129 Backbone Reallocation]]\n\n#nas")
    assert (e.title, e.commentary, e.wikilinks) == (None, None, ["200129 Backbone Reallocation"])
    korean = _entry(
        "https://arxiv.org/abs/1911.06667\n비단 모바일 환경이 아니더라도.\n\n #backbone"
    )
    assert (korean.title, korean.commentary, korean.tags) == (
        None,
        "비단 모바일 환경이 아니더라도.",
        ["backbone"],
    )


N = 200_000


@pytest.mark.parametrize(
    "text",
    [
        "T (" + "a, " * (N // 3),  # an author group never closed
        "T\n" + "  (" * (N // 3),  # an indented continuation of opening parentheses
        "x" + " #t" * (N // 3),  # a run of tags ending a line
        "x " + "[[]]" * (N // 4),  # empty wikilinks
        "[[" * (N // 2),
    ],
    ids=["open author group", "continuation", "trailing tags", "empty wikilinks", "[["],
)
def test_the_older_styles_parse_in_linear_time(text: str) -> None:
    """As tests/test_parser_limits.py: 200 KB that a quadratic step would take minutes on."""
    parse_note(f"https://arxiv.org/abs/2001.00001\n{text}\n{text}", "arXiv/2020/200101 x.md")
