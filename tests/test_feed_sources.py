"""kind = "feed": RSS, Atom and JSON Feed digests, arXiv listings, conditional GETs, and hostile
feeds from a stand-in server on 127.0.0.1 that misbehaves on purpose."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from conftest import ROOT, config_for
from httpserver import Route
from standin_feeds import Drip, serve_feeds

from digestlake.lake.store import Lake
from digestlake.pipeline.config import SourceConfig
from digestlake.pipeline.enrich import pending_ids
from digestlake.pipeline.ingest import ingest
from digestlake.pipeline.runner import SingleWriterRunner
from digestlake.sources.feed import MAX_FEED_BYTES
from digestlake.sources.feed_parse import parse_feed
from digestlake.sources.http import HttpPolicy
from digestlake.transforms.feed_arxiv import listed
from digestlake.transforms.feed_items import feed_mention

FEEDS = ROOT / "tests" / "data" / "feeds"
LISTING = (FEEDS / "arxiv_rss_cs.CL.xml").read_bytes()
NOW = datetime(2024, 6, 18, 12, tzinfo=UTC)
# Patient enough to ride out one 429 or 503, quick enough to give up on a drip in a second.
QUICK = HttpPolicy(min_interval_s=0, retry_budget_s=3, backoff_s=0.05, timeout_s=1, deadline_s=1)


def run(lake: Path, *sources: SourceConfig, now: datetime = NOW, policy: HttpPolicy = QUICK):
    config = dataclasses.replace(config_for(lake, sources), http=policy)
    return ingest(config, now=now, runner=SingleWriterRunner())


def rss(*items: str, title: str = "A newsletter") -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
        f"<title>{title}</title><link>https://news.example.org/</link>"
        + "".join(items)
        + "</channel></rss>"
    ).encode()


def item(n: int, body: str = "", **extra: str) -> str:
    fields = {
        "title": f"Issue {n}",
        "link": f"https://news.example.org/{n}",
        "guid": f"news-{n}",
        "pubDate": "Mon, 17 Jun 2024 23:30:00 -0400",
        "description": body
        or f"&lt;p&gt;Read &lt;a href='https://arxiv.org/abs/2406.0{n:04d}v2'&gt;it&lt;/a&gt;&lt;/p&gt;",
        **extra,
    }
    return "<item>" + "".join(f"<{k}>{v}</{k}>" for k, v in fields.items() if v) + "</item>"


def mentions(lake: Path) -> pl.DataFrame:
    return Lake(lake).read("mentions").sort("position")


def test_an_arxiv_listing_gives_ids_versions_authors_and_papers_without_an_api_call(
    tmp_path: Path,
) -> None:
    source = SourceConfig(
        "cs-cl", "feed", path=str(FEEDS / "arxiv_rss_cs.CL.xml"),
        timezone="America/New_York", announce_types=("new", "cross", "replace"),
    )  # fmt: skip
    report = run(tmp_path / "lake", source)
    assert report.sources[0].status == "ok" and report.sources[0].new == 3
    m = mentions(tmp_path / "lake")
    assert m["arxiv_id"].to_list() == ["2303.17651", "2302.04761", "2406.11111"]
    assert m["arxiv_version"].to_list() == [2, 1, 1]
    assert m["announce_type"].to_list() == ["replace", "cross", "new"]  # replace-cross left out
    assert m["digest_date"].cast(pl.String).unique().to_list() == ["2024-06-18"]
    assert m["abstract"][2] == "We study tokenisers & their failure modes."
    assert m["authors"][1][2] == "Roberto Dessì"  # dc:creator, TeX accent read
    assert m["commentary"].is_null().all()  # a listing has no digest author's words
    papers = Lake(tmp_path / "lake").read("papers").sort("paper_id")
    assert papers["metadata_source"].unique().to_list() == ["arxiv-listing"]
    listed = papers.filter(pl.col("paper_id") == "2406.11111").row(0, named=True)
    assert listed["doi"] == "10.1000/example.2024.1" and listed["primary_category"] == "cs.CL"
    assert listed["license"] == "http://creativecommons.org/licenses/by-sa/4.0/"
    assert pending_ids(Lake(tmp_path / "lake")) == []  # enrich asks arXiv nothing for them


def test_an_unchanged_feed_costs_one_conditional_request_and_commits_nothing(
    tmp_path: Path,
) -> None:
    routes = {
        "/etag": Route(rss(item(1), item(2)), headers={"ETag": '"v1"'}),
        "/modified": Route(rss(item(3)), headers={"Last-Modified": "Mon, 17 Jun 2024 10:00:00 GMT"}),
    }  # fmt: skip
    with serve_feeds(routes) as served:
        sources = [SourceConfig(p.strip("/"), "feed", url=served.base_url + p) for p in routes]
        first = run(tmp_path / "lake", *sources)
        assert [s.new for s in first.sources] == [2, 1]
        served.requests.clear()
        second = run(tmp_path / "lake", *sources, now=NOW.replace(hour=13))
    assert [s.status for s in second.sources] == ["unchanged", "unchanged"]
    assert second.files_written == []
    assert [(path, h.get("If-None-Match"), h.get("If-Modified-Since")) for path, h in served.requests] == [
        ("/etag", '"v1"', None),
        ("/modified", None, "Mon, 17 Jun 2024 10:00:00 GMT"),
    ]  # fmt: skip


def test_items_that_fall_off_the_feed_stay_and_an_edited_item_updates(tmp_path: Path) -> None:
    edited = item(2, title="Issue 2, corrected")
    route = [Route(rss(item(1), item(2))), Route(rss(edited, item(3)))]
    with serve_feeds({"/feed": route}) as served:
        source = SourceConfig("news", "feed", url=served.base_url + "/feed")
        run(tmp_path / "lake", source)
        second = run(tmp_path / "lake", source)
    assert (second.sources[0].new, second.sources[0].updated) == (1, 1)
    m = mentions(tmp_path / "lake")
    # A GUID that is a permalink (RSS's default) is resolved against the feed's URL.
    assert sorted(m["guid"].to_list()) == [f"{served.base_url}/news-{n}" for n in (1, 2, 3)]
    assert not m["deleted"].any()
    first = m.filter(pl.col("guid").str.ends_with("news-1")).row(0, named=True)
    assert first["arxiv_id"] == "2406.00001" and first["arxiv_version"] == 2  # linked in its text
    assert first["commentary"] == "Read it (https://arxiv.org/abs/2406.00001v2)"
    assert first["digest_date"].isoformat() == "2024-06-18"  # 23:30 -0400 is the 18th in UTC


def test_a_listing_served_again_or_empty_is_told_apart_from_a_failed_fetch(
    tmp_path: Path,
) -> None:
    empty = LISTING.split(b"<item>")[0] + b"</channel></rss>"
    routes = {
        "/rss/cs.CL": [
            Route(LISTING, headers={"ETag": '"mon"'}),
            Route(LISTING.replace(b"<language>", b"<!-- rebuilt --><language>"), headers={"ETag": '"again"'}),
            Route(empty, headers={"ETag": '"sat"'}),
            Route(b"down for maintenance", 503),
        ]
    }  # fmt: skip
    with serve_feeds(routes) as served:
        source = SourceConfig("cs-cl", "feed", url=served.base_url + "/rss/cs.CL")
        reports = [run(tmp_path / "lake", source).sources[0] for _ in range(4)]
    assert [r.status for r in reports] == ["ok", "repeated", "empty", "failed"]
    assert "2024-06-18 served again" in reports[1].error
    assert "weekend or a holiday" in reports[2].error
    assert "HTTP 503" in reports[3].error
    assert mentions(tmp_path / "lake").height == 4  # nothing lost on the way


def test_a_server_that_asks_to_wait_or_fails_once_is_ridden_out(tmp_path: Path) -> None:
    routes = {
        "/busy": [Route(b"", 429, {"Retry-After": "1"}), Route(rss(item(1)))],
        "/flaky": [Route(b"", 503), Route(rss(item(2)))],
    }
    with serve_feeds(routes) as served:
        sources = [SourceConfig(p.strip("/"), "feed", url=served.base_url + p) for p in routes]
        report = run(tmp_path / "lake", *sources)
    assert [(s.status, s.new) for s in report.sources] == [("ok", 1), ("ok", 1)]
    assert [p for p, _ in served.requests] == ["/busy", "/busy", "/flaky", "/flaky"]


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
<!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;"><!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">]>
<rss version="2.0"><channel><title>&h;</title><item><title>&h;</title></item></channel></rss>"""
QUADRATIC = (
    b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x "' + b"x" * 50_000 + b'">]>'
    b"<rss><channel><item><title>" + b"&x;" * 50_000 + b"</title></item></channel></rss>"
)
XXE = b"""<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><item><title>&xxe;</title><link>https://a.example/1</link></item></channel></rss>"""
EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE rss SYSTEM "http://127.0.0.1:9/evil.dtd">
<rss version="2.0"><channel><item><title>&evil;</title><link>https://a.example/2</link></item></channel></rss>"""


