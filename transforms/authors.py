"""Author lists as digests, notes and arXiv's text records write them, read by one rule.

``(A, B and C)``, ``(Nvidia: A, B)``, ``(OpenAI)``; arXiv's ``A (1), B (1, 2) ((1) X, (2) Y)``
(numbered affiliations), ``A, B (X)`` (one affiliation for both), footnote marks (``Sun*``,
``Li†``, ``Xie1``). README ("Parsing: decisions and limits", authors) states the rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from digestlake.transforms.titles import latex_to_text

# Words that make a name a group's, as whole words in any case. "AI" counts only in capitals:
# Ai is a family name (Xinyue Ai), and letters inside a word never count (Osayamen Jonathan
# Aimuyo, Philippe Laban).
_ORG_WORDS = (
    "team teams lab labs laboratory laboratories research institute university inc corp "
    "corporation company group foundation project consortium collaboration authors seed "
    "deepmind google meta microsoft nvidia openai anthropic".split()
)
_GROUP_WORD = re.compile(rf"(?<![^\W_])(?:AI|(?i:{'|'.join(_ORG_WORDS)}))(?![^\W_])")
_WORD = re.compile(r"[^\W_]+")
# Separators, in text whose spaces are folded to single ones first: a comma (optionally
# followed by "and"), a semicolon, "and", an ampersand.
_SPLIT = re.compile(r" ?(?:, ?(?:and )?|; ?|& ?)| and ")
_GROUP = "\ue000"  # stands for a top-level ``(...)`` group while a list is split
_PAREN = re.compile(r"[()]")
_SIGNS = "*†‡§¶∗⋆¹²³⁰⁴⁵⁶⁷⁸⁹"
_SIGN = re.compile(rf"[{_SIGNS}]++")
# A footnote mark on a person's name: a sign, or digits glued to a word's end (``Xie1``).
_MARK = re.compile(rf"[{_SIGNS}]++|(?<=[^\W\d_])\d++(?!\w)")
# A mark with more of the name after it stands where a comma was lost (``Wang1 Mengnan Dong``).
# A run of signs is matched from its start only: else a long run would be rescanned from each
# of its positions, quadratic in its length.
_MARK_THEN_NAME = re.compile(rf"(?:(?<![{_SIGNS}])[{_SIGNS}]++|(?<=[^\W\d_])\d++)\s++(?=\w)")
_MARKER_GROUP = re.compile(rf"(?:[\d\s,;&{_SIGNS}]|\band\b)+")  # (1), (1, 2), (1 and 3), (*)
_NUMBER = re.compile(r"\d+")
_NUMBERED = re.compile(r"\(\s*(\d+)\s*\)")  # ((1) NVIDIA Corporation, (2) MIT)
_BARE_NUMBERED = re.compile(r"(?:^|[,;])\s*(\d+)\s+(?=\D)")  # (1 Dip. Astro., Bologna; 2 INAF)
# Text about the list, not an affiliation: (additional authors not shown), (and Other
# Contributors), (Alphabetical order by last name), (et al.).
_REMARK_START = re.compile(r"[a-z]|(?i:and|et\.?\s+al)\b")
_REMARK_WORD = re.compile(r"\b(?:authors?|contributors?|order)\b", re.IGNORECASE)
_ET_AL = re.compile(r"et\.?\s+al\.?", re.IGNORECASE)
Person = tuple[str, tuple[str, ...]]  # a name and its affiliations
_Read = tuple[str, tuple[str, ...], bool]  # and whether it is an organisation's


@dataclass(frozen=True, slots=True)
class Authors:
    names: list[str]
    organisation: str | None
    affiliations: list[tuple[str, ...]]  # one tuple per name, in order

    def listed(self) -> list[Person]:
        """The list as arXiv's records give it: a prefix's organisation first, as an author
        (``ATLAS Collaboration: A, B``), then each name with its affiliations."""
        people = list(zip(self.names, self.affiliations, strict=True))
        if self.organisation is not None and self.organisation not in self.names:
            people.insert(0, (self.organisation, ()))
        return people


def _group_word(name: str) -> bool:
    return _GROUP_WORD.search(name) is not None


def is_organisation(name: str) -> bool:
    """A group's name rather than a person's: one word (``OpenAI``, a lone ``Codefuse``) or a
    group's word (``Qwen Team``, ``DeepSeek-AI``). Author lists (``author_org``) and title
    matching (the first person of a list) decide by it."""
    return len(name.split()) < 2 or _group_word(name)


def _reads_as_person(text: str) -> bool:
    """``Michael Pokorny``: two to four capitalised words, none a group's."""
    words = text.split()
    return (
        2 <= len(words) <= 4
        and all(w[0].isupper() and w.replace(".", "").replace("-", "").isalpha() for w in words)
        and not _group_word(text)
    )


def _is_name(text: str) -> bool:
    """Not empty, not ``et al.``, not a mark left alone (``2`` of ``Xie1,2``)."""
    return bool(text) and not _ET_AL.fullmatch(text) and not _MARKER_GROUP.fullmatch(text)


def _is_remark(inner: str) -> bool:
    return bool(_REMARK_START.match(inner) or _REMARK_WORD.search(inner))


def _clean(text: str) -> str:
    """Spaces folded, TeX accents decoded (arXiv's text writes ``Bal\\'azs``)."""
    text = " ".join(text.split())
    text = latex_to_text(text) if "\\" in text else text
    return text.strip(" .") if text.endswith(" .") else text.strip(" ,")


