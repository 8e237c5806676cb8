"""Each paper's citation as its page shows it, to copy: the BibTeX entry the ``bibtex/``
files hold (UTF-8 kept, as a reader pastes it into a UTF-8 document)."""

from __future__ import annotations

from dataclasses import dataclass

from digestlake.exports.bibtex import BibReport, bib_entry


@dataclass(frozen=True, slots=True)
class Citation:
    bibtex: str | None
    csl: str | None  # the CSL-JSON item, as text


def site_citations(records: list[dict], keys: dict[str, str]) -> dict[str, Citation]:
    """The citation of every published record, by paper id."""
    report = BibReport()
    return {
        r["paper_id"]: Citation(
            bib_entry(r, keys[r["paper_id"]], biblatex=False, unicode=True, report=report), None
        )
        for r in records
        if r["paper_id"] in keys
    }
