"""kind = "hf-daily": a real recorded day of Hugging Face Daily Papers served by a stand-in on
127.0.0.1, one request per day, a backfill, the refresh window, signals per mention."""

from __future__ import annotations

import copy
import dataclasses
import json
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest
from conftest import ROOT, config_for
from httpserver import Route
from standin_feeds import serve_feeds

from digestlake.lake.store import Lake
from digestlake.pipeline.config import ConfigError, SourceConfig, load_config
from digestlake.pipeline.ingest import ingest
from digestlake.pipeline.runner import SingleWriterRunner
from digestlake.sources.cursors import DayCursor
from digestlake.sources.hf_daily import days_to_read
from digestlake.sources.http import HttpPolicy

RECORDED = json.loads((ROOT / "tests/data/hf/daily_papers_2024-10-25.json").read_text())
QUICK = HttpPolicy(min_interval_s=0, retry_budget_s=0, timeout_s=2, deadline_s=2)
API = "/api/daily_papers?date="


def today_format(upvotes: int) -> list[dict]:
    """The recorded day's first paper as HF's API gives a paper today (the fields added
    since 2024: code, project page, organisation, AI keywords and summary)."""
    record = copy.deepcopy(RECORDED[0])
    record["paper"] |= {
        "upvotes": upvotes,
        "githubRepo": "https://github.com/DAMO-NLP-SG/Inf-CLIP",
        "githubStars": 250,
        "projectPage": "https://example.org/inf-clip",
        "ai_summary": "A tiled contrastive loss scales batch sizes to millions.",
        "ai_keywords": ["contrastive loss", "tile-based computation"],
        "organization": {"name": "DAMO-NLP-SG", "fullname": "DAMO Academy"},
    }
    return [record, {"paper": {"id": "2410.99999", "title": ["not", "a string"]}}]


def run(lake: Path, source: SourceConfig, now: datetime):
    config = dataclasses.replace(config_for(lake, [source]), http=QUICK)
    return ingest(config, now=now, runner=SingleWriterRunner())


def test_the_days_read_are_after_the_cursor_with_the_refresh_window() -> None:
    source = SourceConfig("hf", "hf-daily", url="x", start="2024-10-01", refresh_days=2)
    today = date(2024, 10, 5)
    assert len(days_to_read(source, None, today)) == 5
    assert days_to_read(source, DayCursor("2024-10-04"), today) == [
        date(2024, 10, 3), date(2024, 10, 4), date(2024, 10, 5),
    ]  # fmt: skip
    ended = dataclasses.replace(source, end="2024-10-02", refresh_days=0)
    assert days_to_read(ended, DayCursor("2024-10-02"), today) == []


def test_a_backfill_and_a_refresh_update_signals_and_add_no_mention(tmp_path: Path) -> None:
    routes = {
        API + "2024-10-24": Route(b"[]"),
        API + "2024-10-25": Route(json.dumps(RECORDED).encode()),
        API + "2024-10-26": [
            Route(json.dumps(today_format(upvotes=10)).encode()),
            Route(json.dumps(today_format(upvotes=99)).encode()),
        ],
    }
    with serve_feeds(routes) as served:
        source = SourceConfig(
            "hf", "hf-daily", url=served.base_url, start="2024-10-24", end="2024-10-26"
        )
        first = run(tmp_path / "lake", source, datetime(2024, 10, 27, tzinfo=UTC))
        assert [p for p, _ in served.requests] == list(routes)  # one request per day
        second = run(tmp_path / "lake", source, datetime(2024, 10, 28, tzinfo=UTC))
    assert (first.sources[0].new, first.sources[0].quarantined) == (3, 1)
    assert first.sources[0].problems == [
        f"{served.base_url}{API}2024-10-26#2: paper.title is list: ['not', 'a string']"
    ]
    assert (second.sources[0].new, second.sources[0].updated) == (0, 1)
    m = Lake(tmp_path / "lake").read("mentions").sort("digest_date", "position")
    assert m.height == 3
    recorded = m.row(0, named=True)
    assert recorded["arxiv_id"] == "2410.17243" and recorded["digest_date"] == date(2024, 10, 25)
    assert (recorded["upvotes"], recorded["comments"], recorded["submitter"]) == (64, 3, "ClownRat")
    assert recorded["abstract"].startswith("Contrastive loss is a powerful approach")
    assert recorded["authors"][:2] == ["Zesen Cheng", "Hang Zhang"]
    assert recorded["commentary"] is None and recorded["machine_summary"] is None
    today = m.filter(pl.col("digest_date") == date(2024, 10, 26)).row(0, named=True)
    assert today["upvotes"] == 99  # refreshed in place
    assert today["github_repo"] == "https://github.com/DAMO-NLP-SG/Inf-CLIP"
    assert (today["github_stars"], today["organization"]) == (250, "DAMO-NLP-SG")
    assert today["ai_keywords"] == ["contrastive loss", "tile-based computation"]
    assert today["machine_summary"].startswith("A tiled contrastive loss")
    assert today["commentary"] is None  # HF's summary is never a digest author's commentary
    assert today["paper_id"] == recorded["paper_id"] == "2410.17243"  # one paper, two days


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('kind = "hf-daily"', "start \\(needed\\)"),
        ('kind = "hf-daily"\nstart = "2024-10-25"\nend = "2024-10-01"', "end is before start"),
        ('kind = "hf-daily"\nstart = "2024-10-25"\nrefresh_days = "3"', "expected a whole number"),
        ('kind = "hf-daily"\nstart = "2024-10-25"\npath = "days"', "has a url"),
        (
            'kind = "feed"\nurl = "https://x.org/f"\nannounce_types = ["new", "old"]',
            "not \\['old'\\]",
        ),
        ('kind = "feed"\nurl = "https://x.org/f"\nannounce_types = "new"', "a list of strings"),
        ('kind = "feed"\nurl = "https://x.org/f"\ntimezone = "Mars/Base"', "unknown time zone"),
    ],
)
def test_source_options_are_checked_when_the_config_loads(
    tmp_path: Path, entry: str, message: str
) -> None:
    (tmp_path / "digestlake.toml").write_text(f'[[sources]]\nname = "s"\n{entry}\n')
    with pytest.raises(ConfigError, match=message):
        load_config(tmp_path / "digestlake.toml", env={})


def test_an_hf_daily_source_reads_hugging_face_unless_told_otherwise(tmp_path: Path) -> None:
    (tmp_path / "digestlake.toml").write_text(
        '[[sources]]\nname = "hf"\nkind = "hf-daily"\nstart = "2024-10-25"\n'
        '[[sources]]\nname = "cs"\nkind = "feed"\nurl = "https://rss.arxiv.org/rss/cs.CL"\n'
        'announce_types = ["new", "cross"]\ntimezone = "America/New_York"\n'
    )
    hf, cs = load_config(tmp_path / "digestlake.toml", env={}).sources
    assert (hf.url, hf.refresh_days, hf.end) == ("https://huggingface.co", 3, None)
    assert (cs.announce_types, cs.timezone) == (("new", "cross"), "America/New_York")
