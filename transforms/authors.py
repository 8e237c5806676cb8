"""Author lines as digests write them: ``(A, B and C)``, ``(Nvidia: A, B)``, ``(OpenAI)``."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Words that mark a group rather than a person when a line names a single party.
_ORG_WORDS = re.compile(
    r"\b(team|ai|research|lab|labs|seed|inc|corp|group|university|institute|authors|"
    r"foundation|project|deepmind|google|meta|microsoft|nvidia|openai|anthropic)\b|@|\.ai\b",
    re.IGNORECASE,
)
# Separators: a comma (optionally followed by "and"), a semicolon, "and", an ampersand. The
# spaces before one are matched only from the start of their run (``(?<!\s)``), else a split
# would rescan a long run of spaces from each of its positions: quadratic in its length.
_SPLIT = re.compile(r"(?:(?<!\s)\s++)?(?:,\s*+(?:and\s+)?|;\s*+|&\s*+)|(?<!\s)\s++and\s+")


@dataclass(frozen=True, slots=True)
class Authors:
    names: list[str]
    organisation: str | None


def _looks_like_org(text: str) -> bool:
    return " " not in text.strip() or bool(_ORG_WORDS.search(text))


def parse_authors(raw: str | None) -> Authors:
    """Split the text inside an author line's parentheses into names and an organisation.

    ``Nvidia: A, B`` gives names A, B and organisation Nvidia; a line naming only a group
    (``OpenAI``, ``Qwen Team``) gives that group as the only name and as the organisation,
    which is how reference managers treat a corporate author.
    """
    if raw is None or not raw.strip():
        return Authors([], None)
    text = raw.strip()
    organisation = None
    head, sep, rest = text.partition(":")
    if sep and rest.strip() and "," in rest and "," not in head and len(head) < 60:
        organisation, text = head.strip(), rest.strip()
    names = [n.strip(" .") if n.endswith(" .") else n.strip() for n in _SPLIT.split(text)]
    names = [n for n in names if n]
    if organisation is None and len(names) == 1 and _looks_like_org(names[0]):
        organisation = names[0]
    return Authors(names, organisation)
