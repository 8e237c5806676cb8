"""OAI-PMH: the real recorded responses, incremental harvests from the stand-in, and failed
harvests (an unreachable endpoint, hostile XML) that cost only themselves."""

from __future__ import annotations

import gzip
import json
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from conftest import SAMPLES, SHARED, config_for, need_shared
from httpserver import Route, serve
from standin_arxiv import Paper, StandIn, serve_standin

from digestlake.lake.store import Lake
from digestlake.pipeline.config import ArxivConfig, Config, SourceConfig
from digestlake.pipeline.enrich import enrich
from digestlake.pipeline.harvest import harvest_oai
from digestlake.pipeline.ingest import ingest
from digestlake.pipeline.run import run
from digestlake.sources.arxiv_client import ArxivClient
from digestlake.sources.http import HttpPolicy
from digestlake.sources.oai_pmh import HostileXml, OaiError, parse_oai

FIXTURES = SHARED / "fixtures" / "arxiv"
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def fixture(name: str) -> bytes:
    data = (need_shared(FIXTURES) / name).read_bytes()
    return gzip.decompress(data) if name.endswith(".gz") else data


def test_arxivraw_page_with_versions_several_dois_and_a_token() -> None:
    page = parse_oai(fixture("oai2_legacy2015_listrecords_arXivRaw_resumptiontoken.xml"))
    assert page.token == "726959|1001" and page.response_date == "2015-01-06T20:49:59Z"
    first = page.records[0]
    assert first.record.arxiv_id == "0704.0471" and first.record.doi == "10.1103/PhysRevC.76.024606"
    assert first.record.authors[2].name == "G.A. Souliotis"  # "..., and G.A. Souliotis"
    assert first.record.title.startswith(
        "Density dependence of the symmetry energy and the nuclear equation of state"
    )
    (two,) = parse_oai(fixture("oai2_legacy2015_getrecord_arXivRaw_1302.2146.xml")).records
    assert [v for v, _ in two.versions] == [1, 2] and two.record.version == 2
    assert two.record.published == datetime(2013, 2, 8, 21, 0, 1, tzinfo=UTC)


def test_arxiv_format_with_structured_authors() -> None:
    page = parse_oai(fixture("oai2_legacy2017_listrecords_arXiv_set_hep-th_3records.xml"))
    assert len(page.records) == 3 and page.token is None
    record = page.records[0].record
    assert record.authors[0].name == "Philipp A Hoehn" and record.primary_category == "quant-ph"
    assert page.records[0].license == "http://creativecommons.org/licenses/by/4.0/"


def test_errors() -> None:
    assert parse_oai(fixture("oai2_legacy2015_error_NoRecordsMatch.xml")).records == []
    for name, code in [
        ("BadResumptionToken", "badResumptionToken"),
        ("BadVerb", "badVerb"),
        ("BadArgument", "badArgument"),
    ]:
        with pytest.raises(OaiError) as err:
            parse_oai(fixture(f"oai2_legacy2015_error_{name}.xml"))
        assert err.value.code == code


def standin_with(n: int) -> StandIn:
    standin = StandIn(oai_page_size=50)
    for i in range(1, n + 1):
        standin.add(
            Paper(
                f"2401.{i:05d}", f"Paper {i}", [("Ann Lee", []), ("Bo Kim", [])],
                categories=["cs.LG"] if i % 4 else ["math.CO"], version=2 if i % 3 == 0 else 1,
                published=datetime(2024, 1, 2, tzinfo=UTC), updated=datetime(2024, 1, 5, tzinfo=UTC),
            )
        )  # fmt: skip
    return standin


def client(standin: StandIn) -> ArxivClient:
    return ArxivClient(
        api_url=standin.api_url, min_interval_s=0.05, policy=HttpPolicy(backoff_s=0.01)
    )


SOURCE = SourceConfig("arxiv-cs", "oai", set_spec="cs", metadata_prefix="arXivRaw")


