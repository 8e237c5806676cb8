"""arXiv records as rows of ``papers`` and ``paper_versions``."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import polars as pl

from digestlake.core.ids import API_SOURCE
from digestlake.core.records import ArxivRecord
from digestlake.core.tables import PAPER_VERSIONS, PAPERS
from digestlake.transforms.titles import normalise_title


def papers_from_records(records: Iterable[ArxivRecord], fetched_at: datetime) -> pl.DataFrame:
    rows = [
        {
            "paper_id": r.arxiv_id,
            "arxiv_id": r.arxiv_id,
            "latest_version": r.version,
            "title": r.title,
            "title_norm": normalise_title(r.title),
            "abstract": r.abstract or None,
            "authors": [
                {"name": a.name, "affiliation": "; ".join(a.affiliations) or None}
                for a in r.authors
            ],
            "categories": list(r.categories),
            "primary_category": r.primary_category,
            "published": r.published,
            "updated": r.updated,
            "doi": r.doi,
            "journal_ref": r.journal_ref,
            "comment": r.comment,
            "license": None,
            "url": f"https://arxiv.org/abs/{r.arxiv_id}",
            "metadata_source": API_SOURCE,
            "fetched_at": fetched_at,
        }
        for r in records
    ]
    return pl.DataFrame(rows, schema=PAPERS.schema) if rows else PAPERS.empty()


def versions_from_records(records: Iterable[ArxivRecord]) -> pl.DataFrame:
    """v1 (``published``) and the returned version (``updated``); OAI arXivRaw gives them all."""
    rows = []
    for r in records:
        if r.published is not None:
            rows.append({"arxiv_id": r.arxiv_id, "version": 1, "submitted_at": r.published})
        if r.version and r.version > 1 and r.updated is not None:
            rows.append({"arxiv_id": r.arxiv_id, "version": r.version, "submitted_at": r.updated})
    return pl.DataFrame(rows, schema=PAPER_VERSIONS.schema) if rows else PAPER_VERSIONS.empty()


def oai_version_rows(versions: Iterable[tuple[str, int, datetime]]) -> pl.DataFrame:
    """``(arxiv_id, version, submitted_at)`` as OAI-PMH arXivRaw lists every version."""
    rows = [{"arxiv_id": a, "version": v, "submitted_at": d} for a, v, d in versions]
    return pl.DataFrame(rows, schema=PAPER_VERSIONS.schema)
