"""The site's parts without a browser: what a page may link to, how papers and days are
listed, the chart, the search index, and a publish that rewrites only the pages that changed."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from urllib.request import urlopen
from xml.etree import ElementTree as ET

import polars as pl
import pytest

from digestlake.core.location import Location
from digestlake.core.tables import MENTIONS, PAPERS
from digestlake.exports.site import site_files, write_site
from digestlake.exports.site_chart import month_chart
from digestlake.exports.site_citations import Citation
from digestlake.exports.site_pages import linkify
from digestlake.exports.site_search import search_index_script
from digestlake.pipeline.config import Config, ExportsConfig
from digestlake.pipeline.serve_exports import exports_http, serving_exports
from digestlake.transforms.paper_days import paper_days
from digestlake.transforms.site_listings import site_listings
from digestlake.transforms.site_papers import (
    commentary_blocks,
    paper_slugs,
    safe_url,
    site_papers,
)


def frame(spec, rows: list[dict]) -> pl.DataFrame:
    """Rows with every column of the table (lists empty, flags false, the rest null)."""
    blank = {
        name: [] if isinstance(kind, pl.List) else False if kind == pl.Boolean else None
        for name, kind in spec.columns.items()
    }
    return pl.DataFrame([blank | row for row in rows], schema=spec.schema)


def mention(mention_id: str, paper_id: str | None, day: date, **fields) -> dict:
    return {
        "mention_id": mention_id, "paper_id": paper_id, "digest_date": day,
        "source_id": fields.pop("source_id", "vault"), "position": fields.pop("position", 1),
        "tags": fields.pop("tags", ["llm"]), **fields,
    }  # fmt: skip


PAPERS_FRAME = frame(
    PAPERS,
    [
        {"paper_id": "2401.00001", "arxiv_id": "2401.00001", "title": "Tiny Experts",
         "authors": [{"name": "Hana Kim", "affiliation": None}], "doi": "10.1/x y"},
        {"paper_id": "hep-th/9901001", "arxiv_id": "hep-th/9901001", "title": "Old Strings"},
    ],
)  # fmt: skip
MENTIONS_FRAME = frame(
    MENTIONS,
    [
        mention("m1", "2401.00001", date(2024, 1, 3), commentary="작은 Expert가 많다.",
                commentary_ko="작은 Expert가 많다.", commentary_en="Many tiny experts."),
        mention("m2", "2401.00001", date(2024, 1, 3), source_id="hf", upvotes=42,
                github_repo="https://github.com/x/tiny", machine_summary="A summary.",
                commentary="HF says hi"),
        mention("m3", "hep-th/9901001", date(2023, 11, 30), tags=["strings", "llm"],
                commentary="Old but good https://example.org/a."),
        mention("m4", "2401.00001", date(2023, 12, 1), commentary="Seen before", deleted=True),
        mention("m5", None, date(2024, 1, 3), commentary="no paper"),
    ],
)  # fmt: skip


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://arxiv.org/abs/2401.00001", True),
        ("HTTP://Example.org/x?a=1&b=2", True),
        ("javascript:alert(1)", False),
        ("JavaScript:alert(1)", False),
        (" javascript:alert(1)", False),
        ("java\nscript:alert(1)", False),
        ("data:text/html,<script>alert(1)</script>", False),
        ("//evil.example/x", False),
        ("../papers/x.html", False),
        ("http://", False),
        ('https://example.org/"onmouseover="alert(1)', True),  # kept, and escaped in the page
        (None, False),
    ],
)
def test_only_absolute_http_links_are_kept(url: str | None, kept: bool) -> None:
    assert (safe_url(url) is not None) is kept


def test_paper_slugs_are_file_names_and_unique() -> None:
    slugs = paper_slugs(["2401.00001", "hep-th/9901001", "dl:3f2a", "../x"])
    assert slugs == {"2401.00001": "2401.00001", "hep-th/9901001": "hep-th-9901001",
                     "dl:3f2a": "dl-3f2a", "../x": "x"}  # fmt: skip
    clash = paper_slugs(["a/b", "a:b", "A-b"])  # case too: not every disk tells A from a
    assert len({s.lower() for s in clash.values()}) == 3
    assert all(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9.-]*", s) for s in slugs.values())


def test_commentary_keeps_its_languages_apart() -> None:
    split = commentary_blocks({"commentary_ko": "한국어\n\n둘째", "commentary_en": "English"})
    assert [(b.lang, b.paragraphs) for b in split] == [("ko", (("한국어",), ("둘째",))), ("en", (("English",),))]  # fmt: skip
    assert commentary_blocks({"commentary": "Only English here"})[0].lang == "en"
    assert commentary_blocks({"commentary": "한국어만 있음"})[0].lang == "ko"
    machine = commentary_blocks({"machine_summary": "By a model."})
    assert machine[0].machine and machine[0].lang == "en"


def test_papers_carry_every_live_mention_signals_and_links() -> None:
    papers = {p.paper_id: p for p in site_papers(PAPERS_FRAME, MENTIONS_FRAME)}
    assert set(papers) == {"2401.00001", "hep-th/9901001"}  # m5 names no paper
    tiny = papers["2401.00001"]
    assert [m.mention_id for m in tiny.mentions] == ["m2", "m1"]  # m4 is deleted
    assert tiny.mentions[0].signals == (("upvotes", "42"),)
    assert dict((label, url) for label, url in tiny.links) == {
        "arXiv": "https://arxiv.org/abs/2401.00001",
        "PDF": "https://arxiv.org/pdf/2401.00001",
        "DOI": "https://doi.org/10.1/x%20y",
        "code": "https://github.com/x/tiny",
    }
    assert tiny.sources == ("hf", "vault") and tiny.days == (date(2024, 1, 3),)


def test_days_tags_months_and_the_busiest_window() -> None:
    papers = site_papers(PAPERS_FRAME, MENTIONS_FRAME)
    listings = site_listings(papers, paper_days(MENTIONS_FRAME, PAPERS_FRAME), window_days=30)
    assert list(listings.days) == [date(2024, 1, 3), date(2023, 11, 30)]
    [entry] = listings.days[date(2024, 1, 3)]  # one paper that day, from two sources
    assert [m.source_id for m in entry.mentions] == ["hf", "vault"]
    assert listings.tag_months["llm"] == [("2023-11", 1), ("2023-12", 0), ("2024-01", 2)]
    # 30 days up to 2024-01-03 start on 2023-12-05: the November mention is outside.
    assert listings.busiest == [("llm", 2)]
    assert [p.paper_id for p in listings.tags["llm"]] == ["2401.00001", "hep-th/9901001"]


def test_the_chart_is_svg_with_a_bar_and_a_tooltip_per_month() -> None:
    svg = month_chart([("2024-01", 3), ("2024-02", 0), ("2024-03", 6)], 'a"<b>')
    root = ET.fromstring(svg)
    bars = root.findall("{http://www.w3.org/2000/svg}rect")
    assert [b.find("{http://www.w3.org/2000/svg}title").text for b in bars] == [
        "2024-01: 3", "2024-02: 0", "2024-03: 6",
    ]  # fmt: skip
    assert [float(b.get("height")) for b in bars][1:] == [0.0, 110.0]  # the peak is full
    assert root.get("aria-label").startswith('Mentions of #a"<b> per month: 9')
    assert month_chart([], "x") == ""


def test_linkify_escapes_text_and_links_only_urls() -> None:
    html = str(linkify('<b>x</b> see https://example.org/a."onmouseover="alert(1) & more'))
    assert html.startswith("&lt;b&gt;x&lt;/b&gt; see ")
    assert '<a href="https://example.org/a" rel="nofollow noopener">' in html
    assert "&#34;onmouseover=&#34;alert(1) &amp; more" in html
    assert str(linkify("javascript:alert(1)")) == "javascript:alert(1)"  # text, no link


def test_the_search_index_cannot_end_its_script() -> None:
    papers = site_papers(
        PAPERS_FRAME.with_columns(title=pl.lit("</script>\u2028<script>alert(1)</script>")),
        MENTIONS_FRAME,
    )
    script = search_index_script(papers).decode()
    assert "<" not in script and "\u2028" not in script
    data = json.loads(script.removeprefix("window.DIGESTLAKE_INDEX = ").removesuffix(";\n"))
    assert data["docs"][0]["t"] == "</script>\u2028<script>alert(1)</script>"
    assert [d["u"] for d in data["docs"]] == [
        "papers/2401.00001.html", "papers/hep-th-9901001.html",
    ]  # fmt: skip


def build(mentions: pl.DataFrame) -> dict[str, dict[str, bytes]]:
    citations = {"2401.00001": Citation("@misc{kim2024tiny,\n}\n", None)}
    item = b'<guid isPermaLink="false">urn:digestlake:paper:2401.00001:2024-01-03</guid>'
    feeds = {"all.xml": item, "all.atom": b"", "llm.xml": item, "index.opml": b""}
    return site_files(
        PAPERS_FRAME, mentions, paper_days(mentions, PAPERS_FRAME), citations=citations, feeds=feeds,
        slugs={"llm": "llm", "strings": "strings"},
    )  # fmt: skip


def test_a_publish_rewrites_only_the_pages_that_changed(tmp_path: Path) -> None:
    out = Location(tmp_path)
    first = build(MENTIONS_FRAME)
    assert first == build(MENTIONS_FRAME)  # the same lake, the same bytes
    assert len(write_site(out, first).written) == sum(len(f) for f in first.values())
    assert not write_site(out, first).written
    edited = MENTIONS_FRAME.with_columns(
        commentary=pl.when(pl.col("mention_id") == "m3")
        .then(pl.lit("Edited commentary"))
        .otherwise("commentary")
    )
    changed = write_site(out, build(edited))
    assert sorted(Path(p).relative_to(tmp_path).as_posix() for p in changed.written) == [
        "site/days/2023-11-30.html", "site/papers/hep-th-9901001.html", "site/search-index.js",
    ]  # fmt: skip
    gone = write_site(out, build(MENTIONS_FRAME.filter(pl.col("mention_id") != "m3")))
    assert "site/papers/hep-th-9901001.html" in {
        Path(p).relative_to(tmp_path).as_posix() for p in gone.removed
    }


def test_pages_read_without_script_and_announce_their_feeds(tmp_path: Path) -> None:
    files = build(MENTIONS_FRAME)
    page = files["papers"]["2401.00001.html"].decode()
    assert "<h1>Tiny Experts</h1>" in page and '<div class="commentary" lang="ko">' in page
    assert '<div class="commentary" lang="en">' in page and "Machine-written summary" in page
    assert "@misc{kim2024tiny," in page and "<dt>upvotes</dt><dd>42</dd>" in page
    assert '<link rel="alternate" type="application/rss+xml" title="#llm (RSS)" href="../../feeds/llm.xml">' in page  # fmt: skip
    assert 'title="All papers (Atom)" href="../../feeds/all.atom">' in page
    old = files["papers"]["hep-th-9901001.html"].decode()  # in no feed: announces none
    assert '<link rel="alternate"' not in old and "In the feeds" not in old
    assert re.findall(r"<script[^>]*>(.+?)</script>", page, re.S) == []  # no inline script
    tag = files["tags"]["llm.html"].decode()
    assert "<svg" in tag and 'href="../papers/hep-th-9901001.html"' in tag
    assert 'href="../../feeds/llm.xml"' in tag and "strings.xml" not in tag  # no such feed


def test_serve_reports_where_the_exports_are_served_or_why_not(tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text("<h1>site</h1>")

    def config(port: int, exports: Path | str = tmp_path) -> Config:
        return Config(tmp_path / "lake", exports, tmp_path, exports=ExportsConfig(serve_port=port))

    with serving_exports(tmp_path, 0) as server:
        port = server.server_address[1]
        with urlopen(f"http://127.0.0.1:{port}/site/index.html") as answer:
            assert answer.headers["Content-Type"] == "text/html; charset=utf-8"
            assert answer.read() == b"<h1>site</h1>"
        with exports_http(config(port)) as taken:  # the port is busy: said, not fatal
            assert taken.startswith(f"exports not served over HTTP: 127.0.0.1:{port}: ")
    with exports_http(config(port)) as where:
        assert where == f"serving {tmp_path} at http://127.0.0.1:{port}/ (the site: site/)"
    with exports_http(config(0)) as off, exports_http(config(8000, "s3://b/x")) as remote:
        assert "serve_port = 0" in off and "s3://b/x is not a local folder" in remote
