"""Publishing the real corpus, checked by the tools users run: bibtex, biber, pybtex,
bibtexparser (feeds: test_feeds.py; the dataset: test_dataset.py)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import bibtexparser
import feedparser
import polars as pl
import pybtex.database
import pytest
from conftest import MEASUREMENTS, SHARED, config_for, ingest_into

from digestlake.lake.store import Lake
from digestlake.pipeline.citation_keys import issue_citation_keys
from digestlake.pipeline.config import SourceConfig
from digestlake.pipeline.publish import publish
from digestlake.transforms.publication import publication_records

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def ingest(lake: Lake, sources: list[SourceConfig], cache: Path) -> None:
    ingest_into(lake, sources, T0, cache)


@pytest.fixture(scope="module")
def published(bundle: Path, corpus: Path, tmp_path_factory: pytest.TempPathFactory):
    """The vault bundle and the 530 corpus days ingested, then published once."""
    root = tmp_path_factory.mktemp("published")
    lake = Lake(root / "lake")
    sources = [
        SourceConfig("arxiv-today", "vault", path=str(bundle)),
        SourceConfig("digests", "digest", path=str(corpus / "digests")),
    ]
    ingest(lake, sources, root / "cache")
    report = publish(config_for(lake, exports=root / "exports"), now=T0, biblatex=True)
    return lake, root / "exports", report


def need(tool: str) -> str:
    path = shutil.which(tool)
    if not path:
        pytest.skip(f"{tool} is not installed (.ci/run installs TeX Live, biber and pandoc)")
    return path


# A document citing every entry, as a user would write it: T1 fonts (accents such as \k{e}
# need them), url for plain's \url. biblatex holding 3,700 entries needs more than pdfTeX's
# default memory (README: BibTeX), hence extra_mem_top/bot.
DOCUMENTS = {
    "bibtex": "\\usepackage{url}\n\\begin{document}\n{cite}\n\\bibliographystyle{plain}\n"
    "\\bibliography{all}\n",
    "biblatex": "\\usepackage[backend=biber]{biblatex}\n\\addbibresource{all.bib}\n"
    "\\begin{document}\n{cite}\n\\printbibliography\n",
}
TEX_MEMORY = {"extra_mem_top": "20000000", "extra_mem_bot": "20000000"}


def start_compile(folder: Path, style: str, cite: str = "\\nocite{*}") -> subprocess.Popen:
    """pdfLaTeX, then bibtex (plain) or biber (checking biblatex's data model), then pdfLaTeX
    again (twice for bibtex: its labels resolve on the third run), on ``folder/all.bib``: in
    the background (biber takes a minute on the whole export)."""
    for tool in ("pdflatex", "bibtex" if style == "bibtex" else "biber"):
        need(tool)
    (folder / "doc.tex").write_text(
        "\\documentclass{article}\n\\usepackage[T1]{fontenc}\n\\usepackage{lmodern}\n"
        + DOCUMENTS[style].replace("{cite}", cite)
        + "\\end{document}\n"
    )
    latex = "pdflatex -interaction=nonstopmode -draftmode doc >/dev/null"
    bib = "bibtex doc" if style == "bibtex" else "biber --validate-datamodel doc"
    steps = [latex, f"{bib} > bib.out 2>&1", latex] + [latex] * (style == "bibtex")
    return subprocess.Popen(
        ["sh", "-c", "; ".join(steps)],
        cwd=folder, env={**os.environ, **TEX_MEMORY},
    )  # fmt: skip


def compile_errors(proc: subprocess.Popen, folder: Path) -> tuple[list[str], str]:
    """What a compile ``start_compile`` started reported as errors (pdfLaTeX's ``!`` lines
    with the next, bibtex's error messages, biber's ERROR and WARN lines), and the .bbl."""
    proc.wait()
    log = (folder / "doc.log").read_text(errors="replace").splitlines()
    errors = [" ".join(log[i : i + 2]) for i, line in enumerate(log) if line.startswith("!")]
    errors += [line for line in log if "Citation" in line and "undefined" in line]
    tool = (folder / "bib.out").read_text(errors="replace")
    errors += [line for line in tool.splitlines() if line.startswith(("ERROR", "WARN"))]
    if "error message" in tool:
        errors.append(tool[-2000:])
    return errors, (folder / "doc.bbl").read_text(errors="replace")


def compile_bibliography(
    folder: Path, style: str, cite: str = "\\nocite{*}"
) -> tuple[list[str], str]:
    return compile_errors(start_compile(folder, style, cite), folder)


@pytest.fixture(scope="module", autouse=True)
def compiles(published, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Both exports compiled in a document citing every entry, started as soon as they are
    published, beside this module's other tests; the last test collects what they said."""
    if not all(shutil.which(t) for t in ("pdflatex", "bibtex", "biber")):
        return {}
    _, out, _ = published
    runs = {}
    for style in ("bibtex", "biblatex"):
        folder = tmp_path_factory.mktemp(style)
        shutil.copy(out / style / "all.bib", folder / "all.bib")
        runs[style] = (start_compile(folder, style), folder)
    folder = tmp_path_factory.mktemp("biber-tool")  # biber reading the BibTeX flavour too
    shutil.copy(out / "bibtex" / "all.bib", folder / "all.bib")
    command = "biber --tool --validate-datamodel all.bib > bib.out 2>&1"
    runs["biber-tool"] = (subprocess.Popen(["sh", "-c", command], cwd=folder), folder)
    return runs


def test_pybtex_and_bibtexparser_parse_every_entry(published) -> None:
    _, out, report = published
    for style in ("bibtex", "biblatex"):
        text = (out / style / "all.bib").read_text(encoding="utf-8")
        library = bibtexparser.parse_string(text)
        assert len(library.entries) == report.papers and not library.failed_blocks
        assert len(pybtex.database.parse_string(text, "bibtex").entries) == report.papers
    tagged = list((out / "bibtex" / "tags").glob("*.bib"))
    assert len(tagged) > 100
    for path in tagged:
        assert not bibtexparser.parse_string(path.read_text(encoding="utf-8")).failed_blocks


def test_arxiv_fields_follow_the_export_style(published) -> None:
    """arXiv's export fields, names as Last, First, and what plain styles print (the arXiv
    id, a web page's URL); biblatex's own eprint fields."""
    lake, out, _ = published
    keys = lake.read("citation_keys")
    key = keys.filter(pl.col("paper_id") == "2406.11838")["key"][0]
    library = bibtexparser.parse_string((out / "bibtex" / "all.bib").read_text(encoding="utf-8"))
    entry = next(e for e in library.entries if e.key == key)
    fields = {f.key: f.value for f in entry.fields}
    assert key == "li2024autoregressive" and entry.entry_type == "misc"
    assert fields["eprint"] == "2406.11838" and fields["howpublished"] == "arXiv:2406.11838"
    assert fields["archivePrefix"] == "arXiv" and fields["year"] == "2024"
    assert fields["author"].startswith("Li, Tianhong and Tian, Yonglong and ")
    assert fields["url"] == "https://arxiv.org/abs/2406.11838"
    assert fields["keywords"] == "autoregressive-model, diffusion"
    blog = next(
        e for e in library.entries if "eprint" not in e.fields_dict and "url" in e.fields_dict
    )
    assert blog.fields_dict["howpublished"].value == f"\\url{{{blog.fields_dict['url'].value}}}"
    latex = bibtexparser.parse_string((out / "biblatex" / "all.bib").read_text(encoding="utf-8"))
    arxiv = next(e for e in latex.entries if e.key == key)
    assert arxiv.fields_dict["eprinttype"].value == "arxiv"
    assert "howpublished" not in arxiv.fields_dict  # biblatex prints its eprint fields itself
    assert any(e.entry_type == "online" for e in latex.entries)


def test_names_are_written_last_first_and_groups_whole(published) -> None:
    """The real vault's hard names, as plain would abbreviate them right."""
    _, out, _ = published
    text = (out / "bibtex" / "all.bib").read_text(encoding="utf-8")
    authors = {
        e.key: e.fields_dict["author"].value
        for e in bibtexparser.parse_string(text).entries
        if "author" in e.fields_dict
    }
    every = " and ".join(authors.values())
    assert "Tr{\\k{e}}bacz, Maja" in every and "Pokorny, Rai Michael" in every
    assert "{Codefuse} and {Ling Team} and Cai, Wenting" in every
    assert "{Mistral AI}" in every and not any(ord(ch) > 127 for ch in every)


def test_keys_of_the_real_export_name_an_author_never_a_generic_word(published) -> None:
    """Issue 11's real cases: no anon key for a paper whose metadata names an author, no key
    from a generic organisation word (team2025every, ai2024mathtral), none from a marker
    (12025gpu); Mistral AI, the Ling Team and K-Adapter as a researcher would cite them."""
    lake, out, _ = published
    keys = lake.read("citation_keys")
    assert keys.height == keys["key"].str.to_lowercase().n_unique()
    assert keys["key"].str.contains(r"^[A-Za-z0-9]+$").all()
    items = json.loads((out / "csl" / "all.json").read_text(encoding="utf-8"))
    named = {i["id"] for i in items if any("family" in a for a in i.get("author", []))}
    assert not [k for k in named if k.startswith("anon")]
    generic = r"^(team|teams|ai|research|lab|labs|group|the|authors)(19|20)\d\d"
    assert keys.filter(pl.col("key").str.contains(generic)).height == 0
    assert keys.filter(pl.col("key").str.contains(r"^\d+(19|20)\d\d")).height == 0
    by_title = {i["title"]: i["id"] for i in items}
    assert by_title["ThunderKittens"] == "hazy2024thunderkittens"
    assert by_title["MathΣtral, Codestral Mamba"] == "mistral2024mathtral"
    assert by_title["K-Adapter: Infusing Knowledge into Pre-Trained Models with Adapters"] == (
        "wang2020kadapter"
    )
    lings = sorted(k for t, k in by_title.items() if t.startswith("Every ") and "ling" in k)
    assert len(lings) >= 3 and all(k.startswith("ling2025every") for k in lings)


def test_csl_json_is_valid_and_pandoc_renders_every_entry(published, tmp_path: Path) -> None:
    """csl/all.json against the CSL-JSON schema, then pandoc --citeproc citing every item."""
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((SHARED / "fixtures" / "schemas" / "csl-data.json").read_text())
    _, out, report = published
    items = json.loads((out / "csl" / "all.json").read_text(encoding="utf-8"))
    jsonschema.validate(items, schema)
    assert len(items) == report.papers == len({i["id"] for i in items})
    arxiv = next(i for i in items if i.get("number") == "2406.11838")
    assert arxiv["type"] == "article" and arxiv["genre"] == "preprint"
    assert arxiv["author"][0] == {"family": "Li", "given": "Tianhong"}
    assert arxiv["issued"] == {"date-parts": [[2024]]} and arxiv["keyword"]
    assert any("literal" in a for i in items for a in i.get("author", []))
    by_key = {i["id"]: i for i in items}
    tagged = list((out / "csl" / "tags").glob("*.json"))
    assert len(tagged) > 100
    for path in tagged:  # the same items, each carrying the tag
        tag_items = json.loads(path.read_text(encoding="utf-8"))
        assert tag_items and all(by_key[i["id"]] == i for i in tag_items)
    need("pandoc")
    (tmp_path / "doc.md").write_text("---\nnocite: '@*'\n---\n")
    proc = subprocess.run(
        ["pandoc", "--citeproc", "--bibliography", str(out / "csl" / "all.json"),
         "-t", "plain", "doc.md"],
        cwd=tmp_path, capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr[-2000:]
    rendered = [p for p in proc.stdout.split("\n\n") if p.strip()]
    assert len(rendered) == report.papers
    assert any("Autoregressive Image Generation" in p and "2024" in p for p in rendered)


def test_second_publish_changes_no_byte(published) -> None:
    lake, out, _ = published
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in out.rglob("*") if p.is_file()}
    # The same moment: later, keys waiting for metadata become final, a change of the lake
    # that the dataset card's provenance (each table's version) shows.
    report = publish(config_for(lake, exports=out), now=T0, biblatex=True)
    assert report.files.written == [] and report.files.removed == [] and report.keys_issued == 0
    assert {
        p: (p.read_bytes(), p.stat().st_mtime_ns) for p in out.rglob("*") if p.is_file()
    } == before


HOSTILE = """2026년 1월 5일
Braces {unbalanced and 100% & #hash_tag \\ @at $x^{2$ end
(Ann Lee, Bob O'Neil, {Weird}, Zoë Ω)
An abstract costing $5 with </description><script>alert(1)</script> and a \x01 and \x0b vertical tab in it.
코멘트 with RTL עברית and CJK 中文 and emoji 🙂 and $x^{2$ math.
#hostile #c++ #c.. #x--y
Plain Follow-up Paper With Scaling Laws
(Ann Lee)
An abstract for the second paper with enough words in it to count as one.
다른 코멘트.
#hostile
"""


def test_hostile_text_never_makes_an_invalid_file(tmp_path: Path) -> None:
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "2026-01-05.txt").write_text(HOSTILE)
    lake = Lake(tmp_path / "lake")
    ingest(lake, [SourceConfig("h", "digest", path=str(folder))], tmp_path / "cache")
    out = tmp_path / "exports"
    report = publish(config_for(lake, exports=out), now=T0, biblatex=True)
    assert report.papers == 2
    text = (out / "bibtex" / "all.bib").read_text(encoding="utf-8")
    assert len(bibtexparser.parse_string(text).entries) == 2
    assert len(pybtex.database.parse_string(text, "bibtex").entries) == 2
    assert report.simplified  # the unbalanced math was simplified, and said so
    names = sorted(p.name for p in (out / "feeds").iterdir())
    assert all("/" not in n and not n.startswith(".") for n in names)
    # c and c-<hash> (#c++ and #c..), each as RSS, Atom and JSON Feed
    assert "x-y.xml" in names and len([n for n in names if n.startswith("c")]) == 6
    for path in (out / "feeds").glob("*.xml"):
        assert not feedparser.parse(path.read_bytes()).bozo
    if shutil.which("bibtex"):
        shutil.copy(out / "bibtex" / "all.bib", tmp_path / "all.bib")
        keys = lake.read("citation_keys")["key"].to_list()
        aux = "".join(f"\\citation{{{k}}}\n" for k in keys) + "\\bibstyle{plain}\n\\bibdata{all}\n"
        (tmp_path / "doc.aux").write_text(aux)
        proc = subprocess.run(["bibtex", "doc"], cwd=tmp_path, capture_output=True, text=True)
        assert "error message" not in proc.stdout, proc.stdout
    if shutil.which("biber"):
        shutil.copy(out / "biblatex" / "all.bib", tmp_path / "latex.bib")
        proc = subprocess.run(
            ["biber", "--tool", "latex.bib"], cwd=tmp_path, capture_output=True, text=True
        )
        assert proc.returncode == 0 and "ERROR" not in proc.stdout


