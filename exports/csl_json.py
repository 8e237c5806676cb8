"""CSL-JSON (``csl/all.json``, ``csl/tags/<tag>.json``): what Zotero, Pandoc and Mendeley
import natively, valid against the CSL-JSON schema (v1.0).

A preprint is ``article`` with ``genre`` preprint, ``publisher`` arXiv and ``number`` its id (as
Zotero writes its preprints); a paper with a journal-ref is ``article-journal`` in that
journal; a paper that is only a web page is ``webpage``. Titles are plain text: TeX in them
is read as text (``$\\infty$Bench`` is ∞Bench), since CSL styles print strings as they are;
abstracts, which no style prints, stay as written.
"""

from __future__ import annotations

import json

from digestlake.transforms.names import attach_marks, split_name
from digestlake.transforms.titles import latex_to_text


def _text(value: str | None) -> str | None:
    if not value:
        return None
    value = attach_marks(" ".join(value.split()))
    return latex_to_text(value) if ("\\" in value or "$" in value) else value


def csl_name(name: str, organisation: bool) -> dict[str, str]:
    """``family``/``given`` (with a lower-case particle and a suffix apart); ``literal`` for
    a group's name, which no style should abbreviate."""
    parts = split_name(name, organisation)
    if parts.organisation or not parts.first:
        return {"literal": parts.last if parts.organisation else name}
    out = {"family": parts.last, "given": parts.first}
    if parts.von:
        out["non-dropping-particle"] = parts.von
    if parts.jr:
        out["suffix"] = parts.jr
    return out


def _issued(record: dict) -> dict | None:
    published = record.get("published")
    if published is not None:
        return {"date-parts": [[published.year, published.month, published.day]]}
    return {"date-parts": [[record["year"]]]} if record.get("year") else None


def csl_item(record: dict, key: str) -> dict:
    """One paper as a CSL-JSON item, keys in a fixed order (for byte-identical files)."""
    arxiv_id, journal = record.get("arxiv_id"), record.get("journal_ref")
    item: dict = {"id": key, "citation-key": key}
    if journal:
        item |= {"type": "article-journal", "container-title": _text(journal)}
    elif arxiv_id:
        item |= {"type": "article", "genre": "preprint", "publisher": "arXiv"}
    else:
        item["type"] = "webpage" if record.get("url") else "article"
    item["title"] = _text(record.get("title")) or record["paper_id"]
    people = record.get("people") or []
    if people:
        item["author"] = [csl_name(p["name"], p["organisation"]) for p in people]
    if issued := _issued(record):
        item["issued"] = issued
    if arxiv_id:
        item["number"] = arxiv_id
        item["archive"] = "arXiv"
        if record.get("primary_category"):
            item["archive_location"] = f"{arxiv_id} [{record['primary_category']}]"
    if record.get("doi"):
        item["DOI"] = record["doi"]
    if record.get("url"):
        item["URL"] = record["url"]
    if record.get("tags"):
        item["keyword"] = ", ".join(record["tags"])
    if record.get("abstract"):
        item["abstract"] = attach_marks(record["abstract"])  # as written: styles never print it
    return item


def _dump(items: list[str]) -> bytes:
    """A JSON array of already encoded items, one a line (json's indenting encoder is pure
    Python, 20x slower)."""
    return ("[\n" + ",\n".join(items) + "\n]\n").encode()


def csl_files(
    records: list[dict], keys: dict[str, str], slugs: dict[str, str]
) -> dict[str, dict[str, bytes]]:
    """``{"": {"all.json": ...}, "tags": {"<slug>.json": ...}}``, items sorted by key."""
    items: dict[str, str] = {}
    by_tag: dict[str, list[str]] = {}
    for record in sorted(records, key=lambda r: keys[r["paper_id"]]):
        key = keys[record["paper_id"]]
        items[key] = json.dumps(csl_item(record, key), ensure_ascii=False)
        for tag in record.get("tags") or []:
            by_tag.setdefault(tag, []).append(key)
    tags = {f"{slugs[t]}.json": _dump([items[k] for k in ks]) for t, ks in by_tag.items()}
    return {"": {"all.json": _dump(list(items.values()))}, "tags": tags}