def _mask(text: str) -> tuple[str, list[str]]:
    """The text with each top-level ``(...)`` as ``_GROUP``, and the groups' inner texts: a
    separator inside a group splits nothing. An unclosed ``(`` stays text."""
    out: list[str] = []
    groups: list[str] = []
    depth = start = last = 0
    for m in _PAREN.finditer(text):
        if m.group() == "(":
            start = m.start() if depth == 0 else start
            depth += 1
        elif depth:
            depth -= 1
            if depth == 0:
                out += [text[last:start], _GROUP]
                groups.append(text[start + 1 : m.start()])
                last = m.end()
    out.append(text[last:])
    return "".join(out), groups


def _numbered_list(inner: str, used: set[str]) -> dict[str, str] | None:
    """``(1) X, (2) Y``, or ``1 X; 2 Y`` cut at the numbers the authors' marks use, as
    {number: affiliation}; None when the group is not such a list."""
    inner = inner.lstrip()
    if _MARKER_GROUP.fullmatch(inner):
        return None
    cuts = list(_NUMBERED.finditer(inner)) if _NUMBERED.match(inner) else []
    if not cuts and used and _BARE_NUMBERED.match(inner):
        cuts = [m for m in _BARE_NUMBERED.finditer(inner) if m.group(1) in used]
    if not cuts or cuts[0].start() != 0:
        return None
    ends = [m.start() for m in cuts[1:]] + [len(inner)]
    return {
        m.group(1): _clean(inner[m.end() : end]).strip(" .,;")
        for m, end in zip(cuts, ends, strict=True)
    }


def _people(item: str, groups: list[str], numbered: dict[str, str]) -> list[_Read]:
    """The person (or group) one item of the list names, with the affiliations its groups
    give; several people where a mark stands for a lost comma, none for a bare remark."""
    if not groups and not _MARK.search(item):  # a plain name, the common case
        name = _clean(item)
        return [(name, (), is_organisation(name))] if _is_name(name) else []
    pieces = item.split(_GROUP)
    outer = _clean(_SIGN.sub("", " ".join(pieces)))
    if not _is_name(outer):
        return []
    one_word, group_word = len(outer.split()) == 1, _group_word(outer)
    organisation = one_word or group_word
    parts, affiliations, kept = [pieces[0]], [], False
    for inner, after in zip(groups, pieces[1:], strict=True):
        if _MARKER_GROUP.fullmatch(inner):
            affiliations += [numbered[n] for n in _NUMBER.findall(inner) if n in numbered]
        elif _is_remark(inner):
            pass  # (additional authors not shown): about the list, nobody's affiliation
        elif one_word and not group_word and _reads_as_person(inner):
            parts.append(inner)  # Rai (Michael Pokorny): the full name completes a one-word one
            organisation, kept = False, True
        elif organisation:
            parts.append(f"({inner})")  # an organisation's own: Institute ... Research (AIR)
            kept = True
        elif not _WORD.search(after):
            affiliations.append(_clean(inner))  # arXiv's ``Name (Affiliation)``
        # else an alternative given name inside a name (Jensen (Jinghao) Zhou): left out
        parts.append(after)
    name = _clean(_SIGN.sub("", " ".join(parts))) if kept else outer
    if organisation:
        return [(name, tuple(affiliations), True)]
    if _MARK.search(name):
        names = [n for n in (_clean(_MARK.sub("", p)) for p in _MARK_THEN_NAME.split(name)) if n]
    else:
        names = [name]
    return [(n, (), False) for n in names[:-1]] + [(names[-1], tuple(affiliations), False)]


def _back_propagate(people: list[_Read]) -> list[Person]:
    """arXiv's convention: an affiliation is also that of the people before it who have none
    (``A, B (X)``: both at X). Organisations get none."""
    out: list[Person] = []
    last: tuple[str, ...] = ()
    for name, affiliations, organisation in reversed(people):
        if not organisation:
            last = affiliations or last
            affiliations = last
        out.append((name, affiliations))
    return out[::-1]


def parse_authors(raw: str | None) -> Authors:
    """Split an author list into names, an organisation and each name's affiliations.

    ``Nvidia: A, B`` (or ``Codefuse, Ling Team: A, B``) gives names A, B and organisation
    Nvidia; a line naming only a group (``OpenAI``, ``Qwen Team``) gives that group as the only
    name and as the organisation, which is how reference managers treat a corporate author.
    Marks are not names: ``A (1), B (1, 2) ((1) X, (2) Y)`` gives A at X and B at X and Y.
    """
    if raw is None or not raw.strip():
        return Authors([], None, [])
    masked, groups = _mask(" ".join(raw.replace(_GROUP, " ").split()))
    used = {n for g in groups if _MARKER_GROUP.fullmatch(g) for n in _NUMBER.findall(g)}
    numbered: dict[str, str] = {}
    if masked.endswith(_GROUP) and (found := _numbered_list(groups[-1], used)) is not None:
        numbered, masked = found, masked[:-1]
        groups.pop()
    organisation = None
    head, sep, rest = masked.partition(":")
    if sep and head.strip() and rest.strip() and _GROUP not in head and len(head) < 60:
        parties = _SPLIT.split(head)
        if len(parties) == 1 or all(is_organisation(p.strip()) for p in parties):
            organisation, masked = head.strip(), rest
    read: list[_Read] = []
    pending = iter(groups)
    for item in _SPLIT.split(masked):
        read += _people(item, [next(pending) for _ in range(item.count(_GROUP))], numbered)
    people = _back_propagate(read)
    names = [name for name, _ in people]
    if organisation is None and len(names) == 1 and is_organisation(names[0]):
        organisation = names[0]
    return Authors(names, organisation, [affiliations for _, affiliations in people])
