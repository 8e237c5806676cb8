"""The site as a reader meets it: the vault, DAIR.AI's weekly list, a recorded HF day and a
planted hostile digest ingested and published once, then opened in headless Chromium (Debian's
chromium + chromium-driver, driven by selenium) from file:// and from ``digestlake serve``'s
exports server on 127.0.0.1."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlsplit
from urllib.request import url2pathname, urlopen

import polars as pl
import pytest
from conftest import BUNDLE, CORPUS, MEASUREMENTS, ROOT, config_for, need_shared
from httpserver import Route
from standin_feeds import serve_feeds

from digestlake.lake.store import Lake
from digestlake.pipeline.config import SourceConfig
from digestlake.pipeline.ingest import ingest
from digestlake.pipeline.publish import publish
from digestlake.pipeline.runner import SingleWriterRunner
from digestlake.pipeline.serve_exports import serving_exports
from digestlake.sources.http import HttpPolicy

DAIR = CORPUS / "ml-papers-of-the-week.bundle"
HF_DAY = ROOT / "tests/data/hf/daily_papers_2024-10-25.json"
NOW = datetime(2025, 8, 1, tzinfo=UTC)
# A digest an attacker wrote: markup in every field, script URLs, an attribute break-out.
# Any of it that ran would set window.__pwned (or open an alert).
HOSTILE = """2024년 5월 2일
<script>window.__pwned = "title"; alert(1)</script> Planted Hostile Title
(Eve <img src=x onerror="window.__pwned='author'">, Mallory)
An abstract with <iframe src="javascript:window.__pwned='abstract'"></iframe> in it.
이 논문은 <a href="javascript:window.__pwned='a'">여기</a> javascript:window.__pwned='link' https://example.org/"onmouseover="window.__pwned='attr'
#xss-probe #security
"""
HOSTILE_TITLE = '<script>window.__pwned = "title"; alert(1)</script> Planted Hostile Title'


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One lake of four sources, published twice; what the tests need to know about it."""
    need_shared(BUNDLE), need_shared(DAIR)
    root = tmp_path_factory.mktemp("site")
    (root / "hostile").mkdir()
    (root / "hostile" / "2024-05-02.txt").write_text(HOSTILE, encoding="utf-8")
    with serve_feeds({"/api/daily_papers?date=2024-10-25": Route(HF_DAY.read_bytes())}) as hf:
        sources = [
            SourceConfig("vault", "vault", path=str(BUNDLE)),
            SourceConfig("dair", "links", path=str(DAIR)),
            SourceConfig("hf", "hf-daily", url=hf.base_url, start="2024-10-25", end="2024-10-25"),
            SourceConfig("planted", "digest", path=str(root / "hostile")),
        ]  # fmt: skip
        config = config_for(root / "lake", sources, cache=root / "cache")
        config = dataclasses.replace(config, http=HttpPolicy(min_interval_s=0))
        report = ingest(config, now=NOW, runner=SingleWriterRunner())
    assert [s.status for s in report.sources] == ["ok"] * 4
    started = time.perf_counter()
    first = publish(config, now=NOW)
    took = time.perf_counter() - started
    second = publish(config, now=NOW)
    exports = Path(config.exports_path)
    pages = len(list((exports / "site").rglob("*.html")))
    MEASUREMENTS.append(
        f"site: {pages} pages, search index "
        f"{(exports / 'site/search-index.js').stat().st_size / 1e6:.2f} MB; "
        f"whole publish {took:.1f} s"
    )
    mentions = Lake(root / "lake").read("mentions").filter(~pl.col("deleted"))
    return {"exports": exports, "mentions": mentions, "first": first, "second": second}


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver):
        pytest.skip(
            "Debian's chromium and chromium-driver are not installed (.ci/run installs them)"
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    options.add_argument("--window-size=1000,1400")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    chrome = webdriver.Chrome(service=Service(driver), options=options)
    chrome.set_page_load_timeout(30)
    yield chrome
    chrome.quit()


@pytest.fixture(scope="module")
def http_base(site: dict) -> Iterator[str]:
    with serving_exports(site["exports"], 0) as server:
        yield f"http://127.0.0.1:{server.server_address[1]}/site/"


@pytest.fixture(params=["file", "http"])
def base(request: pytest.FixtureRequest, site: dict) -> str:
    """The site's root URL, opened from disk or from the exports server."""
    if request.param == "file":
        return (site["exports"] / "site").as_uri() + "/"
    return request.getfixturevalue("http_base")


def resolves(url: str) -> bool:
    """Whether a link the browser resolved names a file the exports hold."""
    if url.startswith("file://"):
        return Path(url2pathname(urlsplit(url).path)).is_file()
    with urlopen(url) as answer:
        return answer.status == 200 and answer.read().startswith(b"<?xml")


def console_errors(browser) -> list[dict]:
    return [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]


def by_css(browser, selector: str):
    from selenium.webdriver.common.by import By

    return browser.find_elements(By.CSS_SELECTOR, selector)


def wait_until(browser, predicate, what: str):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, 10).until(lambda _: predicate(), message=what)