def test_harvest_pages_through_tokens_and_503_with_retry_after(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    with serve_standin(standin_with(160)) as standin:
        standin.faults.append(("503", 0.3))
        with client(standin) as c:
            report = harvest_oai(lake, c, SOURCE, standin.oai_url, T0)
        assert (report.pages, report.records, report.finished) == (3, 120, True)
        assert standin.gaps()[0] >= 0.3 - 0.01  # Retry-After honoured
    papers = lake.read("papers")
    assert papers.height == 120 and set(papers["primary_category"]) == {"cs.LG"}
    versions = lake.read("paper_versions")
    assert versions.filter(pl.col("arxiv_id") == "2401.00003")["version"].to_list() == [1, 2]
    cursor = json.loads(lake.read("sources")["cursor"][0])
    assert cursor["token"] is None and cursor["from"] == datetime.now(UTC).strftime("%Y-%m-%d")


def test_a_stopped_harvest_continues_where_it_stopped(tmp_path: Path) -> None:
    whole, parts = Lake(tmp_path / "whole"), Lake(tmp_path / "parts")
    with serve_standin(standin_with(160)) as standin, client(standin) as c:
        harvest_oai(whole, c, SOURCE, standin.oai_url, T0)
        first = harvest_oai(parts, c, SOURCE, standin.oai_url, T0, max_pages=1)
        assert (
            not first.finished
            and json.loads(parts.read("sources")["cursor"][0])["token"]
            == "50|set=cs&metadataPrefix=arXivRaw"
        )
        rest = harvest_oai(parts, c, SOURCE, standin.oai_url, T0)
        assert (rest.pages, rest.finished) == (2, True)
        asked = [q for _, q in standin.requests]
    assert parts.read("papers").sort("paper_id").equals(whole.read("papers").sort("paper_id"))
    assert sum("resumptionToken=50" in q for q in asked) == 2  # once per harvest, never repeated


def test_an_expired_token_restarts_the_list(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    with serve_standin(standin_with(80)) as standin, client(standin) as c:
        harvest_oai(lake, c, SOURCE, standin.oai_url, T0, max_pages=1)
        sources = lake.read("sources").with_columns(
            cursor=pl.lit(json.dumps({"from": None, "token": "garbage", "started": "2026-01-01"}))
        )
        lake.write("sources", sources)
        report = harvest_oai(lake, c, SOURCE, standin.oai_url, T0)
    assert report.finished and report.error is None and lake.read("papers").height == 60


def test_next_harvest_is_incremental_from_the_last_start(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    with serve_standin(standin_with(10)) as standin, client(standin) as c:
        harvest_oai(lake, c, SOURCE, standin.oai_url, T0)
        report = harvest_oai(lake, c, SOURCE, standin.oai_url, T0)
        assert "from=" in standin.requests[-1][1]
    assert report.records == 0 and report.finished  # noRecordsMatch since the last harvest


# -- a harvest that fails is reported, and the rest of enrich and the run go on ------------

LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE OAI-PMH [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10 if i > 1 else b"&lol;" * 10)
        for i in range(1, 10)
    )
    + b"]>\n<OAI-PMH>&lol9;</OAI-PMH>"
)  # 10^9 "lol"s once expanded
EXTERNAL = (
    b'<?xml version="1.0"?>\n<!DOCTYPE OAI-PMH [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
    b'<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>&secret;'
    b"</responseDate></OAI-PMH>"
)


@pytest.mark.parametrize(
    "body",
    [LAUGHS, EXTERNAL, LAUGHS.decode().replace("1.0", '1.0" encoding="utf-16').encode("utf-16")],
    ids=["billion-laughs", "external-entity", "utf-16"],
)
def test_an_answer_declaring_a_dtd_is_refused_before_any_entity_expands(body: bytes) -> None:
    started = time.perf_counter()
    with pytest.raises(HostileXml, match=r"declares a DTD \(<!DOCTYPE OAI-PMH>\)"):
        parse_oai(body)
    assert time.perf_counter() - started < 0.05  # expat stopped at the DOCTYPE


def closed_port_url() -> str:
    """An OAI URL on 127.0.0.1 where nothing listens: every connection is refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/oai"


@contextmanager
def oai_endpoint(kind: str) -> Iterator[str]:
    """An OAI-PMH URL that fails: nothing listening, or a server answering hostile XML."""
    if kind == "unreachable":
        yield closed_port_url()
        return
    body = LAUGHS if kind == "xml-bomb" else EXTERNAL
    with serve({"/oai?verb=ListRecords&metadataPrefix=arXivRaw&set=cs": Route(body)}) as s:
        yield f"{s.base_url}/oai"


def enrich_config(tmp_path: Path, standin: StandIn, oai_url: str) -> Config:
    """The samples and an OAI source at ``oai_url``; arXiv's API is the stand-in; failing
    requests give up within 0.3 s."""
    sources = [
        SourceConfig("digests", "digest", path=str(SAMPLES / "digests")),
        SourceConfig("vault", "vault", path=str(SAMPLES / "vault")),
        SourceConfig("arxiv-cs", "oai", url=oai_url, set_spec="cs"),
    ]
    arxiv = ArxivConfig(api_url=standin.api_url, min_interval_s=0, cache=str(tmp_path / "arxiv"))
    config = config_for(tmp_path / "lake", sources, arxiv=arxiv)
    return replace(config, http=HttpPolicy(retry_budget_s=0.3, backoff_s=0.05))


@pytest.mark.parametrize("kind", ["unreachable", "xml-bomb", "external-entity"])
def test_a_failed_harvest_is_reported_and_enrich_goes_on(tmp_path: Path, kind: str) -> None:
    with serve_standin() as standin, oai_endpoint(kind) as oai_url:
        standin.add(Paper("2403.90001", "Sparse Mixtures of Tiny Experts", [("Hana Kim", [])]))
        config = enrich_config(tmp_path, standin, oai_url)
        ingest(config, now=T0)
        report = enrich(config, now=T0)
    (harvest,) = report.harvests
    expected = "ConnectError" if kind == "unreachable" else "declares a DTD"
    assert harvest.error and expected in harvest.error and not harvest.finished
    assert harvest.pages == 0 and report.error is None
    # Metadata by id and the title search ran after the failed harvest.
    assert report.enriched == 1 and report.resolution is not None
    state = Lake(config.lake_path).read("sources").filter(pl.col("source_id") == "arxiv-cs")
    assert state.height == 0  # no page read: no cursor, the next run starts the list again


def test_a_run_with_an_unreachable_oai_endpoint_publishes(tmp_path: Path) -> None:
    with serve_standin() as standin:
        config = enrich_config(tmp_path, standin, closed_port_url())
        report = run(config, now=T0)
    assert "ConnectError" in report.enrich.harvests[0].error
    assert report.run["status"] == "completed" and report.publish.papers == 6
    assert (config.exports_path / "bibtex" / "all.bib").exists()
