"""Feeds built around the paper: one item per (paper, digest day), checked on the real vault and
corpus digests with feedparser, newsboat and the JSON Feed 1.1 spec; the grouping itself on
small frames of our own."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from datetime import date, datetime
from pathlib import Path
from xml.etree import ElementTree as ET

import feedparser
import jsonschema
import polars as pl
import pytest
from conftest import MEASUREMENTS
from published_corpus import published_corpus

from digestlake.core.tables import MENTIONS, PAPERS
from digestlake.exports.feed_items import guid as item_guid
from digestlake.exports.feed_items import paper_day_items
from digestlake.exports.feeds import feed_files
from digestlake.pipeline.config import ExportsConfig
from digestlake.sources.feed_parse import parse_feed
from digestlake.transforms.arxiv_ids import parse_arxiv_id
from digestlake.transforms.paper_days import SIGNALS, paper_days

CONFIG = ExportsConfig()
CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"


@pytest.fixture(scope="module")
def published(bundle: Path, corpus: Path, tmp_path_factory: pytest.TempPathFactory):
    """The vault bundle and the 530 corpus days ingested (one paper: a note and a digest
    entry a day), then published; and their paper-days."""
    lake, exports = published_corpus(bundle, corpus, tmp_path_factory)
    days = paper_days(lake.read("mentions"), lake.read("papers"))
    return exports / "feeds", days


def _feeds(folder: Path, *suffixes: str) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix in suffixes)


@pytest.fixture(scope="module")
def parsed(published) -> dict[str, feedparser.FeedParserDict]:
    """Every RSS and Atom feed as feedparser reads it (once: it is most of this file's time)."""
    folder, _ = published
    return {p.name: feedparser.parse(p.read_bytes()) for p in _feeds(folder, ".xml", ".atom")}


def test_no_feed_has_two_items_for_one_paper_and_day(published, parsed) -> None:
    folder, days = published
    feeds = _feeds(folder, ".xml", ".atom")
    assert len(feeds) > 400 and len(parsed) == len(feeds)
    authors = {item_guid(d): d["authors"] for d in days.iter_rows(named=True)}
    by_arxiv = 0
    for path in feeds:
        parsed_feed = parsed[path.name]
        assert not parsed_feed.bozo, (path.name, parsed_feed.get("bozo_exception"))
        assert parsed_feed.version == ("atom10" if path.suffix == ".atom" else "rss20")
        assert 0 < len(parsed_feed.entries) <= CONFIG.feed_items
        seen = set()
        for e in parsed_feed.entries:
            arxiv = parse_arxiv_id(e.get("link") or "")
            key = (arxiv.id if arxiv else e.id, e.published[:16])
            assert key not in seen, (path.name, key)
            seen.add(key)
            by_arxiv += arxiv is not None
            names = [a.name for a in e.get("authors", []) if a.get("name")]
            expected = authors[e.id]  # every item has its paper's authors, when it has some
            joined = [", ".join(expected)] if expected else []  # RSS: one dc:creator
            assert names == (expected if path.suffix == ".atom" else joined), (path.name, e.id)
        assert len({e.id for e in parsed_feed.entries}) == len(parsed_feed.entries)
        dates = [e.published_parsed for e in parsed_feed.entries]
        assert dates == sorted(dates, reverse=True)  # newest first
    assert by_arxiv > 5_000  # items checked by arXiv id (the rest by GUID)
    merged = days.filter(pl.col("sources").list.len() > 1).height
    MEASUREMENTS.append(
        f"feeds: {len(feeds)} RSS/Atom files, {days.height} paper-days "
        f"({merged} merged from two sources), no paper twice on one day"
    )


def test_items_carry_authors_html_content_and_a_plain_summary(published, parsed) -> None:
    folder, days = published
    expected = {
        f"urn:digestlake:paper:{r['paper_id']}:{r['digest_date']}": r
        for r in days.filter(pl.col("paper_id").is_not_null()).iter_rows(named=True)
    }
    rss, atom = parsed["all.xml"], parsed["all.atom"]
    raw = {
        i.findtext("guid"): i.findtext(CONTENT)
        for i in ET.parse(folder / "all.xml").getroot().iter("item")
    }
    for r, a in zip(rss.entries, atom.entries, strict=True):
        day = expected[r.id]
        if day["authors"]:
            assert r.author == ", ".join(day["authors"])  # dc:creator
            assert [x.name for x in a.authors] == day["authors"]  # one <author> each
        assert a.content[0].type == "text/html" and r.content[0].value == raw[r.id]
        # feedparser's sanitiser changes nothing: no markup comes from a source
        assert r.content[0].value == a.content[0].value
        lines = sum(len((m["commentary"] or "").split("\n")) for m in day["mentions"][:1])
        assert r.content[0].value.count("<p>") >= lines  # a paragraph per line
        assert "<" not in r.get("summary", "") and r.get("summary") != r.title
    merged = next(e for e in rss.entries if "<h3>arxiv-today, digests</h3>" in e.content[0].value)
    assert merged.content[0].value.count("<h3>") <= 3  # sources (once), abstract


def test_a_paper_mentioned_again_later_is_a_new_item(published) -> None:
    _, days = published
    again = days.filter(pl.col("first_date") < pl.col("digest_date"))
    assert again.height > 0
    items = {i.guid: i for i in paper_day_items(again.head(20), CONFIG.timezone)}
    for guid, item in items.items():
        assert guid.endswith(item.published.date().isoformat())
        assert "first mentioned " in item.content_html


def test_newsboat_shows_the_authors(published, tmp_path: Path) -> None:
    newsboat = shutil.which("newsboat")
    if not newsboat:
        pytest.skip("newsboat is not installed (.ci/run installs it)")
    folder, _ = published
    for name in ("all.xml", "all.atom", "rl.xml"):
        work = tmp_path / name
        work.mkdir()
        (work / "urls").write_text(f"file://{folder / name}\n")
        (work / "config").write_text("")
        command = [newsboat, "-u", "urls", "-c", "cache.db", "-C", "config", "-x", "reload"]
        subprocess.run(command, cwd=work, check=True, capture_output=True, timeout=120)
        with sqlite3.connect(work / "cache.db") as db:
            rows = db.execute("select guid, author from rss_item").fetchall()
        parsed = feedparser.parse((folder / name).read_bytes())
        authors = {e.id: ", ".join(a.name for a in e.get("authors", [])) for e in parsed.entries}
        assert len(rows) == len(parsed.entries)
        assert sum(bool(author) for _, author in rows) > 0.9 * len(rows)
        for guid, author in rows:
            assert author.replace(", ", ",") == authors[guid].replace(", ", ",")


# The JSON Feed 1.1 spec's required fields and the types of those we write.
_AUTHOR = {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}
JSON_FEED_11 = {
    "type": "object",
    "required": ["version", "title", "items"],
    "properties": {
        "version": {"const": "https://jsonfeed.org/version/1.1"},
        "title": {"type": "string"},
        "home_page_url": {"type": "string", "format": "uri"},
        "feed_url": {"type": "string", "format": "uri"},
        "description": {"type": "string"},
        "language": {"type": "string"},
        "authors": {"type": "array", "items": _AUTHOR},
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id"],
                "anyOf": [{"required": ["content_html"]}, {"required": ["content_text"]}],
                "properties": {
                    "id": {"type": "string"},
                    "url": {"type": "string"},
                    "title": {"type": "string"},
                    "content_html": {"type": "string"},
                    "summary": {"type": "string"},
                    "date_published": {"type": "string", "format": "date-time"},
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "authors": {"type": "array", "items": _AUTHOR},
                },
            },
        },
    },
}


