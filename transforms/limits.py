"""What one entry may cost, declared once for every parser.

Exports fan out per entry (a feed and a ``.bib`` file per tag, every field copied into each),
so one hostile entry with 100,000 tags or a 64 MB commentary would make gigabytes of output
on every run. An entry past a bound is left out and reported as a parse issue, which the
ingest quarantines. Maxima on the real corpus (the vault's notes, 14.5 KB at most over
their whole history, and the 530 digest days): 6 tags (83 bytes), title 199 bytes, authors
2,326 bytes (194 names), abstract 2,195 bytes, commentary 14,302 bytes, source URLs 489
bytes, wikilinks 201 bytes, 13 entries in a digest file; each bound is several times that.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

KIB = 1024
MAX_TAGS = 64
MAX_BYTES = {
    "title": 2 * KIB,
    "authors_raw": 64 * KIB,  # collaborations of thousands of authors
    "abstract": 16 * KIB,  # arXiv caps abstracts at 1,920 characters
    "commentary": 64 * KIB,
    "tags": 4 * KIB,
    "source_urls": 16 * KIB,
    "wikilinks": 16 * KIB,
}
# The whole corpus (1,745 entries) fits in one file three times over.
MAX_ENTRIES_PER_FILE = 5000

Field = str | Sequence[str] | None


def _size(value: Field) -> int:
    """UTF-8 bytes of a text field, or of all the items of a list field."""
    if value is None:
        return 0
    items = [value] if isinstance(value, str) else value
    return sum(len(item.encode("utf-8", "surrogatepass")) for item in items)


def exceeded(fields: Mapping[str, Field]) -> str | None:
    """The bound an entry's fields exceed, worded as the reason it is quarantined, or None."""
    tags = fields.get("tags") or ()
    if len(tags) > MAX_TAGS:
        return f"{len(tags)} tags; at most {MAX_TAGS} per entry"
    for name, limit in MAX_BYTES.items():
        if (size := _size(fields.get(name))) > limit:
            return f"{name} of {size} bytes; at most {limit} per entry"
    return None
