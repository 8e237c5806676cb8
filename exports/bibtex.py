"""BibTeX (arXiv's own export style, readable by plain.bst) and biblatex files from the
publication records."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from digestlake.exports.latex import LatexReport, to_latex, verbatim
from digestlake.transforms.names import NameParts, split_name

HEADER = "% Written by digestlake. Edits are overwritten on the next publish.\n\n"
# plain.bst prints \url in howpublished; a document without the url package still compiles.
PREAMBLE = '@preamble{ "\\providecommand{\\url}[1]{\\texttt{#1}}" }\n\n'
ARXIV_DOI = "10.48550/"  # the DOI arXiv gives every paper: not a published version


@dataclass
class DataQuality:
    """What a researcher would have to fix by hand, by citation key (the run report's
    data-quality section)."""

    no_author: list[str] = field(default_factory=list)
    no_year: list[str] = field(default_factory=list)
    truncated_titles: list[str] = field(default_factory=list)  # ending in ... or …
    provisional: list[str] = field(default_factory=list)  # keys that may still change once
    changed_keys: list[str] = field(default_factory=list)  # "old -> new" (in biblatex ids)
    no_latex_form: list[str] = field(default_factory=list)  # "key: characters" written as ?
    key_problems: list[str] = field(default_factory=list)  # keys_from conflicts, bad entries

    def lines(self, shown: int = 10) -> list[str]:
        """One line per kind of problem, its first ``shown`` keys after it."""
        out = []
        for label, found in (
            ("without authors", self.no_author), ("without a year", self.no_year),
            ("with a truncated title", self.truncated_titles),
            ("with a provisional key", self.provisional), ("with a changed key", self.changed_keys),
            ("with characters that have no LaTeX form", self.no_latex_form),
            ("problems with your own keys (keys_from)", self.key_problems),
        ):  # fmt: skip
            if found:
                more = f", ... and {len(found) - shown} more" if len(found) > shown else ""
                out.append(f"{len(found)} {label}: {', '.join(found[:shown])}{more}")
        return out


def data_quality(
    records: list[dict],
    keys: dict[str, str],
    latex: LatexReport,
    *,
    provisional: list[str] = (),
    changed: list[tuple[str, str]] = (),
    problems: list[str] = (),
) -> DataQuality:
    by_key = sorted((keys[r["paper_id"]], r) for r in records)
    return DataQuality(
        no_author=[k for k, r in by_key if not r.get("people")],
        no_year=[k for k, r in by_key if not r.get("year")],
        truncated_titles=[
            k for k, r in by_key if (r.get("title") or "").rstrip().endswith(("...", "…"))
        ],
        provisional=sorted(provisional),
        changed_keys=[f"{old} -> {new}" for old, new in changed],
        no_latex_form=[f"{k}: {''.join(sorted(c))}" for k, c in sorted(latex.no_form.items())],
        key_problems=list(problems),
    )


@dataclass
class BibReport:
    latex: LatexReport = field(default_factory=LatexReport)
    entries: int = 0


_AND = re.compile(r"(?<!\S)(?i:and)(?!\S)")  # a name with "and" in it must be braced
# What makes a name need more than joining its parts: a special, a double space, "and".
_NOT_PLAIN = re.compile(r"[\\{}&%$#_~^<>|\x00-\x1f\x7f]|  |(?<!\S)(?i:and)(?!\S)")


def _part(text: str, unicode: bool, latex: LatexReport, key: str) -> str:
    encoded = to_latex(text, unicode=unicode, report=latex, name=key)
    return "{" + encoded + "}" if _AND.search(text) else encoded


def bib_name(parts: NameParts, latex: LatexReport, key: str, unicode: bool = False) -> str:
    """``von Last, Jr, First``, which every style splits right; a group's name braced whole."""
    if parts.organisation:
        return "{" + to_latex(parts.last, unicode=unicode, report=latex, name=key) + "}"
    last = f"{parts.von} {parts.last}" if parts.von else parts.last
    pieces = [p for p in (last, parts.jr, parts.first) if p]
    if len(pieces) == 1:
        return "{" + _part(last, unicode, latex, key) + "}"  # one word: nothing to split
    return ", ".join(_part(p, unicode, latex, key) for p in pieces)


@lru_cache(maxsize=1 << 17)
def _written_name(name: str, organisation: bool, unicode: bool) -> tuple[str, frozenset[str]]:
    """A name as an author field writes it, and its characters with no LaTeX form; cached:
    the same authors come back in every file of a publish."""
    plain = name.isascii() and not _NOT_PLAIN.search(name)
    if plain and not organisation and name.count(" ") == 1:  # most names: Given Family
        first, _, last = name.partition(" ")
        if first and last:
            return f"{last}, {first}", frozenset()
    parts = split_name(name, organisation)
    if plain and not parts.organisation and parts.first and not parts.jr:
        last = f"{parts.von} {parts.last}" if parts.von else parts.last
        return f"{last}, {parts.first}", frozenset()
    latex = LatexReport()
    written = bib_name(parts, latex, "", unicode)
    return written, frozenset(latex.kept_utf8)