@pytest.mark.parametrize("body", [BOMB, QUADRATIC, XXE, EXTERNAL_DTD], ids=["billion-laughs", "quadratic", "xxe", "external-dtd"])  # fmt: skip
def test_an_xml_bomb_or_external_entity_is_refused_and_the_lake_keeps_what_it_had(
    tmp_path: Path, body: bytes
) -> None:
    with serve_feeds({"/feed": [Route(rss(item(1))), Route(body)]}) as served:
        source = SourceConfig("news", "feed", url=served.base_url + "/feed")
        run(tmp_path / "lake", source)
        report = run(tmp_path / "lake", source).sources[0]
    assert report.status == "ok" and report.quarantined == 1
    assert report.problems == [f"{served.base_url}/feed: " + report.problems[0].split(": ", 1)[1]]
    assert "declares a DTD" in report.problems[0]
    m = mentions(tmp_path / "lake")
    assert m["title"].to_list() == ["Issue 1"] and not m["deleted"].any()
    quarantine = Lake(tmp_path / "lake").read("quarantine")
    assert quarantine["location"].to_list() == [f"{served.base_url}/feed"]
    assert not any("root:" in str(v) for v in m.row(0))


def test_scripts_javascript_links_and_control_characters_never_reach_the_lake(
    tmp_path: Path,
) -> None:
    hostile = (
        "&lt;p&gt;See &lt;a href='javascript:alert(1)'&gt;this&lt;/a&gt; and "
        "&lt;a href='https://arxiv.org/abs/2406.00009'&gt;the paper&lt;/a&gt;"
        "&lt;script&gt;steal()&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;&lt;/p&gt;"
    )
    feed = rss(item(9, hostile, title="Bad\x1b[31m \x07title"), item(10))
    path = tmp_path / "feed.xml"
    path.write_bytes(feed)
    report = run(tmp_path / "lake", SourceConfig("news", "feed", path=str(path))).sources[0]
    assert report.new == 2
    row = mentions(tmp_path / "lake").row(0, named=True)
    assert row["title"] == "Bad[31m title"
    assert row["commentary"] == "See this and the paper (https://arxiv.org/abs/2406.00009)"
    assert row["links"] == ["https://arxiv.org/abs/2406.00009"]


