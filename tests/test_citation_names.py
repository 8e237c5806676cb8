"""Names in their parts, as BibTeX (``von Last, Jr, First``), biblatex and CSL-JSON want them;
checked by what a style prints from them (pybtex's reading of BibTeX names)."""

from __future__ import annotations

import pybtex.database
import pytest

from digestlake.exports.bibtex import bib_entry
from digestlake.exports.csl_json import csl_item, csl_name
from digestlake.transforms.names import NameParts, listed_names, split_name


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("Tianhong Li", NameParts("Tianhong", "", "Li")),
        ("Aidan N. Gomez", NameParts("Aidan N.", "", "Gomez")),
        ("Ludwig van Beethoven Jr.", NameParts("Ludwig", "van", "Beethoven", "Jr.")),
        ("Jean-Baptiste de la Cruz", NameParts("Jean-Baptiste", "de la", "Cruz")),
        ("Diarmuid Ó Séaghdha", NameParts("Diarmuid", "", "Ó Séaghdha")),
        ("Michele Del Vecchio", NameParts("Michele", "", "Del Vecchio")),
        ("Edward M. Taylor II", NameParts("Edward M.", "", "Taylor", "II")),
        ("John J. Lee Jr", NameParts("John J.", "", "Lee", "Jr")),
        ("Di Wu", NameParts("Di", "", "Wu")),  # Di is a given name here, not a particle
        ("Maja Tr \u0328ebacz", NameParts("Maja", "", "Trębacz")),  # the mark on its letter
        ("Doe, Jane", NameParts("Jane", "", "Doe")),
        ("van Beethoven, Jr., Ludwig", NameParts("Ludwig", "van", "Beethoven", "Jr.")),
        ("Qwen Team", NameParts("", "", "Qwen Team", "", True)),
        ("Baidu", NameParts("", "", "Baidu", "", True)),
    ],
)
def test_names_split_into_their_parts(name: str, parts: NameParts) -> None:
    assert split_name(name) == parts


def test_a_prefix_of_groups_comes_first_once() -> None:
    assert listed_names(["Wenting Cai"], "Codefuse, Ling Team") == [
        ("Codefuse", True), ("Ling Team", True), ("Wenting Cai", False),
    ]  # fmt: skip
    # arXiv's own list already names them: not twice.
    assert listed_names(["Codefuse", "Ling Team", "Wenting Cai"], "Codefuse, Ling Team") == [
        ("Codefuse", True), ("Ling Team", True), ("Wenting Cai", False),
    ]  # fmt: skip
    assert listed_names(["OpenAI"], "OpenAI") == [("OpenAI", True)]


HARD = ["Diarmuid Ó Séaghdha", "Michele Del Vecchio", "Edward M. Taylor II", "John J. Lee Jr",
        "Ludwig van Beethoven Jr.", "Maja Tr \u0328ebacz", "Barnes and Noble Team", "Ann Lee"]  # fmt: skip


def test_bibtex_names_read_back_as_a_style_reads_them() -> None:
    """pybtex splits names as BibTeX does: the family name is what was meant, so plain
    abbreviates only the given names (D. Ó Séaghdha, not D. Ó. Séaghdha)."""
    people = [{"name": n, "organisation": n.endswith("Team")} for n in HARD]
    record = {"paper_id": "x", "title": "T", "people": people, "year": 2024}
    entry = pybtex.database.parse_string(bib_entry(record, "k"), "bibtex").entries["k"]
    read = [(" ".join(p.last_names), " ".join(p.first_names + p.middle_names),
             " ".join(p.prelast_names), " ".join(p.lineage_names))
            for p in entry.persons["author"]]  # fmt: skip
    assert read == [
        ("{\\'O} S{\\'e}aghdha", "Diarmuid", "", ""),
        ("Del Vecchio", "Michele", "", ""),
        ("Taylor", "Edward M.", "", "II"),
        ("Lee", "John J.", "", "Jr"),
        ("Beethoven", "Ludwig", "van", "Jr."),
        ("Tr{\\k{e}}bacz", "Maja", "", ""),
        ("{Barnes and Noble Team}", "", "", ""),
        ("Lee", "Ann", "", ""),
    ]


