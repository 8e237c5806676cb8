"""Benchmark: resolving digest titles to arXiv ids by title search, precision and recall.

The stand-in arXiv (tests/standin_arxiv.py, on 127.0.0.1) is loaded with the papers of the
real vault (../shared/corpus/arxiv-today.bundle); the entries of the 530 corpus digest days are
resolved with their titles perturbed the way real titles differ from arXiv's (case,
punctuation, LaTeX, a dropped question mark, a cut subtitle), one perturbation per title,
seeded. The expected ids come from corpus/expected. Targets (issue 4): precision >= 99.5%,
recall >= 97%, requests per resolved title <= 0.3.
"""

from __future__ import annotations

import dataclasses
import json
import random
import re
import sys
import tempfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
from common import need, options

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from conftest import config_for, ingest_into  # noqa: E402
from standin_arxiv import Paper, StandIn, serve_standin  # noqa: E402

from digestlake.lake.store import Lake  # noqa: E402
from digestlake.pipeline.config import ArxivConfig, SourceConfig  # noqa: E402
from digestlake.pipeline.enrich import enrich  # noqa: E402
from digestlake.pipeline.extract import SourceBatch  # noqa: E402
from digestlake.pipeline.ingest import commit_batches  # noqa: E402
from digestlake.transforms.digest import parse_digest  # noqa: E402
from digestlake.transforms.mentions import MentionInput, digest_identity, mentions_frame  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def perturb(title: str, rng: random.Random) -> tuple[str, str]:
    kinds = ["none", "case", "punctuation", "latex", "question", "subtitle"]
    kind = rng.choice(kinds)
    if kind == "case":
        return (title.lower() if rng.random() < 0.5 else title.title()), kind
    if kind == "punctuation":
        return re.sub(r"[:,\-–—()!?']", " ", title), kind
    if kind == "latex":
        if "$" in title:
            return re.sub(r"\$\\infty\$", "∞", title.replace("$", "")), kind
        return title.replace("-", "--", 1) if "-" in title else f"{{{title}}}", kind
    if kind == "question":
        return (title.rstrip("?") if title.endswith("?") else title + "?"), kind
    if kind == "subtitle" and ":" in title:
        return title.split(":", 1)[0].strip(), kind
    return title, "none"


def standin_from_vault(work: Path) -> StandIn:
    lake = Lake(work / "vault-lake")
    source = SourceConfig("v", "vault", path=str(CORPUS / "arxiv-today.bundle"))
    ingest_into(lake, [source], NOW, work / "cache")
    standin = StandIn()
    for row in lake.read("papers").filter(pl.col("arxiv_id").is_not_null()).iter_rows(named=True):
        authors = [(a["name"], []) for a in row["authors"]] or [("Anonymous", [])]
        standin.add(Paper(row["arxiv_id"], row["title"] or row["arxiv_id"], authors))
    return standin


def digest_lake(work: Path, seed: int) -> tuple[Lake, dict[str, str | None], dict[str, str]]:
    """The corpus entries, titles perturbed, as mentions of a lake; their expected ids."""
    rng = random.Random(seed)
    inputs, expected, kinds = [], [], []
    for path in sorted((CORPUS / "digests").glob("*.txt")):
        rows = [json.loads(x) for x in (CORPUS / "expected" / f"{path.stem}.jsonl").open()]
        entries = parse_digest(path.read_text(encoding="utf-8"), path.name).entries
        for entry, row in zip(entries, rows, strict=False):
            if not entry.title or entry.title != row["title"]:
                continue
            title, kind = perturb(entry.title, rng)
            changed = dataclasses.replace(entry, title=title)
            inputs.append(MentionInput(changed, path.name, digest_identity(entry)))
            expected.append(row["arxiv_id"])
            kinds.append(kind)
    frame = mentions_frame("digests", "digest", inputs)  # one row per input, in order
    ids = frame["mention_id"].to_list()
    lake = Lake(work / "digest-lake")
    # Committed as the ingest would commit them: these entries exist in no file.
    batch = SourceBatch("digests", "digest", "corpus", "x", mentions=frame, reread_files=[])
    commit_batches(lake, [SourceConfig("digests", "digest", path="x")], [batch], {}, NOW)
    return lake, dict(zip(ids, expected, strict=True)), dict(zip(ids, kinds, strict=True))


def main() -> None:
    args = options(__doc__, seed=7)
    need(CORPUS, "the real corpus")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        standin = standin_from_vault(work)
        lake, expected, kinds = digest_lake(work, args.seed)
        with serve_standin(standin):
            arxiv = ArxivConfig(api_url=standin.api_url, min_interval_s=0, cache=str(work / "a"))
            report = enrich(config_for(lake, arxiv=arxiv), now=NOW).resolution
        got = dict(
            zip(
                *lake.read("mentions")
                .select("mention_id", "paper_id")
                .to_dict(as_series=False)
                .values(),
                strict=True,
            )
        )
        resolution = dict(lake.read("mentions").select("mention_id", "resolution").iter_rows())
    known = set(standin.papers)
    accepted = {m for m in expected if resolution[m] == "api_search"}
    correct = {m for m in accepted if got[m] == expected[m]}
    resolvable = {m for m, e in expected.items() if e in known}
    wrong = Counter(kinds[m] for m in accepted - correct)
    elsewhere = sum(1 for m in accepted - correct if expected[m] is None)
    missed = Counter(kinds[m] for m in resolvable - correct)
    print(f"{len(expected)} digest entries with a title; {len(resolvable)} of their papers are")
    print("  in the stand-in (the rest are blog posts and announcements without an arXiv id)")
    print(f"  accepted {len(accepted)}, correct {len(correct)}, wrong {len(accepted - correct)}")
    print(f"  precision {len(correct) / max(1, len(accepted)):.2%} (target >= 99.5%)")
    print(f"  recall    {len(correct & resolvable) / max(1, len(resolvable)):.2%} (target >= 97%)")
    per_title = report.requests / max(1, len(correct))
    print(f"  requests {report.requests} for {report.titles} distinct titles: {per_title:.3f} per")
    print("  resolved title (target <= 0.3)")
    print(f"  wrong by perturbation: {dict(wrong)}; missed by perturbation: {dict(missed)}")
    print(f"  of the wrong ones, {elsewhere} matched an arXiv paper where the note links elsewhere")
    print("  (a blog or GitHub page): counted as wrong here, though the title and author agree")


if __name__ == "__main__":
    main()
