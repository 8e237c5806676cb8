"""Each paper's citation as its page shows it, to copy: the BibTeX entry the ``bibtex/``
files hold (UTF-8 kept, as a reader pastes it into a UTF-8 document) and the CSL-JSON item of
``csl/``, as a one-item array (what Zotero and pandoc import)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from digestlake.exports.bibtex import BibReport, bib_entry
from digestlake.exports.csl_json import csl_item


@dataclass(frozen=True, slots=True)
class Citation:
    bibtex: str | None
    csl: str | None  # the CSL-JSON array, as text


def site_citations(records: list[dict], keys: dict[str, str]) -> dict[str, Citation]:
    """The citation of every published record, by paper id."""
    report = BibReport()  # what the entries simplified is reported by the bibtex/ files
    citations = {}
    for record in records:
        key = keys.get(record["paper_id"])
        if key is not None:
            csl = json.dumps([csl_item(record, key)], ensure_ascii=False, indent=1)
            bibtex = bib_entry(record, key, unicode=True, report=report)
            citations[record["paper_id"]] = Citation(bibtex, csl)
    return citations
