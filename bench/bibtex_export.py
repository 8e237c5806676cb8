"""Benchmark: BibTeX export speed, LaTeX-safe, side by side with bibtexparser and pybtex,
and the CSL-JSON export beside them.

The real corpus (vault bundle + 530 digest days from ../shared) is ingested into a temporary
lake; then the same papers are written four ways, interleaved, best of N each:
  ours          exports.bibtex (LaTeX-encoded text fields, names split, verbatim url/doi/eprint)
  bibtexparser  2.x write_string with LatexEncodingMiddleware (its fastest in-place stack)
  pybtex        BibliographyData.to_string("bibtex") (escapes & % _ only; no LaTeX encoding)
  csl-json      exports.csl_json (the items, serialised)
Each time includes building that library's entry objects from the same records, and is
CPU time (process_time): the machine is shared, and wall time counts the others' work too.
Target (issues 3 and 11): ours at least 20x faster than bibtexparser and pybtex.
"""

from __future__ import annotations

import json
import logging
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import need, options

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import bibtexparser  # noqa: E402
from bibtexparser.middlewares import LatexEncodingMiddleware, default_unparse_stack  # noqa: E402
from bibtexparser.model import Entry, Field  # noqa: E402
from pybtex.database import BibliographyData, Person  # noqa: E402
from pybtex.database import Entry as PybtexEntry  # noqa: E402

from digestlake.exports.bibtex import BibReport, _written_name, bib_entry  # noqa: E402
from digestlake.exports.csl_json import csl_item  # noqa: E402
from digestlake.lake.store import Lake  # noqa: E402
from digestlake.pipeline.config import Config, SourceConfig  # noqa: E402
from digestlake.pipeline.ingest import ingest  # noqa: E402
from digestlake.transforms.citation_keys import Wanted, key_parts, settle_keys  # noqa: E402
from digestlake.transforms.names import split_name  # noqa: E402
from digestlake.transforms.publication import publication_records  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"


def load_records(work: Path) -> tuple[list[dict], dict[str, str]]:
    lake = Lake(work / "lake")
    sources = [
        SourceConfig("arxiv-today", "vault", path=str(CORPUS / "arxiv-today.bundle")),
        SourceConfig("digests", "digest", path=str(CORPUS / "digests")),
    ]
    ingest(Config(lake_path=work / "lake", exports_path=work / "out", cache_path=work / "cache",
                  sources=sources))  # fmt: skip
    records = publication_records(lake.read("papers"), lake.read("mentions")).to_dicts()
    wanted = {
        r["paper_id"]: Wanted(
            key_parts([(p["name"], p["organisation"]) for p in r["people"]], r["year"], r["title"]),
            final=True,
        )
        for r in records
    }
    settled = settle_keys({}, wanted, datetime.now(UTC), wait=timedelta(0))
    return records, {p: row.key for p, row in settled.rows.items()}


def raw_fields(r: dict) -> list[tuple[str, str]]:
    fields = [
        ("title", r["title"] or r["paper_id"]),
        ("author", " and ".join(p["name"] for p in r["people"] or [])),
    ]
    fields += [("year", str(r["year"] or "")), ("url", r["url"] or "")]
    if r["arxiv_id"]:
        fields += [("eprint", r["arxiv_id"]), ("archivePrefix", "arXiv")]
    fields += [("keywords", ", ".join(r["tags"])), ("abstract", r["abstract"] or "")]
    return [(k, v) for k, v in fields if v]


def ours(records: list[dict], keys: dict[str, str]) -> str:
    report = BibReport()
    return "\n".join(
        bib_entry(r, keys[r["paper_id"]], biblatex=False, unicode=False, report=report)
        for r in records
    )


def with_bibtexparser(records: list[dict], keys: dict[str, str]) -> str:
    library = bibtexparser.Library()
    library.add(
        [
            Entry("misc", keys[r["paper_id"]], [Field(k, v) for k, v in raw_fields(r)])
            for r in records
        ]
    )
    stack = [LatexEncodingMiddleware(), *default_unparse_stack(allow_inplace_modification=True)]
    return bibtexparser.write_string(library, unparse_stack=stack)


def with_pybtex(records: list[dict], keys: dict[str, str]) -> str:
    data = BibliographyData()
    for r in records:
        fields = [(k, v) for k, v in raw_fields(r) if k != "author"]
        persons = {"author": [Person(p["name"]) for p in r["people"] or []]}
        data.add_entry(keys[r["paper_id"]], PybtexEntry("misc", fields=fields, persons=persons))
    return data.to_string("bibtex")


def with_csl_json(records: list[dict], keys: dict[str, str]) -> str:
    """csl/all.json's items, as exports.csl_json writes them."""
    return ",\n".join(
        json.dumps(csl_item(r, keys[r["paper_id"]]), ensure_ascii=False) for r in records
    )


def best(fn, records, keys, runs: int) -> float:
    times = []
    for _ in range(runs):
        split_name.cache_clear()  # each run from cold, as one publish's first writer
        _written_name.cache_clear()
        t = time.process_time()
        fn(records, keys)
        times.append(time.process_time() - t)
    return min(times)


def main() -> None:
    args = options(__doc__, runs=3)
    need(CORPUS, "the real corpus")
    logging.disable(logging.WARNING)  # pylatexenc logs one line per character it cannot encode
    with tempfile.TemporaryDirectory() as tmp:
        records, keys = load_records(Path(tmp))
    n = len(records)
    writers = {"ours": ours, "bibtexparser": with_bibtexparser, "pybtex": with_pybtex,
               "csl-json": with_csl_json}  # fmt: skip
    results = {name: [] for name in writers}
    for _ in range(args.runs):  # interleaved, so all of them see the same machine state
        for name, writer in writers.items():
            results[name].append(best(writer, records, keys, 1))
    fastest = {name: min(times) for name, times in results.items()}
    print(f"BibTeX export of {n} papers from the real corpus (best of {args.runs} runs, CPU time)")
    for name, seconds in fastest.items():
        print(f"  {name:<13} {seconds:7.3f} s  {n / seconds:>9,.0f} entries/s")
    for name in ("bibtexparser", "pybtex"):
        print(f"  ours vs {name:<13} {fastest[name] / fastest['ours']:5.1f}x faster (target 20x)")
    print(f"  csl-json is {fastest['csl-json'] / fastest['ours']:.2f}x ours' BibTeX time")


if __name__ == "__main__":
    main()
