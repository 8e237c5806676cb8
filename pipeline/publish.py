"""``publish``: citation keys, then every export file, from the lake.

Only papers that a live mention names are published. Every file is written only when its
bytes change, so publishing an unchanged lake touches nothing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib.metadata import version

from digestlake.core.location import Location
from digestlake.core.tables import buckets_of
from digestlake.exports.bibtex import DataQuality, bibliographies, data_quality
from digestlake.exports.csl_json import csl_files
from digestlake.exports.dataset import dataset_tables, write_dataset
from digestlake.exports.dataset_card import Provenance
from digestlake.exports.feed_items import paper_day_items
from digestlake.exports.feeds import SUFFIXES as FEED_SUFFIXES
from digestlake.exports.feeds import feed_files
from digestlake.exports.files import FileChanges, sync_folder, tag_slugs
from digestlake.exports.site import site_files, write_site
from digestlake.exports.site_citations import site_citations
from digestlake.lake.runs import lake_state
from digestlake.lake.store import Lake
from digestlake.pipeline.citation_keys import issue_citation_keys
from digestlake.pipeline.config import Config, ExportsConfig
from digestlake.pipeline.recorded import recorded_run
from digestlake.pipeline.runner import LOCAL, Runner
from digestlake.transforms.paper_days import paper_days
from digestlake.transforms.publication import publication_records


@dataclass(slots=True)
class PublishReport:
    papers: int
    keys_issued: int
    files: FileChanges
    simplified: list[str] = field(default_factory=list)  # fields made safe by simplifying
    kept_utf8: str = ""  # characters with no LaTeX form, written as ? in the .bib files
    quality: DataQuality = field(default_factory=DataQuality)  # by citation key


def _bibtex_folder(
    out: Location, folder: str, files: dict[str, dict[str, bytes]], suffix: str = ".bib"
) -> FileChanges:
    changes = sync_folder(out, folder, files[""], (suffix,))
    changes.extend(sync_folder(out, f"{folder}/tags", files["tags"], (suffix,)))
    return changes


def write_exports(
    lake: Lake,
    exports: str | os.PathLike[str],
    config: ExportsConfig,
    now: datetime,
    *,
    biblatex: bool = False,
    run_id: str | None = None,
    lake_versions: dict[str, int] | None = None,
) -> PublishReport:
    """The publish stage: ``lake`` into the folder ``exports``.

    ``run_id`` and ``lake_versions`` are what the dataset card names as the data's origin: the
    run that committed the lake state being published and each table's version; by default
    they are read from the lake (``lake_state``), so an unchanged lake gives the same card.
    """
    out = Location(exports)
    out.sweep()  # a publish killed mid-write left temp files, maybe where nothing changes now
    mentions = lake.read("mentions")
    # Only papers a mention names are published: read only their buckets.
    papers = lake.read("papers", partitions=buckets_of(mentions["paper_id"].drop_nulls()))
    records_frame = publication_records(papers, mentions)
    records = records_frame.to_dicts()
    settled = issue_citation_keys(
        lake, records, now, key_format=config.key_format, keys_from=config.keys_from,
        wait=timedelta(days=config.key_wait_days),
    )  # fmt: skip
    keys = settled.keys
    days = paper_days(mentions, papers)  # one paper on one day: the feeds' items, the site's
    items = paper_day_items(days, config.timezone)
    slugs = tag_slugs([t for r in records for t in r["tags"]] + [t for i in items for t in i.tags])

    bib, bib_report = bibliographies(records, keys, slugs, unicode=config.bibtex_unicode)
    changes = _bibtex_folder(out, "bibtex", bib)
    if biblatex or config.biblatex:
        files, _ = bibliographies(records, keys, slugs, biblatex=True, previous=settled.previous)
        changes.extend(_bibtex_folder(out, "biblatex", files))
    changes.extend(_bibtex_folder(out, "csl", csl_files(records, keys, slugs), ".json"))
    if lake_versions is None:  # after the keys' commit: the state the exports are made from
        run_id, lake_versions = lake_state(lake)
    provenance = Provenance(version("digestlake"), lake.read("sources"), run_id, lake_versions)
    tables = dataset_tables(records_frame, keys, mentions)
    changes.extend(write_dataset(out, tables, provenance, config.dataset_shard_rows))
    feeds = feed_files(
        items, slugs, base_url=config.base_url, max_items=config.feed_items,
        min_items=config.feed_min_items, opml_format=config.opml_format,
    )  # fmt: skip
    changes.extend(sync_folder(out, "feeds", feeds, FEED_SUFFIXES))
    site = site_files(
        papers, mentions, days, citations=site_citations(records, keys), feeds=feeds, slugs=slugs
    )
    changes.extend(write_site(out, site))
    quality = data_quality(
        records, keys, bib_report.latex, provisional=settled.provisional,
        changed=settled.changed, problems=settled.problems,
    )  # fmt: skip
    return PublishReport(
        papers=len(records),
        keys_issued=settled.issued,
        files=changes,
        simplified=bib_report.latex.simplified,
        kept_utf8="".join(sorted(bib_report.latex.kept_utf8)),
        quality=quality,
    )


def publish(
    config: Config,
    *,
    biblatex: bool = False,
    now: datetime | None = None,
    runner: Runner = LOCAL,
) -> PublishReport:
    """Issue citation keys for new papers and rewrite the exports that changed
    (``digestlake publish``)."""
    clock = (lambda: now) if now else None
    with recorded_run(config, runner, "publish", clock) as rec:
        rec.report.publish = write_exports(
            rec.lake, config.exports_path, config.exports, rec.started, biblatex=biblatex
        )
    return rec.report.publish
