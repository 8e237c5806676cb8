"""Tag lines (``#tag #other-tag``) and the canonical form of a tag."""

from __future__ import annotations

import re

_TAG_TOKEN = re.compile(r"^#([A-Za-z0-9][\w.+-]*)$")
# A stray word typed onto the tag line (``#alignment a``): short and without punctuation.
_STRAY_TOKEN = re.compile(r"^[A-Za-z]{1,3}$")


def normalise_tag(tag: str) -> str:
    """Case-folded kebab-case, so ``#Language_Model`` and ``#language-model`` are one tag."""
    return re.sub(r"[\s_]+", "-", tag.strip().lstrip("#")).casefold().strip("-")


def parse_tag_line(line: str) -> list[str] | None:
    """The tags of a tag line, or None when the line is not one.

    A tag line starts with a tag and holds only tags, apart from short stray words (which are
    dropped). ``#InsTag: Instruction ...`` titles and ``## headings`` are not tag lines.
    """
    tokens = line.split()
    if not tokens or not _TAG_TOKEN.match(tokens[0]):
        return None
    tags: dict[str, None] = {}  # a dict keeps the order and finds repeats in constant time
    for token in tokens:
        m = _TAG_TOKEN.match(token)
        if m:
            if tag := normalise_tag(m.group(1)):
                tags.setdefault(tag)
        elif not _STRAY_TOKEN.match(token):
            return None
    return list(tags)