def _authors(people: list[dict], unicode: bool, report: LatexReport, key: str) -> str:
    written = []
    for person in people:
        name, missing = _written_name(person["name"], person["organisation"], unicode)
        if missing:
            report.no_form.setdefault(key, set()).update(missing)
        written.append(name)
    return " and ".join(written)


def published_doi(record: dict) -> str | None:
    """A publisher's DOI (arXiv's own 10.48550 DOIs name the preprint, not a version)."""
    doi = record.get("doi")
    return doi if doi and not doi.startswith(ARXIV_DOI) else None


def bib_entry(
    record: dict,
    key: str,
    *,
    biblatex: bool = False,
    unicode: bool = False,
    report: BibReport | None = None,
    previous_keys: Sequence[str] = (),
) -> str:
    """One paper's entry. A paper with a journal-ref is an ``@article`` in that journal
    (keeping its eprint fields); else ``@misc`` (``@online`` in biblatex for a web page).
    BibTeX entries carry ``howpublished``/``note`` = ``arXiv:<id>`` (and the publisher's DOI),
    which plain styles print; biblatex prints its eprint fields itself, and lists the keys
    the paper had before (``ids``) so documents that cited them still compile."""
    report = report if report is not None else BibReport()
    latex, unicode = report.latex, unicode or biblatex
    arxiv_id = record.get("arxiv_id")
    journal = record.get("journal_ref")
    doi = record.get("doi")

    def text(value: str, **options: bool) -> str:
        return to_latex(value, unicode=unicode, report=latex, name=key, **options)

    title = text(record.get("title") or record["paper_id"], protect_case=True)
    fields: list[tuple[str, str]] = []
    if biblatex and previous_keys:
        fields.append(("ids", ", ".join(previous_keys)))
    fields.append(("title", title))
    people = record.get("people") or []
    if people:
        fields.append(("author", _authors(people, unicode, latex, key)))
    else:  # BibTeX styles sort and label by ``key`` when there is no author
        fields.append(("key", title))
    if journal:
        fields.append(("journaltitle" if biblatex else "journal", text(journal)))
    if record.get("year"):
        fields.append(("year", str(record["year"])))
    if arxiv_id:
        fields.append(("eprint", verbatim(arxiv_id)))
        prefix, cls = (
            ("eprinttype", "eprintclass") if biblatex else ("archivePrefix", "primaryClass")
        )
        fields.append((prefix, "arxiv" if biblatex else "arXiv"))
        if record.get("primary_category"):
            fields.append((cls, verbatim(record["primary_category"])))
    if doi:
        fields.append(("doi", verbatim(doi)))
    if record.get("url"):
        fields.append(("url", verbatim(record["url"])))
    if not biblatex:
        printed = [f"arXiv:{verbatim(arxiv_id)}"] if arxiv_id else []
        if published_doi(record):
            printed.append(f"DOI: {text(doi)}")
        if not printed and record.get("url"):
            printed.append(f"\\url{{{verbatim(record['url'])}}}")
        if printed:
            fields.append(("note" if journal else "howpublished", ". ".join(printed)))
    if record.get("tags"):
        fields.append(("keywords", text(", ".join(record["tags"]))))
    if record.get("abstract"):
        fields.append(("abstract", text(record["abstract"])))
    # biblatex's @online must have a url, doi or eprint: a paper with none is @misc.
    online = biblatex and not arxiv_id and bool(record.get("url") or doi)
    kind = "article" if journal else "online" if online else "misc"
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
    previous: dict[str, list[str]] | None = None,
) -> tuple[dict[str, dict[str, bytes]], BibReport]:
    """Files by subfolder: ``{"": {"all.bib": ...}, "tags": {"<slug>.bib": ...}}``, entries
    sorted by key."""
    report = BibReport()
    previous = previous or {}
    entries: dict[str, str] = {}
    by_tag: dict[str, list[str]] = {}
    for record in sorted(records, key=lambda r: keys[r["paper_id"]]):
        paper_id = record["paper_id"]
        key = keys[paper_id]
        entries[key] = bib_entry(
            record, key, biblatex=biblatex, unicode=unicode, report=report,
            previous_keys=previous.get(paper_id, ()),
        )  # fmt: skip
        for tag in record.get("tags") or []:
            by_tag.setdefault(tag, []).append(key)
    head = HEADER if biblatex else HEADER + PREAMBLE
    tags = {
        f"{slugs[tag]}.bib": (head + "\n".join(entries[k] for k in tag_keys)).encode()
        for tag, tag_keys in by_tag.items()
    }
    return {"": {"all.bib": (head + "\n".join(entries.values())).encode()}, "tags": tags}, report
