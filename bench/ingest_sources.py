"""Benchmark: the feed and links sources through the ingest verb, as ratios to feedparser.

- DAIR.AI's weekly list (../shared/corpus/ml-papers-of-the-week.bundle) ingested as a links
  source: its whole history at once, and commit by commit (the last ``--commits`` commits,
  one ingest each, after an ingest of the commit before them);
- 10,000 feed items (arXiv listing items, 2 files of 5,000) ingested from a folder.

Each is the whole ``ingest`` (read, parse, merge, reconcile, write the lake), timed beside a
bare ``feedparser.parse`` of the same bytes (for DAIR.AI: the README at each commit read;
feedparser reads Markdown as it reads a broken feed, one pass over the bytes). Best of
``--runs``, interleaved with the baseline so both see the same machine.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import feedparser
from common import need, options

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from digestlake.pipeline.config import ArxivConfig, Config, SourceConfig  # noqa: E402
from digestlake.pipeline.ingest import ingest  # noqa: E402
from digestlake.pipeline.runner import SingleWriterRunner  # noqa: E402

DAIR = ROOT.parent / "shared" / "corpus" / "ml-papers-of-the-week.bundle"
NOW = datetime(2025, 8, 1, tzinfo=UTC)


def ingest_once(work: Path, source: SourceConfig) -> float:
    config = Config(
        lake_path=work / "lake", exports_path=work / "exports", cache_path=work / "cache",
        sources=[source], arxiv=ArxivConfig(enabled=False),
    )  # fmt: skip
    t0 = time.perf_counter()
    report = ingest(config, now=NOW, runner=SingleWriterRunner())
    elapsed = time.perf_counter() - t0
    if report.failed:
        sys.exit(f"ingest failed: {report.failed[0].error}")
    return elapsed


def bare_parse(bodies: list[bytes]) -> float:
    t0 = time.perf_counter()
    for body in bodies:
        feedparser.parse(io.BytesIO(body))
    return time.perf_counter() - t0


def listing(n: int, start: int) -> bytes:
    items = "".join(
        f"<item><title>Paper {i}</title><link>https://arxiv.org/abs/2406.{i:05d}</link>"
        f"<description>arXiv:2406.{i:05d}v1 Announce Type: new \nAbstract: We study "
        f"problem {i} &amp; show &lt;em&gt;results&lt;/em&gt;.</description>"
        f'<guid isPermaLink="false">oai:arXiv.org:2406.{i:05d}v1</guid>'
        f"<category>cs.CL</category><pubDate>Tue, 18 Jun 2024 00:00:00 -0400</pubDate>"
        f"<arxiv:announce_type>new</arxiv:announce_type>"
        f"<dc:creator>Ada Lovelace, Alan Turing, Grace Hopper</dc:creator></item>"
        for i in range(start, start + n)
    )
    return (
        '<?xml version="1.0"?><rss version="2.0" xmlns:arxiv="http://arxiv.org/schemas/atom" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>cs.CL updates on '
        f"arXiv.org</title>{items}</channel></rss>"
    ).encode()


def readme_at(repo: Path, sha: str) -> bytes:
    return subprocess.run(
        ["git", "-C", str(repo), "show", f"{sha}:README.md"], capture_output=True, check=True
    ).stdout


def fresh(work: Path) -> None:
    shutil.rmtree(work / "lake", ignore_errors=True)


def main() -> None:
    args = options(__doc__, runs=3, commits=30)
    need(DAIR, "DAIR.AI's weekly list")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        clone = work / "dair"
        subprocess.run(["git", "clone", "-q", str(DAIR), str(clone)], check=True)
        shas = subprocess.run(
            ["git", "-C", str(clone), "rev-list", "--reverse", "HEAD"],
            capture_output=True, text=True, check=True,
        ).stdout.split()  # fmt: skip
        head = readme_at(clone, shas[-1])
        feeds = work / "feeds"
        feeds.mkdir()
        bodies = [listing(5000, 1 + 5000 * k) for k in range(2)]
        for k, body in enumerate(bodies):
            (feeds / f"cs.CL-{k}.xml").write_bytes(body)
        steps = shas[-args.commits :]
        step_bodies = [readme_at(clone, sha) for sha in steps]

        whole, whole_base, feed, feed_base, step, step_base = ([] for _ in range(6))
        for _ in range(args.runs):
            fresh(work)
            whole.append(ingest_once(work, SourceConfig("dair", "links", path=str(clone))))
            whole_base.append(bare_parse([head]))
            fresh(work)
            feed.append(ingest_once(work, SourceConfig("cs", "feed", path=str(feeds))))
            feed_base.append(bare_parse(bodies))
        fresh(work)
        before = SourceConfig("dair", "links", path=str(clone), rev=shas[-args.commits - 1])
        ingest_once(work, before)
        for sha in steps:
            step.append(ingest_once(work, SourceConfig("dair", "links", path=str(clone), rev=sha)))
        step_base.append(bare_parse(step_bodies))

    best = f"best of {args.runs}"
    print(f"DAIR.AI whole history ({len(shas)} commits, README {len(head):,} bytes, {best}):")
    print(f"  ingest {min(whole):.3f} s; feedparser.parse of the README {min(whole_base):.3f} s;"
          f" ratio {min(whole) / min(whole_base):.2f}x")  # fmt: skip
    print(f"DAIR.AI commit by commit (the last {len(steps)} commits, one ingest each):")
    print(f"  ingest {sum(step):.3f} s = {sum(step) / len(step) * 1000:.0f} ms a commit;"
          f" feedparser.parse of each commit's README {sum(step_base):.3f} s;"
          f" ratio {sum(step) / sum(step_base):.2f}x")  # fmt: skip
    size = sum(map(len, bodies))
    print(f"10,000 feed items (arXiv listing items, {size:,} bytes, {best}):")
    print(f"  ingest {min(feed):.3f} s = {10_000 / min(feed):,.0f} items/s;"
          f" feedparser.parse {min(feed_base):.3f} s;"
          f" ratio {min(feed) / min(feed_base):.2f}x")  # fmt: skip


if __name__ == "__main__":
    main()