def test_new_papers_keep_every_key_issued_before(published, tmp_path: Path) -> None:
    lake, _, _ = published
    root = tmp_path
    copy = Lake(root / "lake")
    shutil.copytree(lake.root, copy.root)
    before = copy.read("citation_keys")
    folder = root / "more"
    folder.mkdir()
    # Same first author, year and first title word as li2024autoregressive, and an id sorting
    # before 2406.11838: it must get a suffixed key, and the old key must not move.
    (folder / "2026-02-01.txt").write_text(
        "2026년 2월 1일\nAutoregressive Everything\n(Tianhong Li)\n"
        "An abstract long enough to be read as the abstract of this paper.\n코멘트.\n#new-tag\n"
    )
    ingest(copy, [SourceConfig("more", "digest", path=str(folder))], root / "cache")
    # The keys step of publish on the papers it publishes; rendering the exports is not what
    # this checks (test_citation_keys checks that publish reports the keys it issued).
    records = publication_records(copy.read("papers"), copy.read("mentions")).to_dicts()
    report = issue_citation_keys(copy, records, datetime(2026, 2, 2, tzinfo=UTC))
    after = copy.read("citation_keys")
    assert report.issued == 1
    assert (
        after.join(before, on="paper_id").filter(pl.col("key") != pl.col("key_right")).height == 0
    )
    new_key = after.join(before, on="paper_id", how="anti")["key"].to_list()
    assert new_key == ["li2026autoregressive"]


