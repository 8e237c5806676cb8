"""The real recorded arXiv responses, both Atom dialects, errors and broken bodies."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import SHARED, need_shared

from digestlake.sources.arxiv_atom import ArxivQueryError, BrokenFeed, parse_feed

FIXTURES = SHARED / "fixtures" / "arxiv"


def fixture(name: str) -> bytes:
    return (need_shared(FIXTURES) / name).read_bytes()


def test_current_dialect_with_affiliations_and_journal_ref() -> None:
    feed = parse_feed(fixture("api_2026_idlist_oldstyle_astro-ph_0601001_affil_jref.xml"))
    (r,) = feed.records
    assert (r.arxiv_id, r.version, r.primary_category) == ("astro-ph/0601001", 1, "astro-ph")
    assert [(a.name, a.affiliations) for a in r.authors][:3] == [
        ("Andrew Gould", ("Ohio State",)),
        ("Susan Dorsher", ("Ohio State",)),
        ("B. Scott Gaudi", ("CfA",)),
    ]
    assert r.journal_ref == "ActaAstron.56:1-50,2006"
    assert r.published == datetime(2006, 1, 2, 14, 57, 58, tzinfo=UTC)
    assert r.abstract.startswith("We derive the frequencies")


def test_legacy_dialect_unwraps_title_and_reads_doi() -> None:
    (r,) = parse_feed(fixture("api_legacy2016_idlist_1111.2011v2_doi_jref_comment.xml")).records
    assert (
        r.title
        == "Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large Connectivity Limit"
    )
    assert (r.version, r.doi) == (2, "10.1103/PhysRevB.85.115117")
    assert r.categories == ("cond-mat.str-el", "cond-mat.stat-mech")
    assert r.updated == datetime(2012, 4, 2, 12, 38, 54, tzinfo=UTC)
    assert r.comment == "8 pages, 3 figures. Published version"


def test_unknown_ids_are_dropped_and_a_title_of_zero_survives() -> None:
    assert parse_feed(fixture("api_2026_idlist_empty_0000.0000.xml")).records == []
    feed = parse_feed(fixture("api_2026_idlist_two_ids_one_missing_utf8_author.xml"))
    assert [r.arxiv_id for r in feed.records] == ["1707.08567"] and feed.total == 1
    assert parse_feed(fixture("api_2026_idlist_2104.12255v1_title_0.xml")).records[0].title == "0"


def test_search_pages() -> None:
    first = parse_feed(fixture("api_2026_search_testing_s0_m10.xml"))
    second = parse_feed(fixture("api_2026_search_testing_s10_m10.xml"))
    assert (first.total, first.start, len(first.records)) == (214881, 0, 10)
    assert second.start == 10
    assert not {r.arxiv_id for r in first.records} & {r.arxiv_id for r in second.records}


def test_error_feed_names_the_query() -> None:
    with pytest.raises(ArxivQueryError, match=r"id_list=abc.*incorrect id format for abc"):
        parse_feed(fixture("api_2026_error_400_incorrect_id_format_abc.xml"), "id_list=abc")


@pytest.mark.parametrize("body", [b"Rate exceeded.", b"<html><body>busy</body></html>", b""])
def test_bodies_that_are_not_feeds_are_retryable(body: bytes) -> None:
    with pytest.raises(BrokenFeed):
        parse_feed(body)


def test_truncated_feed_is_retryable() -> None:
    body = fixture("api_2026_search_testing_s0_m10.xml")
    with pytest.raises(BrokenFeed):
        parse_feed(body[: len(body) // 2])


def test_every_api_fixture_parses(tmp_path: Path) -> None:
    for path in sorted(need_shared(FIXTURES).glob("api_*.xml")):
        if "error" in path.name:
            continue
        feed = parse_feed(path.read_bytes())
        assert feed.total >= len(feed.records)
