"""Publishing the real corpus, checked by the tools users run: bibtex, biber, pybtex,
bibtexparser (feeds: test_feeds.py; the dataset: test_dataset.py)."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import bibtexparser
import feedparser
import polars as pl
import pybtex.database
import pytest
from conftest import MEASUREMENTS, config_for, ingest_into

from digestlake.lake.store import Lake
from digestlake.pipeline.config import SourceConfig
from digestlake.pipeline.publish import publish

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
        pytest.skip(f"{tool} is not installed (.ci/run installs texlive-base and biber)")
    return path


def test_bibtex_reports_no_error_and_one_item_per_paper(published, tmp_path: Path) -> None:
    need("bibtex")
    lake, out, report = published
    keys = lake.read("citation_keys")["key"].to_list()
    assert len(keys) == report.papers == len(set(k.lower() for k in keys))
    assert all(k.isascii() and k.replace("-", "").isalnum() for k in keys)
    shutil.copy(out / "bibtex" / "all.bib", tmp_path / "all.bib")
    aux = (
        "\\relax\n"
        + "".join(f"\\citation{{{k}}}\n" for k in keys)
        + "\\bibstyle{plain}\n\\bibdata{all}\n"
    )
    (tmp_path / "doc.aux").write_text(aux)
    proc = subprocess.run(["bibtex", "doc"], cwd=tmp_path, capture_output=True, text=True)
    assert "error message" not in proc.stdout, proc.stdout[-2000:]
    assert proc.returncode == 0
    assert (tmp_path / "doc.bbl").read_text(errors="replace").count("\\bibitem") == len(keys)
    MEASUREMENTS.append(
        f"bibtex: {len(keys)} entries, 0 errors; UTF-8 kept for: {report.kept_utf8[:40]}"
    )


@pytest.fixture(scope="module", autouse=True)
def biber_runs(published, tmp_path_factory: pytest.TempPathFactory) -> list[subprocess.Popen]:
    """biber on the whole BibTeX and biblatex files, started as soon as they are published:
    biber takes about a minute per 3,700 entries here, so the two run beside this module's
    other tests and the biber test collects what they said."""
    if shutil.which("biber") is None:
        return []
    _, out, _ = published
    root = tmp_path_factory.mktemp("biber")
    runs = []
    for style in ("bibtex", "biblatex"):
        (root / style).mkdir()
        shutil.copy(out / style / "all.bib", root / style / "all.bib")
        command = ["biber", "--tool", "--validate-datamodel", "all.bib"]
        runs.append(subprocess.Popen(command, cwd=root / style, stdout=subprocess.PIPE, text=True))
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
    _, out, _ = published
    library = bibtexparser.parse_string((out / "bibtex" / "all.bib").read_text(encoding="utf-8"))
    entry = next(e for e in library.entries if e.key == "li2024autoregressive")
    fields = {f.key: f.value for f in entry.fields}
    assert fields["eprint"] == "2406.11838" and entry.entry_type == "misc"
    assert fields["archivePrefix"] == "arXiv" and fields["year"] == "2024"
    assert fields["url"] == "https://arxiv.org/abs/2406.11838"
    assert fields["keywords"] == "autoregressive-model, diffusion"
    blog = next(
        e for e in library.entries if "eprint" not in e.fields_dict and "url" in e.fields_dict
    )
    assert blog.fields_dict["url"].value.startswith("http")
    latex = bibtexparser.parse_string((out / "biblatex" / "all.bib").read_text(encoding="utf-8"))
    arxiv = next(e for e in latex.entries if e.key == "li2024autoregressive")
    assert arxiv.fields_dict["eprinttype"].value == "arxiv"
    assert any(e.entry_type == "online" for e in latex.entries)


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
    report = publish(
        config_for(copy, exports=root / "exports"), now=datetime(2026, 2, 2, tzinfo=UTC)
    )
    after = copy.read("citation_keys")
    assert report.keys_issued == 1
    assert (
        after.join(before, on="paper_id").filter(pl.col("key") != pl.col("key_right")).height == 0
    )
    new_key = after.join(before, on="paper_id", how="anti")["key"].to_list()
    assert new_key == ["li2026autoregressive"]


# Last in the module: biber has been running (biber_runs) while the tests above ran.
def test_biber_reads_both_files_with_no_error_and_no_data_model_warning(
    published, biber_runs: list[subprocess.Popen]
) -> None:
    """The whole BibTeX and biblatex files, checked against biblatex's data model (every
    entry needs a year or date, an @online a url, doi or eprint)."""
    need("biber")
    _, out, report = published
    assert "@online{" in (out / "biblatex" / "all.bib").read_text(encoding="utf-8")
    assert len(biber_runs) == 2
    for proc in biber_runs:
        stdout, _ = proc.communicate()
        problems = [line for line in stdout.splitlines() if line.startswith(("WARN", "ERROR"))]
        assert proc.returncode == 0 and problems == [], problems[:20]
    MEASUREMENTS.append(
        f"biber --validate-datamodel: bibtex/ and biblatex/all.bib, {report.papers} entries "
        "each, 0 warnings"
    )
