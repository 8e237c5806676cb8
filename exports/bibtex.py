"""BibTeX (arXiv's own export style) and biblatex files from the publication records."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from digestlake.exports.latex import LatexReport, to_latex, verbatim

HEADER = "% Written by digestlake. Edits are overwritten on the next publish.\n\n"
_YEAR_FOLDER = re.compile(r"(?:^|/)((?:19|20)\d\d)/")  # arXiv/2024/Cosmos.md


@dataclass
class BibReport:
    latex: LatexReport = field(default_factory=LatexReport)
    entries: int = 0


def _name(name: str, organisation: str | None, report: LatexReport, key: str) -> str:
    encoded = to_latex(name, report=report, name=key)
    lowered = f" {name.lower()} "
    if name == organisation or "," in name or " and " in lowered or len(name.split()) == 1:
        return "{" + encoded + "}"  # one unit: a group, or a name BibTeX would split wrongly
    return encoded


def _year(record: dict) -> int | None:
    """The paper's year; for a paper only undated notes mention (no arXiv id, no digest
    date), the year folder the earliest of them is filed in: biblatex's data model wants a
    year or a date on every entry."""
    if record.get("year"):
        return record["year"]
    folders = (_YEAR_FOLDER.search(m.get("file") or "") for m in record.get("mentions") or [])
    return min((int(found[1]) for found in folders if found), default=None)


def bib_entry(record: dict, key: str, *, biblatex: bool, unicode: bool, report: BibReport) -> str:
    """One entry. Text fields go through ``to_latex``; ``url``, ``doi``, ``eprint`` verbatim."""
    latex = report.latex
    arxiv_id = record.get("arxiv_id")
    title = record.get("title") or record["paper_id"]
    fields: list[tuple[str, str]] = [
        ("title", to_latex(title, unicode=unicode, protect_case=True, report=latex, name=key))
    ]
    names = record.get("author_names") or []
    org = record.get("author_org")
    if not names and org:
        names = [org]
    if names:
        authors = " and ".join(_name(n, org, latex, key) for n in names)
        fields.append(("author", authors))
    else:  # BibTeX styles sort and label by ``key`` when there is no author
        fields.append(("key", fields[0][1]))
    if year := _year(record):
        fields.append(("year", str(year)))
    if arxiv_id:
        fields.append(("eprint", verbatim(arxiv_id)))
        if biblatex:
            fields.append(("eprinttype", "arxiv"))
            if record.get("primary_category"):
                fields.append(("eprintclass", verbatim(record["primary_category"])))
        else:
            fields.append(("archivePrefix", "arXiv"))
            if record.get("primary_category"):
                fields.append(("primaryClass", verbatim(record["primary_category"])))
    if record.get("doi"):
        fields.append(("doi", verbatim(record["doi"])))
    if record.get("url"):
        fields.append(("url", verbatim(record["url"])))
    if record.get("tags"):
        fields.append(("keywords", to_latex(", ".join(record["tags"]), unicode=unicode)))
    if record.get("abstract"):
        fields.append(
            ("abstract", to_latex(record["abstract"], unicode=unicode, report=latex, name=key))
        )
    # biblatex's @online must have a url, doi or eprint: a paper with none is @misc.
    online = biblatex and not arxiv_id and bool(record.get("url") or record.get("doi"))
    kind = "online" if online else "misc"
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    report.entries += 1
    return f"@{kind}{{{key},\n{body}\n}}\n"


def bibliographies(
    records: list[dict],
    keys: dict[str, str],
    slugs: dict[str, str],
    *,
    biblatex: bool = False,
    unicode: bool = False,
) -> tuple[dict[str, dict[str, bytes]], BibReport]:
    """Files by subfolder: ``{"": {"all.bib": ...}, "tags": {"<slug>.bib": ...}}``, entries
    sorted by key."""
    report = BibReport()
    entries: dict[str, str] = {}
    by_tag: dict[str, list[str]] = {}
    for record in sorted(records, key=lambda r: keys[r["paper_id"]]):
        key = keys[record["paper_id"]]
        entries[key] = bib_entry(record, key, biblatex=biblatex, unicode=unicode, report=report)
        for tag in record.get("tags") or []:
            by_tag.setdefault(tag, []).append(key)
    tags = {
        f"{slugs[tag]}.bib": (HEADER + "\n".join(entries[k] for k in tag_keys)).encode()
        for tag, tag_keys in by_tag.items()
    }
    return {"": {"all.bib": (HEADER + "\n".join(entries.values())).encode()}, "tags": tags}, report
