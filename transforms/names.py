"""A person's name in its parts (first, von, last, jr), as BibTeX, biblatex and CSL want it.

Digests, notes and arXiv write names "First von Last Jr"; written that way into BibTeX, a
style abbreviates every word but the last (``D. Ó. Séaghdha``, ``M. D. Vecchio``,
``J. J. L. Jr``). So names are split here once and written ``von Last, Jr, First``, which every
BibTeX style reads unambiguously, and as CSL's ``family``/``given`` parts.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

from digestlake.transforms.authors import is_organisation

# Written after the family name, never abbreviated: Jr., Sr., II, III, IV.
_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})
# Lower-case particles BibTeX reads as the "von" part (van Beethoven, de la Cruz).
_VON = frozenset(
    "von van der den de del della dei degli di da du des dos das do la le ten ter zu zur "
    "bin ibn al el".split()
)
# Capitalised particles that belong to the family name when they stand between the given
# name and the last word (Michele Del Vecchio, Diarmuid Ó Séaghdha, Hans Van Der Berg). Not
# Di or Da: those are also given names (Di Wu, Da Yu).
_CAPITAL_PARTICLES = frozenset(
    "Del Della Dell De Der Den Van Von Ó Ní Nic Mac Le La Dos Das Du Des Ten Ter Al El Bin "
    "Ibn Abu St. Saint".split()
)
# A combining mark written before its letter with a space (PDF text: ``Tr ̨ebacz``).
_DETACHED_MARK = re.compile(r" ([\u0300-\u036f]+)(\w)")


class NameParts(NamedTuple):  # a tuple: built for every author of every entry, cheaply
    first: str = ""
    von: str = ""
    last: str = ""
    jr: str = ""
    organisation: bool = False  # one name, never split: ``Qwen Team``


def attach_marks(text: str) -> str:
    """Combining marks put on the letter they were meant for, then NFC: ``Tr ̨ebacz`` is
    ``Trębacz``, ``V ̃u`` is ``Vũ`` (so LaTeX gets ``\\k{e}``, not a bare mark)."""
    if text.isascii():
        return text
    return unicodedata.normalize("NFC", _DETACHED_MARK.sub(r"\2\1", text))


@lru_cache(maxsize=1 << 17)
def split_name(name: str, organisation: bool | None = None) -> NameParts:
    """``Ludwig van Beethoven Jr.`` is first Ludwig, von van, last Beethoven, jr Jr.;
    ``Doe, Jane`` and ``Doe, Jr., Jane`` are read as BibTeX reads them. A group's name stays
    whole: ``organisation`` says whether it is one (as ``listed_names`` decided), None
    leaves it to :func:`is_organisation`."""
    words = attach_marks(name).split()
    name = " ".join(words)
    if organisation is None:
        organisation = is_organisation(name) and "," not in name
    if organisation:
        return NameParts(last=name, organisation=True)
    if "," in name:
        parts = [p.strip() for p in name.split(",")]
        if len(parts) >= 3:
            return _with_von(NameParts(first=", ".join(parts[2:]), last=parts[0], jr=parts[1]))
        return _with_von(NameParts(first=parts[1], last=parts[0]))
    if len(words) == 2:  # most names: Given Family
        return NameParts(first=words[0], last=words[1])
    jr = []
    while len(words) > 2 and words[-1].lower() in _SUFFIXES:
        jr.insert(0, words.pop())
    if len(words) == 1:
        return NameParts(last=words[0], jr=" ".join(jr))
    start = len(words) - 1
    while start > 1 and (
        words[start - 1].lower() in _VON or words[start - 1] in _CAPITAL_PARTICLES
    ):
        start -= 1
    tail = words[start:]
    von = []
    while len(tail) > 1 and tail[0] in _VON:  # lower-case particles only
        von.append(tail.pop(0))
    return NameParts(
        first=" ".join(words[:start]), von=" ".join(von), last=" ".join(tail), jr=" ".join(jr)
    )


def _with_von(parts: NameParts) -> NameParts:
    """``van Beethoven, Ludwig``: the lower-case words before the family name are "von"."""
    words = parts.last.split()
    von = []
    while len(words) > 1 and words[0] in _VON:
        von.append(words.pop(0))
    return NameParts(parts.first, " ".join(von), " ".join(words), parts.jr)


def organisations_of(prefix: str | None) -> list[str]:
    """The groups a list's prefix names: ``Codefuse, Ling Team`` is two, ``Nvidia`` one."""
    if not prefix:
        return []
    parts = [p.strip() for p in re.split(r",|\band\b|&", prefix) if p.strip()]
    return parts if len(parts) > 1 and all(is_organisation(p) for p in parts) else [prefix]


def listed_names(names: list[str], organisation: str | None) -> list[tuple[str, bool]]:
    """The authors as the entry lists them, each with whether it is a group's name: a
    prefix's groups first (``Codefuse, Ling Team: Wenting Cai``), as arXiv lists them."""
    groups = [g for g in organisations_of(organisation) if g not in names]
    if organisation in names:
        groups = []
    return [(g, True) for g in groups] + [
        (n, n == organisation or is_organisation(n)) for n in names
    ]
