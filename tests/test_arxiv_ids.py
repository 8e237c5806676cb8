"""arXiv ids: every scheme arXiv has used, in every form we meet them, read by one rule into
one canonical form, wherever they are read (links and text, API feeds, OAI-PMH, the snapshot)."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest
from conftest import SHARED, need_shared

from digestlake.sources.arxiv_atom import parse_feed
from digestlake.sources.oai_pmh import parse_oai
from digestlake.transforms.arxiv_ids import ArxivId, canonical_ids, find_arxiv_ids, parse_arxiv_id
from digestlake.transforms.snapshot import KAGGLE_SCHEMA, snapshot_papers

FIXTURES = SHARED / "fixtures" / "arxiv"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # new scheme: 4 digits 0704-1412, 5 digits from 1501, versions apart
        ("0704.0001", ArxivId("0704.0001")),
        ("1412.6980", ArxivId("1412.6980")),
        ("1501.00001", ArxivId("1501.00001")),
        ("2406.11838", ArxivId("2406.11838")),
        ("2406.11838v2", ArxivId("2406.11838", 2)),
        ("2406.11838v12", ArxivId("2406.11838", 12)),
        ("2406.11838V2", ArxivId("2406.11838", 2)),
        # old scheme, with and without a subject class: the class is dropped, the archive lowered
        ("hep-th/9901001", ArxivId("hep-th/9901001")),
        ("math.GT/0309136", ArxivId("math/0309136")),
        ("math.GT/0309136v2", ArxivId("math/0309136", 2)),
        ("cond-mat.mes-hall/0501001", ArxivId("cond-mat/0501001")),
        ("HEP-TH/9901001V3", ArxivId("hep-th/9901001", 3)),
        ("cs/0703001", ArxivId("cs/0703001")),
        ("math-ph/0001001", ArxivId("math-ph/0001001")),
        # prefixes
        ("arXiv:2406.11838", ArxivId("2406.11838")),
        ("ARXIV:2406.11838v1", ArxivId("2406.11838", 1)),
        ("arXiv: 1706.03762", ArxivId("1706.03762")),
        ("arXiv:math.GT/0309136", ArxivId("math/0309136")),
        ("oai:arXiv.org:hep-th/9901001", ArxivId("hep-th/9901001")),
        ("oai:arXiv.org:1302.2146", ArxivId("1302.2146")),
        # URLs: abs, pdf, html, format, ps, src; www. and export.; query and fragment
        ("https://arxiv.org/abs/2406.11838", ArxivId("2406.11838")),
        ("https://arxiv.org/pdf/2406.11838v3", ArxivId("2406.11838", 3)),
        ("https://arxiv.org/pdf/2406.11838v2.pdf", ArxivId("2406.11838", 2)),
        ("https://arxiv.org/html/2406.11838v1#S3", ArxivId("2406.11838", 1)),
        ("https://arxiv.org/format/2406.11838", ArxivId("2406.11838")),
        ("https://arxiv.org/ps/hep-th/9901001v1", ArxivId("hep-th/9901001", 1)),
        ("https://arxiv.org/src/2406.11838", ArxivId("2406.11838")),
        ("http://export.arxiv.org/abs/hep-th/9901001v1", ArxivId("hep-th/9901001", 1)),
        ("https://www.arxiv.org/abs/2406.11838?context=cs", ArxivId("2406.11838")),
        ("http://arxiv.org/abs/math.GT/0309136v1", ArxivId("math/0309136", 1)),
        ("https://arxiv.org/abs/hep-th%2F9901001", ArxivId("hep-th/9901001")),
        ("HTTPS://ARXIV.ORG/ABS/2406.11838", ArxivId("2406.11838")),
        ("arxiv.org/abs/2406.11838", ArxivId("2406.11838")),
        ("https://huggingface.co/papers/2501.12948", ArxivId("2501.12948")),
        # DataCite DOIs, any case, with or without a resolver
        ("doi:10.48550/arXiv.2301.00001", ArxivId("2301.00001")),
        ("https://doi.org/10.48550/arXiv.2202.01037", ArxivId("2202.01037")),
        ("10.48550/ARXIV.1706.03762", ArxivId("1706.03762")),
        ("10.48550/arXiv.math/0309136", ArxivId("math/0309136")),
        # quoted or followed by punctuation
        ("2406.11838.", ArxivId("2406.11838")),
        ("(2406.11838),", ArxivId("2406.11838")),
        ('"math.GT/0309136";', ArxivId("math/0309136")),
        ("see arXiv:2406.11838.", ArxivId("2406.11838")),
    ],
)
def test_every_scheme_and_form_gives_the_canonical_id(text: str, expected: ArxivId) -> None:
    assert parse_arxiv_id(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "1234.5678",  # month 78
        "0703.0001",  # new scheme before 2007-04
        "1412.69801",  # 5 digits before 2015
        "1501.0001",  # 4 digits from 2015
        "0704.0000",  # number 0
        "0000.0000",
        "2406.11838v0",
        "hep-th/0704001",  # old scheme after 2007-03
        "hep-th/9901000",
        "hep-th/990100",
        "foo/9901001",  # no such archive
        "https://github.com/foo/bar",
        "",
    ],
)
def test_what_arxiv_never_issued_is_no_id(text: str) -> None:
    assert parse_arxiv_id(text) is None


def test_find_arxiv_ids_in_order_without_repeats() -> None:
    text = (
        "DARL (https://arxiv.org/abs/2403.05196) and again https://arxiv.org/abs/2403.05196v2, "
        "old style arXiv:hep-th/9901001, 4-digit https://arxiv.org/abs/1412.6980."
    )
    assert [str(a) for a in find_arxiv_ids(text)] == [
        "2403.05196",
        "2403.05196v2",
        "hep-th/9901001",
        "1412.6980",
    ]


def test_cited_ids_are_canonical_so_two_spellings_are_one_id() -> None:
    text = (
        "arXiv:math.GT/0309136 and https://arxiv.org/abs/math/0309136, "
        "10.48550/ARXIV.2406.11838 and arXiv:2406.11838."
    )
    assert [str(a) for a in find_arxiv_ids(text)] == ["math/0309136", "2406.11838"]


def test_a_column_of_ids_is_canonical_and_keeps_what_it_cannot_read() -> None:
    ids = pl.Series(["2406.11838", "math.GT/0309136", None, "hep-th/9901001", "junk"])
    assert canonical_ids(ids).to_list() == [
        "2406.11838",
        "math/0309136",
        None,
        "hep-th/9901001",
        "junk",
    ]


def test_api_feed_ids_take_the_rule() -> None:
    body = need_shared(FIXTURES / "api_2026_idlist_oldstyle_astro-ph_0601001_affil_jref.xml")
    real = parse_feed(body.read_bytes()).records[0]
    assert (real.arxiv_id, real.version) == ("astro-ph/0601001", 1)
    internal = body.read_bytes().replace(b"abs/astro-ph/0601001", b"abs/astro-ph.CO/0601001")
    record = parse_feed(internal).records[0]
    assert (record.arxiv_id, record.version) == ("astro-ph/0601001", 1)


def test_oai_record_ids_and_deleted_identifiers_take_the_rule() -> None:
    path = need_shared(FIXTURES / "oai2_legacy2017_listrecords_arXiv_set_hep-th_3records.xml")
    body = path.read_bytes().replace(
        b"<header>\n <identifier>oai:arXiv.org:1412.8323",
        b'<header status="deleted">\n <identifier>oai:arXiv.org:math.GT/0309136',
    )
    body = body.replace(b"<id>1507.07790</id>", b"<id>hep-th.XX/9901001</id>")
    page = parse_oai(body)
    assert page.deleted == ["math/0309136"]
    assert [r.record.arxiv_id for r in page.records] == ["hep-th/9901001", "1607.01710"]


def test_snapshot_ids_take_the_rule() -> None:
    path = need_shared(FIXTURES / "kaggle_sample.jsonl")
    lines = path.read_text(encoding="utf-8").replace('"id":"0704.0001"', '"id":"math.GT/0309136"')
    frame = pl.read_ndjson(lines.encode(), schema=KAGGLE_SCHEMA).lazy()
    papers = snapshot_papers(frame, datetime(2026, 1, 1, tzinfo=UTC)).collect()
    first = papers.row(0, named=True)
    assert (first["paper_id"], first["arxiv_id"], first["bucket"]) == ("math/0309136",) * 2 + (
        "math",
    )
    assert first["url"] == "https://arxiv.org/abs/math/0309136"
    assert papers["paper_id"][1:].to_list() == [
        line.split('"id":"')[1].split('"')[0] for line in lines.splitlines()[1:]
    ]
