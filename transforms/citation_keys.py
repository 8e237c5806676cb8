"""Citation keys: readable (``li2024autoregressive``), ASCII, unique, and never reissued.

The base is the first author's family name, the year and the first significant title word,
as Google Scholar and arXiv's own export do. Keys already issued are kept as they are; new
papers are settled in paper-id order, and a base already taken (case-insensitively, as
reference managers compare) gets ``a``, ``b``, ... appended.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from itertools import count

from digestlake.transforms.titles import normalise_title

STOPWORDS = frozenset(
    "a an the on of in for to and or with via from towards toward is are be do does how what "
    "why when where which can we you your our their its beyond by at as into through using "
    "not no yet all one".split()
)
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def ascii_fold(text: str) -> str:
    """Lowercase ASCII letters and digits only (accents folded, other scripts dropped)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return _NON_ALNUM.sub("", decomposed.encode("ascii", "ignore").decode().lower())


def family_name(name: str) -> str:
    """The last word of a name, skipping Jr./III; ``Doe, Jane`` gives Doe."""
    if "," in name:
        return ascii_fold(name.split(",")[0])
    words = [w for w in name.split() if ascii_fold(w)]
    while len(words) > 1 and ascii_fold(words[-1]) in _SUFFIXES:
        words.pop()
    return ascii_fold(words[-1]) if words else ""


def first_title_word(title: str | None) -> str:
    for word in (normalise_title(title) or "").split():
        folded = ascii_fold(word)
        if folded and folded not in STOPWORDS and not folded.isdigit():
            return folded[:20]
    return ""


def key_base(authors: list[str] | None, year: int | None, title: str | None) -> str:
    who = family_name(authors[0]) if authors else ""
    return f"{who or 'anon'}{year or ''}{first_title_word(title)}"


def _candidates(base: str) -> Iterable[str]:
    yield base
    for n in count(0):
        letters, width = "", n
        while True:
            letters = chr(ord("a") + width % 26) + letters
            width = width // 26 - 1
            if width < 0:
                break
        yield base + letters


def assign_keys(bases: Mapping[str, str], issued: Mapping[str, str]) -> dict[str, str]:
    """Keys for the papers in ``bases`` (paper_id -> base) that have none in ``issued``."""
    taken = {key.lower() for key in issued.values()}
    new: dict[str, str] = {}
    for paper_id in sorted(p for p in bases if p not in issued):
        key = next(k for k in _candidates(bases[paper_id]) if k.lower() not in taken)
        taken.add(key.lower())
        new[paper_id] = key
    return new
