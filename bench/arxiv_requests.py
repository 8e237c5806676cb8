"""Benchmark: arXiv requests per enriched paper (target <= 0.01) on the real vault.

Every paper of the vault bundle (../shared/corpus) that has an arXiv id is enriched from the
stand-in arXiv on 127.0.0.1, which knows them all; requests are counted by the server.
Requests per resolved title are printed by bench/resolve_titles.py.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from common import need

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

from conftest import config_for  # noqa: E402
from resolve_titles import CORPUS, standin_from_vault  # noqa: E402
from standin_arxiv import serve_standin  # noqa: E402

from digestlake.lake.store import Lake  # noqa: E402
from digestlake.pipeline.config import ArxivConfig  # noqa: E402
from digestlake.pipeline.enrich import enrich  # noqa: E402


def main() -> None:
    need(CORPUS, "the real corpus")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        standin = standin_from_vault(work)  # also leaves the ingested vault lake in work
        lake = Lake(work / "vault-lake")
        with serve_standin(standin):
            arxiv = ArxivConfig(api_url=standin.api_url, min_interval_s=0, cache=str(work / "a"))
            report = enrich(config_for(lake, arxiv=arxiv))
    n = sum(1 for _, query in standin.requests if query.startswith("id_list="))
    print(f"enriched {report.enriched} papers with {n} requests (200 ids per id_list request):")
    print(f"  {n / report.enriched:.4f} requests per enriched paper (target <= 0.01)")
    searches = len(standin.requests) - n
    print(f"  then {searches} title searches for the vault's entries without an id")


if __name__ == "__main__":
    main()