def test_an_item_without_title_or_link_is_quarantined_and_the_rest_read(tmp_path: Path) -> None:
    bare = "<item><description>Only words.</description></item>"
    path = tmp_path / "feed.xml"
    path.write_bytes(rss(item(1), bare, item(3)))
    report = run(tmp_path / "lake", SourceConfig("news", "feed", path=str(path))).sources[0]
    assert report.new == 2
    assert report.problems == ["feed.xml#item-2: item 2 has no title and no link"]


def test_a_json_feed_item_of_wrong_types_is_quarantined_and_the_rest_read(tmp_path: Path) -> None:
    path = tmp_path / "feed.json"
    path.write_text(
        '{"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": ['
        '{"id": "1", "url": "https://arxiv.org/abs/2406.00001", "title": "One",'
        ' "content_html": "<p>Good <script>x()</script></p>", "tags": ["LLM"],'
        ' "date_published": "2024-06-18T09:00:00+09:00", "authors": [{"name": "Kim"}]},'
        '{"id": "2", "url": "https://a.example/2", "title": 42},'
        '{"id": "3", "url": "https://a.example/3", "tags": "not-a-list"},'
        '"a string, not an item",'
        '{"id": "5", "url": "https://arxiv.org/abs/2406.00005", "title": "Five"}]}'
    )
    report = run(tmp_path / "lake", SourceConfig("j", "feed", path=str(path))).sources[0]
    assert report.new == 2
    assert report.problems == [
        "feed.json#item-2: title is int, not a string",
        "feed.json#item-3: tags is not a list of strings",
        "feed.json#item-4: the item is str, not an object",
    ]
    one = mentions(tmp_path / "lake").row(0, named=True)
    assert (one["commentary"], one["tags"], one["authors"]) == ("Good", ["llm"], ["Kim"])
    assert one["arxiv_id"] == "2406.00001" and one["digest_date"].isoformat() == "2024-06-18"