def test_csl_names_and_item() -> None:
    assert csl_name("Ludwig van Beethoven Jr.", False) == {
        "family": "Beethoven", "given": "Ludwig", "non-dropping-particle": "van",
        "suffix": "Jr.",
    }  # fmt: skip
    assert csl_name("Qwen Team", True) == {"literal": "Qwen Team"}
    item = csl_item(
        {"paper_id": "2406.11838", "arxiv_id": "2406.11838", "title": "$\\infty$Bench",
         "people": [{"name": "Ann Lee", "organisation": False}], "year": 2024,
         "journal_ref": "Nature 1 (2024)", "doi": "10.1/x", "tags": ["llm", "rl"]},
        "lee2024bench",
    )  # fmt: skip
    assert item == {
        "id": "lee2024bench", "citation-key": "lee2024bench", "type": "article-journal",
        "container-title": "Nature 1 (2024)", "title": "∞Bench",
        "author": [{"family": "Lee", "given": "Ann"}], "issued": {"date-parts": [[2024]]},
        "number": "2406.11838", "archive": "arXiv", "DOI": "10.1/x", "keyword": "llm, rl",
    }  # fmt: skip


def test_a_published_version_is_an_article_with_the_arxiv_id_printed() -> None:
    record = {"paper_id": "2401.00001", "arxiv_id": "2401.00001", "title": "T", "year": 2024,
              "people": [{"name": "Ann Lee", "organisation": False}],
              "journal_ref": "J. Mach. Learn. Res. 25 (2024) 1-10", "doi": "10.5555/jmlr.1_2"}  # fmt: skip
    entry = pybtex.database.parse_string(bib_entry(record, "k"), "bibtex").entries["k"]
    assert entry.type == "article" and entry.fields["journal"].startswith("J. Mach.")
    assert entry.fields["note"] == "arXiv:2401.00001. DOI: 10.5555/jmlr.1\\_2"
    assert entry.fields["eprint"] == "2401.00001" and entry.fields["doi"] == "10.5555/jmlr.1_2"
    latex = bib_entry(record, "k", biblatex=True)
    assert "journaltitle = {J. Mach." in latex and "note" not in latex


def test_the_run_report_and_the_publish_output_list_data_quality_by_key() -> None:
    from datetime import UTC, datetime

    from digestlake.exports.bibtex import DataQuality
    from digestlake.exports.files import FileChanges
    from digestlake.pipeline.enrich import EnrichReport
    from digestlake.pipeline.ingest import IngestReport
    from digestlake.pipeline.publish import PublishReport
    from digestlake.pipeline.report import PipelineReport, RunInfo, run_row
    from digestlake.pipeline.summary import publish_summary

    quality = DataQuality(
        no_author=["anon2019t5"], provisional=[f"k{i}" for i in range(12)],
        changed_keys=["anon2019t5 -> raffel2019exploring"], no_latex_form=["anon2023: 구글"],
    )  # fmt: skip
    publish = PublishReport(papers=12, keys_issued=1, files=FileChanges(), quality=quality)
    lines = publish_summary(publish, "out")
    assert "  citations: 1 without authors: anon2019t5" in lines
    provisional = ", ".join(f"k{i}" for i in range(10))
    assert f"  citations: 12 with a provisional key: {provisional}, ... and 2 more" in lines
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    report = PipelineReport(IngestReport([], [], 0, 0), EnrichReport(pending=0), publish)
    row = run_row(RunInfo("r", "pipeline", None, t0, t0, [], []), report)
    assert "- 1 with a changed key: anon2019t5 -> raffel2019exploring" in row["report"]
    assert "- 1 with characters that have no LaTeX form: anon2023: 구글" in row["report"]