def test_every_json_feed_is_json_feed_1_1_and_matches_its_rss(published, parsed) -> None:
    folder, _ = published
    checker = jsonschema.Draft202012Validator(
        JSON_FEED_11, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    feeds = _feeds(folder, ".json")
    assert len(feeds) == len(_feeds(folder, ".xml"))
    for path in feeds:
        feed = json.loads(path.read_bytes())
        errors = [e.message for e in checker.iter_errors(feed)]
        assert errors == [], (path.name, errors[:3])
        assert feed["feed_url"].endswith("/feeds/" + path.name)
        rss = parsed[path.with_suffix(".xml").name]
        assert [i["id"] for i in feed["items"]] == [e.id for e in rss.entries]
        for item in feed["items"]:
            datetime.fromisoformat(item["date_published"])  # RFC 3339, with its offset
    # feedparser 6.0 reads no JSON Feed: digestlake's own feed source does, and gives the same
    # items from all.json as from all.xml (which it reads through feedparser)
    for stem in ("all", "rl"):
        json_items = parse_feed((folder / f"{stem}.json").read_bytes(), f"{stem}.json")
        rss_items = parse_feed((folder / f"{stem}.xml").read_bytes(), f"{stem}.xml")
        assert json_items.problems == [] and rss_items.problems == []
        assert [_fields(i) for i in json_items.items] == [_fields(i) for i in rss_items.items]


def _fields(item) -> tuple:
    return (item.guid, item.link, item.title, ", ".join(item.authors), item.tags, item.published)


def test_opml_lists_one_format_per_tag_and_skips_small_tags(published, tmp_path: Path) -> None:
    folder, days = published
    counts = days.select(pl.col("tags").explode()).drop_nulls().group_by("tags").len()
    big = counts.filter(pl.col("len") >= CONFIG.feed_min_items).height
    outlines = [o for o in ET.parse(folder / "index.opml").iter("outline") if o.get("xmlUrl")]
    urls = [o.get("xmlUrl") for o in outlines]
    assert len(urls) == big + 1 and urls[0].endswith("/feeds/all.xml")  # the tags, and all
    assert all(
        u.endswith(".xml") and o.get("type") == "rss" for u, o in zip(urls, outlines, strict=True)
    )
    assert {u.rsplit("/", 1)[1] for u in urls} <= {p.name for p in folder.iterdir()}
    assert big < counts.height  # some tags were too small to list
    if newsboat := shutil.which("newsboat"):  # and newsboat imports it
        (tmp_path / "urls").write_text("")
        subprocess.run(
            [newsboat, "-u", str(tmp_path / "urls"), "-i", str(folder / "index.opml")],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        assert (tmp_path / "urls").read_text().split() == urls


# Small frames of our own: the grouping rule and the HTML, case by case.
def _mentions(rows: list[dict], extra: dict | None = None) -> pl.DataFrame:
    schema = {**MENTIONS.schema, **(extra or {})}
    defaults = {"deleted": False, "tags": [], "links": [], "source_urls": [], "authors": []}
    return pl.DataFrame([{**defaults, **r} for r in rows], schema=schema)


D1, D2 = date(2026, 3, 2), date(2026, 3, 9)
PAPER = pl.DataFrame(
    [
        {
            "paper_id": "2406.11838",
            "arxiv_id": "2406.11838",
            "title": "Autoregressive Image Generation without Vector Quantization",
            "authors": [{"name": "Tianhong Li", "affiliation": None}],
            "url": "https://arxiv.org/abs/2406.11838",
        }
    ],
    schema=PAPERS.schema,
)


def test_one_paper_from_three_sources_on_one_day_is_one_item() -> None:
    mentions = _mentions(
        [
            {"mention_id": "a", "source_id": "vault", "paper_id": "2406.11838",
             "digest_date": D1, "position": 0, "commentary": "노트.\nSecond line.",
             "tags": ["diffusion"]},
            {"mention_id": "b", "source_id": "digest", "paper_id": "2406.11838",
             "digest_date": D1, "position": 3, "commentary": "노트.\nSecond line.",
             "tags": ["diffusion", "mar"]},
            {"mention_id": "c", "source_id": "hf", "paper_id": "2406.11838",
             "digest_date": D1, "position": 1, "upvotes": 42, "github_stars": 1500},
            {"mention_id": "d", "source_id": "hf", "paper_id": "2406.11838",
             "digest_date": D2, "position": 0, "upvotes": 7, "tags": ["diffusion"]},
            {"mention_id": "e", "source_id": "vault", "paper_id": "2406.11838",
             "digest_date": D2, "position": 0, "deleted": True, "commentary": "gone"},
            {"mention_id": "f", "source_id": "digest", "digest_date": D1, "position": 9,
             "title": "A blog post", "commentary": "<script>alert(1)</script> javascript:x",
             "source_urls": ["https://example.org/post"]},
        ],
        {"upvotes": pl.Int32, "github_stars": pl.Int32},
    )  # fmt: skip
    days = paper_days(mentions, PAPER)
    assert days.select("item_id", "digest_date").rows() == [
        ("2406.11838", D2), ("2406.11838", D1), ("mention:f", D1),
    ]  # fmt: skip
    later, first, blog = paper_day_items(days, "Asia/Seoul")
    assert first.guid == "urn:digestlake:paper:2406.11838:2026-03-02"
    assert later.guid == "urn:digestlake:paper:2406.11838:2026-03-09"
    assert first.tags == ("diffusion", "mar") and first.authors == ("Tianhong Li",)
    assert "<h3>digest, vault</h3>\n<p>노트.</p>\n<p>Second line.</p>" in first.content_html
    assert "<h3>hf</h3>\n<p><small>upvotes: 42 · GitHub stars: 1500</small></p>" in (
        first.content_html
    )
    assert first.summary == "노트. Second line."
    assert "gone" not in later.content_html and "first mentioned 2026-03-02" in later.content_html
    assert later.summary is None  # no commentary, no abstract: not the title again
    assert blog.guid == "urn:digestlake:mention:f:2026-03-02" and blog.authors == ()
    assert "&lt;script&gt;" in blog.content_html and "<script" not in blog.content_html
    assert blog.link == "https://example.org/post" and 'href="javascript' not in blog.content_html
    files = feed_files(
        [later, first, blog], {"diffusion": "diffusion", "mar": "mar"},
        base_url="http://127.0.0.1/", max_items=50, min_items=2, opml_format="json",
    )  # fmt: skip
    opml = files["index.opml"].decode()
    assert "feeds/all.json" in opml and "feeds/diffusion.json" in opml and "mar.json" not in opml
    for name, data in files.items():
        if name.endswith((".xml", ".atom")):
            assert not feedparser.parse(data).bozo, name


def test_signals_are_optional_columns() -> None:
    """A mentions table without the signal columns (an older lake) gives the same items."""
    rows = [{"mention_id": "a", "source_id": "v", "paper_id": "2406.11838", "digest_date": D1,
             "position": 0, "commentary": "x"}]  # fmt: skip
    with_signals = _mentions(rows, {"upvotes": pl.Int32, "comments": pl.Int32})
    without = with_signals.drop([name for name, _ in SIGNALS if name in with_signals.columns])
    assert paper_day_items(paper_days(without, PAPER), "UTC") == paper_day_items(
        paper_days(with_signals, PAPER), "UTC"
    )