def test_a_misbehaving_server_fails_or_quarantines_the_feed_and_loses_nothing(
    tmp_path: Path,
) -> None:
    good = rss(item(1), item(2))
    routes = {
        "/drip": [Route(good), Drip(good, chunk=16, every_s=0.2)],
        "/endless": [Route(good), Drip(forever=True, every_s=0.001)],
        "/loop": [Route(good), Route(b"", 302, {"Location": "/loop"})],
        "/huge": [Route(good), Route(b"<rss>" + b" " * 50_000_000)],  # 50 MB
        "/cut": [Route(good), Route(rss(item(1), item(5))[:-60])],
        "/cut-json": [Route(good), Route(b'{"items": [{"id": "1", "title": "x"')],
    }
    with serve_feeds(routes) as served:
        sources = [SourceConfig(p.strip("/"), "feed", url=served.base_url + p) for p in routes]
        run(tmp_path / "lake", *sources)
        policy = dataclasses.replace(QUICK, retry_budget_s=0)
        report = {s.source_id: s for s in run(tmp_path / "lake", *sources, policy=policy).sources}
    assert report["drip"].status == report["endless"].status == "failed"
    assert "deadline_s" in report["drip"].error and "deadline_s" in report["endless"].error
    assert report["loop"].status == "failed" and "redirect" in report["loop"].error
    assert report["huge"].problems == [f"{served.base_url}/huge: feed of 50000005 bytes; at most {MAX_FEED_BYTES} are read"]  # fmt: skip
    assert report["cut"].new == 1 and "not well-formed" in report["cut"].problems[0]
    assert report["cut-json"].problems[0].startswith(f"{served.base_url}/cut-json: not JSON")
    m = mentions(tmp_path / "lake")
    assert m.group_by("source_id").len().sort("source_id")["len"].to_list() == [3, 2, 2, 2, 2, 2]
    assert not m["deleted"].any()


ATOM_LISTING = b"""<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">
  <id>http://rss.arxiv.org/atom/cs.CL</id>
  <title>cs.CL updates on arXiv.org</title>
  <updated>2024-06-18T04:00:00.000Z</updated>
  <entry>
    <id>oai:arXiv.org:2406.11111v2</id>
    <title>A New Listing-Only Paper on Tokenisers</title>
    <updated>2024-06-18T04:00:00.000Z</updated>
    <link href="https://arxiv.org/abs/2406.11111" rel="alternate" type="text/html"/>
    <summary>arXiv:2406.11111v2 Announce Type: replace
Abstract: We study tokenisers.</summary>
    <category term="cs.CL" scheme="http://arxiv.org/schemas/atom"/>
    <published>2024-06-18T00:00:00-04:00</published>
    <arxiv:announce_type>replace</arxiv:announce_type>
    <rights>http://creativecommons.org/licenses/by/4.0/</rights>
    <author><name>Ada Lovelace</name></author>
    <author><name>Alan Turing</name></author>
  </entry>
</feed>"""


def test_an_atom_listing_is_read_as_the_rss_one() -> None:
    feed = parse_feed(ATOM_LISTING, "https://rss.arxiv.org/atom/cs.CL")
    assert feed.problems == []
    parts = listed(feed.items[0])
    assert (str(parts.arxiv_id), parts.announce_type, parts.abstract) == (
        "2406.11111v2", "replace", "We study tokenisers."
    )  # fmt: skip
    made = feed_mention(feed.items[0], "atom", ZoneInfo("America/New_York"), parts)
    assert made.entry.authors == ["Ada Lovelace", "Alan Turing"]
    assert (made.entry.arxiv_id, made.entry.arxiv_version) == ("2406.11111", 2)
    assert made.entry.digest_date == date(2024, 6, 18) and made.entry.commentary is None
    assert feed.items[0].rights == "http://creativecommons.org/licenses/by/4.0/"


def test_the_summary_says_a_listing_was_served_again() -> None:
    from digestlake.pipeline.ingest import IngestReport, SourceReport
    from digestlake.pipeline.summary import ingest_summary

    again = SourceReport("cs-cl", "repeated", unchanged=4, error="the announcement of 2024-06-18 served again: no new one yet")  # fmt: skip
    lines = ingest_summary(IngestReport([again], [], 4, 4), "lake")
    assert lines[0] == (
        "  cs-cl: repeated (the announcement of 2024-06-18 served again: no new one yet): "
        "0 new, 0 updated, 4 unchanged, 0 deleted, 0 quarantined"
    )
