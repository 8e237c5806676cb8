"""Normalised titles: the key an entry without an arXiv id is matched on."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from pylatexenc.latex2text import LatexNodes2Text

_NON_WORD = re.compile(r"[\W_]+")
_LATEX = LatexNodes2Text(math_mode="text", strict_latex_spaces=False)


@lru_cache(maxsize=65536)
def latex_to_text(text: str) -> str:
    try:
        return _LATEX.latex_to_text(text)
    except Exception:  # pylatexenc raises on odd input; the raw text still matches loosely
        return text


# Resolution normalises every mention's title in each of its steps, and a process that ingests
# often (a worker, a replay) meets the same titles again: remembered, they cost a lookup.
@lru_cache(maxsize=16384)
def normalise_title(title: str | None) -> str | None:
    """Case, punctuation, whitespace, accents and LaTeX folded: ``$\\infty$Bench`` = ``∞bench``."""
    if title is None:
        return None
    text = latex_to_text(title) if ("\\" in title or "$" in title) else title
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _NON_WORD.sub(" ", text.casefold()).strip()
    return text or None
