"""``ingest``: read every enabled source from its cursor, then commit them all at once.

A source that fails is reported and the others go on; the commit merges mentions and
quarantine, reconciles once, and writes the cursors last, so a crash before that only repeats
work.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import polars as pl

from digestlake.lake.source_state import read_source_states, write_source_states
from digestlake.lake.store import Lake
from digestlake.pipeline.config import Config, SourceConfig
from digestlake.pipeline.extract import SourceBatch, extract_source
from digestlake.pipeline.reconcile import reconcile
from digestlake.pipeline.recorded import recorded_run
from digestlake.pipeline.runner import LOCAL, Runner
from digestlake.pipeline.store_arxiv import store_listed_papers
from digestlake.sources.cursors import load_cursor
from digestlake.sources.digest_files import SourceUnavailable
from digestlake.sources.git import GitError
from digestlake.sources.http import HttpClient
from digestlake.sources.kinds import READERS, ReadContext
from digestlake.transforms.mentions import merge_mentions
from digestlake.transforms.quarantine import replace_quarantine
from digestlake.transforms.source_state import next_source_state


@dataclass(slots=True)
class SourceReport:
    source_id: str
    status: str  # ok | unchanged | skipped | failed; an arXiv listing: repeated | empty
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    quarantined: int = 0
    links_skipped: int = 0  # symlinks inside the source: never followed, never read
    error: str | None = None
    problems: list[str] = field(default_factory=list)  # "location: reason" of what was quarantined


@dataclass(slots=True)
class IngestReport:
    sources: list[SourceReport]
    files_written: list[str]
    mentions: int
    papers: int

    @property
    def failed(self) -> list[SourceReport]:
        return [s for s in self.sources if s.status == "failed"]


def ingested_sources(config: Config) -> list[SourceConfig]:
    return [s for s in config.sources if s.enabled and s.kind in READERS]


def describe_failure(exc: BaseException) -> str:
    """A source's own failures say what went wrong; anything else also says what it was."""
    if isinstance(exc, SourceUnavailable | GitError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def is_transient(exc: BaseException) -> bool:
    """Worth a retry by the runner: a git remote that did not answer may in seconds (a missing
    folder or a bad repository will not). An HTTP source is not: the HTTP client has ridden
    out its retry budget already."""
    return (
        isinstance(exc, SourceUnavailable) and exc.transient and isinstance(exc.__cause__, GitError)
    )


def commit_batches(
    lake: Lake,
    sources: list[SourceConfig],
    batches: list[SourceBatch],
    failures: dict[str, str],
    now: datetime,
) -> IngestReport:
    """Merge every batch into the lake: mentions, quarantine, papers, then the cursors."""
    mentions = lake.read("mentions")
    quarantine = lake.read("quarantine")
    reports: dict[str, SourceReport] = {}
    listed: list[str] = []  # files of the papers arXiv listings described
    for batch in batches:
        if batch.unchanged:
            status = "skipped" if batch.skipped else "unchanged"
            reports[batch.source_id] = SourceReport(batch.source_id, status, error=batch.skipped)
            continue
        own = mentions.filter(pl.col("source_id") == batch.source_id)
        merge = merge_mentions(
            own,
            batch.mentions,
            now=now,
            reread_files=batch.reread_files,
            deleted_files=batch.deleted_files,
        )
        mentions = pl.concat([mentions.filter(pl.col("source_id") != batch.source_id), merge.table])
        quarantine = replace_quarantine(
            quarantine,
            batch.source_id,
            [*batch.reread_files, *batch.deleted_files],
            batch.quarantine,
            now,
        )
        if batch.papers is not None:
            listed += store_listed_papers(lake, batch.papers)
        reports[batch.source_id] = SourceReport(
            batch.source_id,
            batch.state or "ok",
            error=batch.note,
            new=merge.new,
            updated=merge.updated,
            unchanged=merge.unchanged,
            deleted=merge.deleted,
            quarantined=len(batch.quarantine),
            links_skipped=len(batch.skipped_links),
            problems=[f"{row['location']}: {row['reason']}" for row in batch.quarantine],
        )
    for name, error in failures.items():
        reports[name] = SourceReport(name, "failed", error=error)

    reconciled = reconcile(lake, mentions)
    written = listed + reconciled.files_written + lake.write("quarantine", quarantine)
    for table in ("paper_versions", "citation_keys"):
        lake.ensure(table)  # every table exists after an ingest, for readers and queries
    old = read_source_states(lake)
    by_id = {b.source_id: b for b in batches}
    rows = []
    for s in sources:
        batch = by_id.get(s.name)
        rows.append(
            next_source_state(
                old.get(s.name),
                source_id=s.name,
                kind=s.kind,
                uri=s.location,
                now=now,
                cursor=batch.cursor if batch else None,
                read=batch is not None and not batch.skipped,
                error=failures.get(s.name),
            )
        )
    written += write_source_states(lake, rows)
    return IngestReport(
        sources=[reports[s.name] for s in sources if s.name in reports],
        files_written=written,
        mentions=reconciled.mentions,
        papers=reconciled.papers,
    )


def ingest_sources(
    config: Config, lake: Lake, *, offline: bool, now: datetime, runner: Runner
) -> IngestReport:
    """The ingest stage of a verb that holds the lake already (``run``)."""
    sources = ingested_sources(config)
    states = read_source_states(lake)
    with HttpClient(policy=config.http) as http:
        ctx = ReadContext(config.cache_path, offline, http, now)

        def extract(source: SourceConfig) -> SourceBatch:
            cursor = load_cursor((states.get(source.name) or {}).get("cursor"))
            return extract_source(source, lake, ctx, cursor)

        results = runner.each(
            "extract-source", extract, sources, label=lambda s: s.name, retry_if=is_transient
        )
    batches = [r for r in results if isinstance(r, SourceBatch)]
    failures = {
        s.name: describe_failure(r) for s, r in zip(sources, results, strict=True)
        if isinstance(r, Exception)
    }  # fmt: skip
    return runner.step("commit-lake", commit_batches, lake, sources, batches, failures, now)


def ingest(
    config: Config,
    *,
    offline: bool = False,
    now: datetime | None = None,
    runner: Runner = LOCAL,
) -> IngestReport:
    """Read every enabled source into the lake (``digestlake ingest``), as a recorded run."""
    clock = (lambda: now) if now else None
    with recorded_run(config, runner, "ingest", clock) as rec:
        rec.report.ingest = ingest_sources(
            config, rec.lake, offline=offline, now=rec.started, runner=runner
        )
    return rec.report.ingest
