"""Site build time for the real vault and DAIR.AI's list: pages per second, the search index's
size, and a second build that writes no file.

Ingests both into a temporary lake, then times ``site_files`` (render) and ``write_site``
(write), a first build into an empty folder and a second into the same one.
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from common import need, options

from digestlake.core.location import Location
from digestlake.exports.files import tag_slugs
from digestlake.exports.site import site_files, write_site
from digestlake.lake.store import Lake
from digestlake.pipeline.ingest import ingest
from digestlake.pipeline.runner import SingleWriterRunner
from digestlake.sources.spec import SourceConfig
from digestlake.transforms.paper_days import paper_days

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
sys.path.insert(0, str(ROOT / "tests"))
from conftest import config_for  # noqa: E402  (the tests' Config for a lake and sources)


def build(lake: Lake, out: Location) -> tuple[float, float, dict[str, dict[str, bytes]], int]:
    started = time.perf_counter()
    mentions, papers = lake.read("mentions"), lake.read("papers")
    tags = [t for ts in mentions["tags"].to_list() if ts for t in ts]
    days = paper_days(mentions, papers)
    files = site_files(papers, mentions, days, citations={}, feeds={}, slugs=tag_slugs(tags))
    rendered = time.perf_counter()
    changes = write_site(out, files)
    return rendered - started, time.perf_counter() - rendered, files, len(changes.written)


def bare_write(files: dict[str, dict[str, bytes]], folder: Path) -> float:
    """The baseline: the same bytes written with ``Path.write_bytes`` into an empty folder
    (no comparison, no temp file and rename, no manifest)."""
    started = time.perf_counter()
    for sub, named in files.items():
        (folder / sub).mkdir(parents=True, exist_ok=True)
        for name, data in named.items():
            (folder / sub / name).write_bytes(data)
    return time.perf_counter() - started


def main() -> None:
    args = options(__doc__, repeat=1)
    need(CORPUS / "arxiv-today.bundle", "the note vault")
    need(CORPUS / "ml-papers-of-the-week.bundle", "DAIR.AI's weekly list")
    with tempfile.TemporaryDirectory() as tmp:
        sources = [
            SourceConfig("vault", "vault", path=str(CORPUS / "arxiv-today.bundle")),
            SourceConfig("dair", "links", path=str(CORPUS / "ml-papers-of-the-week.bundle")),
        ]
        config = config_for(Path(tmp) / "lake", sources, cache=Path(tmp) / "cache")
        ingest(config, now=datetime(2025, 8, 1, tzinfo=UTC), runner=SingleWriterRunner())
        lake, out = Lake(Path(tmp) / "lake"), Location(Path(tmp) / "exports")
        for run in range(args.repeat):
            writes = []
            for label in ("first build", "second build"):
                render, write, files, written = build(lake, out)
                writes.append(write)
                pages = sum(1 for f in files.values() for name in f if name.endswith(".html"))
                print(
                    f"{label}: render {render:.2f} s + write {write:.2f} s = "
                    f"{render + write:.2f} s, {pages} pages ({pages / (render + write):,.0f}/s), "
                    f"{written} files written; search index "
                    f"{len(files['']['search-index.js']) / 1e6:.2f} MB"
                )
            bare = bare_write(files, Path(tmp) / f"bare-{run}")
            print(
                f"baseline: the same files with Path.write_bytes {bare:.2f} s; the first "
                f"build's write is {writes[0] / bare:.2f}x it"
            )
            if run + 1 < args.repeat:
                out = Location(Path(tmp) / f"exports-{run}")


if __name__ == "__main__":
    main()
