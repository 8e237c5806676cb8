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

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
sys.path.insert(0, str(ROOT / "tests"))
from conftest import config_for  # noqa: E402  (the tests' Config for a lake and sources)


def build(lake: Lake, out: Location) -> tuple[float, float, int, int, int]:
    started = time.perf_counter()
    mentions, papers = lake.read("mentions"), lake.read("papers")
    tags = [t for ts in mentions["tags"].to_list() if ts for t in ts]
    files = site_files(
        papers, mentions, citations={}, feed_names={"all.xml"}, slugs=tag_slugs(tags)
    )
    rendered = time.perf_counter()
    changes = write_site(out, files)
    written = time.perf_counter()
    pages = sum(1 for folder in files.values() for name in folder if name.endswith(".html"))
    index = len(files[""]["search-index.js"])
    return rendered - started, written - rendered, pages, index, len(changes.written)


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
            for label in ("first build", "second build"):
                render, write, pages, index, written = build(lake, out)
                print(
                    f"{label}: render {render:.2f} s + write {write:.2f} s = "
                    f"{render + write:.2f} s, {pages} pages ({pages / (render + write):,.0f}/s), "
                    f"{written} files written; search index {index / 1e6:.2f} MB"
                )
            if run + 1 < args.repeat:
                out = Location(Path(tmp) / f"exports-{run}")


if __name__ == "__main__":
    main()