def two_digest_paper(mentions: pl.DataFrame) -> dict:
    """A real paper with a vault note and a DAIR.AI row, the vault's title."""
    both = (
        mentions.filter(pl.col("paper_id").is_not_null())
        .group_by("paper_id")
        .agg(pl.col("source_id").unique().alias("sources"))
        .filter(pl.col("sources").list.contains("vault") & pl.col("sources").list.contains("dair"))
        .sort("paper_id")
    )
    assert both.height > 300  # the 322 papers both real digests name (issue 13)
    paper_id = both["paper_id"][len(both) // 2]
    note = mentions.filter((pl.col("paper_id") == paper_id) & (pl.col("source_id") == "vault"))
    return {"paper_id": paper_id, "title": note["title"][0]}


def test_every_paper_has_a_page_and_a_second_publish_writes_nothing(site: dict) -> None:
    named = site["mentions"]["paper_id"].drop_nulls().n_unique()
    assert len(list((site["exports"] / "site/papers").glob("*.html"))) == named
    assert site["first"].files.written and not site["second"].files.written


def test_the_index_lists_the_newest_day_and_busiest_tags(browser, base: str, site: dict) -> None:
    newest = site["mentions"].filter(pl.col("paper_id").is_not_null())["digest_date"].max()
    browser.get(base + "index.html")
    days = by_css(browser, "section.day h2")
    assert days and days[0].get_attribute("id") == f"day-{newest.isoformat()}"
    assert by_css(browser, "ol.busiest li a")  # the last 30 days up to the newest day
    browser.save_screenshot(str(site["exports"].parent / f"index-{base[:4]}.png"))
    by_css(browser, "section.day a[href^='papers/']")[0].click()  # a paper of the newest day
    wait_until(browser, lambda: by_css(browser, "article.paper h1"), "its page")
    feed = by_css(browser, "link[rel='alternate'][href$='feeds/all.xml']")  # it is in all.xml
    assert feed and resolves(feed[0].get_attribute("href"))
    assert not console_errors(browser)


def test_a_search_by_keyboard_finds_a_real_title(browser, base: str, site: dict) -> None:
    from selenium.webdriver.common.keys import Keys

    paper = two_digest_paper(site["mentions"])
    browser.get(base + "index.html")
    by_css(browser, "body")[0].send_keys("/")  # the shortcut focuses the search field
    field = browser.switch_to.active_element
    assert field.get_attribute("id") == "site-q"
    field.send_keys(paper["title"], Keys.ENTER)
    wait_until(browser, lambda: by_css(browser, "#results a"), "search results")
    first = by_css(browser, "#results a")[0]
    assert first.text == paper["title"]
    first.send_keys(Keys.ENTER)  # a result is a link: Enter opens it
    wait_until(browser, lambda: by_css(browser, "article.paper h1"), "the paper page")
    assert by_css(browser, "article.paper h1")[0].text == paper["title"]
    assert not console_errors(browser)


def test_the_tag_source_and_date_filters_narrow_the_list(browser, base: str, site: dict) -> None:
    from selenium.webdriver.support.ui import Select

    browser.get(base + "search.html?q=model")
    status = by_css(browser, "#status")[0]
    wait_until(browser, lambda: status.text, "a result count")
    everything = int(status.text.split()[0])
    Select(by_css(browser, "#tag")[0]).select_by_value("llm")
    narrowed = int(by_css(browser, "#status")[0].text.split()[0])
    assert 0 < narrowed < everything
    shown = by_css(browser, "#results li .authors")
    assert shown and all("#llm" in s.text.split() for s in shown)
    # The source and date filters, from the address as a bookmark would give them.
    hf = site["mentions"].filter(pl.col("source_id") == "hf")["paper_id"].n_unique()
    browser.get(base + "search.html?source=hf&from=2024-10-25&to=2024-10-25")
    wait_until(browser, lambda: by_css(browser, "#status")[0].text, "a result count")
    assert by_css(browser, "#status")[0].text == f"{hf} papers"
    browser.get(base + "search.html?source=hf&from=2024-10-26")
    assert by_css(browser, "#status")[0].text == "0 papers"
    assert not console_errors(browser)


def test_a_paper_seen_in_two_digests_shows_both_mentions(browser, base: str, site: dict) -> None:
    paper = two_digest_paper(site["mentions"])
    slug = re.sub(r"[^A-Za-z0-9.]+", "-", paper["paper_id"])
    browser.get(base + f"papers/{slug}.html")
    sources = {a.text for a in by_css(browser, "article.mention h3 a[href*='sources/']")}
    assert {"vault", "dair"} <= sources
    assert by_css(browser, "article.mention .commentary[lang='ko']")  # the note's Korean
    bibtex, csl = (c.get_attribute("textContent") for c in by_css(browser, "pre.copy code"))
    key = bibtex.split("{", 1)[1].split(",", 1)[0]
    assert bibtex.startswith("@") and paper["paper_id"] in bibtex
    [item] = json.loads(csl)  # the CSL-JSON to paste into Zotero: the same key
    assert item["id"] == key and item["number"] == paper["paper_id"]
    assert by_css(browser, "button.copy-button")  # the script adds a copy button
    browser.save_screenshot(str(site["exports"].parent / f"paper-{base[:4]}.png"))
    assert not console_errors(browser)


def test_a_planted_script_title_shows_as_text_and_never_runs(browser, base: str) -> None:
    from selenium.common.exceptions import NoAlertPresentException

    browser.get(base + "search.html?q=" + quote("planted hostile"))
    wait_until(browser, lambda: by_css(browser, "#results a"), "the planted paper")
    assert by_css(browser, "#results a")[0].text == HOSTILE_TITLE
    by_css(browser, "#results a")[0].click()
    wait_until(browser, lambda: by_css(browser, "article.paper h1"), "its page")
    assert by_css(browser, "article.paper h1")[0].text == HOSTILE_TITLE
    for page in ("", "days/2024-05-02.html", "tags/xss-probe.html"):
        if page:
            browser.get(base + page)
        hrefs = [a.get_attribute("href") or "" for a in by_css(browser, "a")]
        assert not [h for h in hrefs if h.lower().startswith("javascript:")]
        assert not by_css(browser, "[onerror], [onmouseover], iframe, img")
        assert browser.execute_script("return window.__pwned === undefined")
        with pytest.raises(NoAlertPresentException):
            browser.switch_to.alert.text  # noqa: B018 (an alert would be there)
    assert not console_errors(browser)