# Last in the module: the compiles have been running (compiles) while the tests above ran.
def test_a_document_citing_every_entry_compiles_without_error(published, compiles) -> None:
    """\\nocite{*} under pdfLaTeX with bibtex (plain) and with biblatex + biber (checking
    biblatex's data model: every entry needs a year or date, an @online a url, doi or
    eprint), and biber reading the BibTeX flavour: no error, one item per paper."""
    need("biber")
    _, out, report = published
    assert "@online{" in (out / "biblatex" / "all.bib").read_text(encoding="utf-8")
    for style in ("bibtex", "biblatex"):
        errors, bbl = compile_errors(*compiles[style])
        assert errors == [], (style, errors[:20])
        items = bbl.count("\\bibitem" if style == "bibtex" else "\\entry{")
        assert items == report.papers, style
    proc, folder = compiles["biber-tool"]
    assert proc.wait() == 0
    said = (folder / "bib.out").read_text()
    assert [line for line in said.splitlines() if line.startswith(("WARN", "ERROR"))] == []
    MEASUREMENTS.append(
        f"pdflatex + bibtex (plain) and pdflatex + biber (biblatex), \\nocite{{*}} of "
        f"{report.papers} entries: 0 errors; no LaTeX form: {len(report.quality.no_latex_form)}"
        " entries"
    )
