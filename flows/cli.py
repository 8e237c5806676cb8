"""The ``digestlake`` command line.

``parse``, ``query`` and ``status`` never import Prefect (they start in well under a second);
``ingest`` and ``run`` configure an embedded, offline Prefect first and then import the flows.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path

import polars as pl

from digestlake.lake.lock import LakeBusy
from digestlake.pipeline.config import ConfigError, load_config


def _json_default(value: object) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def cmd_parse(args: argparse.Namespace) -> int:
    from digestlake.sources.decode import DecodeError, decode_text
    from digestlake.transforms.digest import parse_digest
    from digestlake.transforms.note import parse_note

    path = Path(args.file)
    try:
        text = decode_text(path.read_bytes(), str(path), args.encoding)
    except (OSError, DecodeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    kind = args.kind or ("note" if path.suffix.lower() == ".md" else "digest")
    if kind == "note":
        parsed = parse_note(text, path.name)
        entries, issues = ([parsed.entry] if parsed.entry else []), parsed.issues
    else:
        parsed = parse_digest(text, path.name)
        entries, issues = parsed.entries, parsed.issues
    for issue in issues:
        print(f"{path}:{issue.line}: {issue.reason}", file=sys.stderr)
    if args.json:
        for entry in entries:
            print(json.dumps(asdict(entry), ensure_ascii=False, default=_json_default))
    else:
        for entry in entries:
            tags = " ".join(f"#{t}" for t in entry.tags)
            who = ", ".join(entry.authors[:3]) + (" ..." if len(entry.authors) > 3 else "")
            title = entry.title or "(untitled)"
            print(f"{entry.digest_date} {entry.position:>3}  {title}  [{who}] {tags}")
        print(f"{len(entries)} entries, {len(issues)} problems", file=sys.stderr)
    return 0


def _lake(args: argparse.Namespace):
    from digestlake.lake.store import Lake

    return Lake(load_config(args.config).lake_path)


def _print_frame(df: pl.DataFrame, fmt: str) -> None:
    if fmt == "json":
        print(json.dumps(df.to_dicts(), ensure_ascii=False, default=_json_default))
    elif fmt == "csv":
        flat = df.with_columns(
            pl.col(c).cast(pl.List(pl.String)).list.join("; ")
            for c, t in df.schema.items()
            if isinstance(t, pl.List)
        )
        sys.stdout.write(flat.write_csv())
    else:
        with pl.Config(
            tbl_rows=200, tbl_cols=30, fmt_str_lengths=60, tbl_hide_dataframe_shape=True
        ):
            print(df)


def cmd_query(args: argparse.Namespace) -> int:
    import duckdb

    from digestlake.lake.query import run_query

    try:
        df = run_query(_lake(args), args.sql)
    except duckdb.Error as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    _print_frame(df, args.format)
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from digestlake.lake.lock import lock_state
    from digestlake.lake.runs import last_runs

    lake = _lake(args)
    print(f"lake: {lake.root}")
    for name, count in lake.row_counts().items():
        print(f"  {name:<15} {count:>8} rows")
    sources = lake.read("sources")
    quarantine = lake.read("quarantine").group_by("source_id").len()
    counts = dict(zip(quarantine["source_id"].to_list(), quarantine["len"].to_list(), strict=True))
    if sources.height:
        print("sources:")
    for row in sources.sort("source_id").to_dicts():
        cursor = (row["cursor"] or "-")[:16]
        ok = (
            row["last_success_at"].isoformat(timespec="seconds")
            if row["last_success_at"]
            else "never"
        )
        line = f"  {row['source_id']:<20} {row['kind']:<7} cursor {cursor:<17} last advanced {ok}"
        line += f", {counts.get(row['source_id'], 0)} quarantined"
        if row["last_error"]:
            line += f"\n    last error: {row['last_error']}"
        print(line)
    if lake.location.local_path is not None:
        print(f"lock: {lock_state(lake.location.local_path).describe()}")
    else:
        from digestlake.flows.lease import lease_name

        print(f"lock: the Prefect lease {lease_name(lake.root)} (prefect gcl inspect shows it)")
    runs = last_runs(lake, args.runs)
    if runs.height:
        print("last runs:")
    for run in runs.to_dicts():
        took = (run["finished_at"] - run["started_at"]).total_seconds()
        line = (
            f"  {run['run_id']}  {run['flow']:<8} {run['status']:<9} {took:6.1f} s  "
            f"{run['lake_files_written']} lake / {run['export_files_written']} export files"
        )
        if run["error"]:
            line += f"\n    {run['error']}"
        print(line)
    return 0


def _print_ingest(report, lake_path: Path, shown: int = 10) -> None:
    for s in report.sources:
        if s.status == "failed":
            print(f"  {s.source_id}: FAILED: {s.error}")
        elif s.status in ("unchanged", "skipped"):
            print(f"  {s.source_id}: {s.status}{f' ({s.error})' if s.error else ''}")
        else:
            print(
                f"  {s.source_id}: {s.new} new, {s.updated} updated, {s.unchanged} unchanged, "
                f"{s.deleted} deleted, {s.quarantined} quarantined"
            )
        for problem in s.problems[:shown]:
            print(f"    quarantined {problem}")
        if len(s.problems) > shown:
            print(f"    ... and {len(s.problems) - shown} more")
    print(
        f"lake: {lake_path} ({report.mentions} mentions, {report.papers} papers, "
        f"{len(report.files_written)} files written)"
    )
    if any(s.quarantined for s in report.sources):
        print('all of it: digestlake query "select * from quarantine"')


def _print_publish(report, exports_path: Path) -> None:
    files = report.files
    print(
        f"exports: {exports_path} ({report.papers} papers, {report.keys_issued} new citation keys; "
        f"{len(files.written)} files written, {len(files.unchanged)} unchanged, "
        f"{len(files.removed)} removed)"
    )
    for item in report.simplified[:10]:
        print(f"  simplified {item}")
    if report.kept_utf8:
        print(f"  kept as UTF-8 in BibTeX (no LaTeX form): {report.kept_utf8[:60]}")


def _print_enrich(report) -> None:
    for h in report.harvests:
        state = (
            "finished" if h.finished else f"stopped: {h.error}" if h.error else "continues next run"
        )
        print(f"OAI-PMH {h.source_id}: {h.records} records in {h.pages} pages, {state}")
    line = (
        f"arXiv: {report.enriched} papers enriched, {report.unknown} unknown to arXiv, "
        f"{report.waiting} waiting for metadata (requests: {report.requests}, "
        f"from the cache: {report.cache_hits})"
    )
    print(line)
    if report.resolution is not None and report.resolution.titles:
        r = report.resolution
        print(
            f"  titles without an id: {r.titles} searched, {r.resolved} entries resolved, "
            f"{r.unresolved} left unresolved (their best candidates: digestlake query "
            "\"select * from title_candidates where decision in ('weak', 'ambiguous')\")"
        )
    if report.error:
        print(f"  stopped: {report.error}; the waiting papers are tried again next run")


def _start_prefect(args: argparse.Namespace):
    config = load_config(args.config)
    from digestlake.flows.prefect_env import configure_prefect

    configure_prefect(config.cache_path)
    return config


def cmd_ingest(args: argparse.Namespace) -> int:
    config = _start_prefect(args)
    from digestlake.flows.ingest import ingest_flow

    report = ingest_flow(config_path=str(config.config_file), offline=args.offline)
    _print_ingest(report, config.lake_path)
    return 1 if report.failed else 0


def cmd_enrich(args: argparse.Namespace) -> int:
    config = _start_prefect(args)
    from digestlake.flows.enrich import enrich_flow

    _print_enrich(enrich_flow(config_path=str(config.config_file), offline=args.offline))
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    config = _start_prefect(args)
    from digestlake.flows.publish import publish_flow

    report = publish_flow(config_path=str(config.config_file), biblatex=args.style == "biblatex")
    _print_publish(report, config.exports_path)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    config = _start_prefect(args)
    from digestlake.flows.pipeline import pipeline_flow

    report = pipeline_flow(
        config_path=str(config.config_file), offline=args.offline, biblatex=args.style == "biblatex"
    )
    _print_ingest(report.ingest, config.lake_path)
    _print_enrich(report.enrich)
    _print_publish(report.publish, config.exports_path)
    run = report.run
    print(
        f"run {run['run_id']}: {run['lake_files_written']} lake files and "
        f"{run['export_files_written']} exports written (digestlake status lists the last runs)"
    )
    return 1 if report.ingest.failed else 0


def cmd_serve(args: argparse.Namespace) -> int:
    config = _start_prefect(args)
    if not config.schedules:
        print(f"config error: {config.config_file} has no [[schedules]] to serve", file=sys.stderr)
        return 2
    from digestlake.flows.prefect_env import prefect_server

    with prefect_server(config.cache_path) as url:
        from digestlake.flows.serve import serve_schedules

        for s in config.schedules:
            print(f"serving {s.flow} as {s.name}: cron {s.cron!r} ({s.timezone}) on {url}")
        sys.stdout.flush()
        serve_schedules(config)
    print("stopped")
    return 0


def cmd_import_snapshot(args: argparse.Namespace) -> int:
    config = _start_prefect(args)  # a lake at a URL is locked through Prefect
    from digestlake.flows.snapshot import import_snapshot_flow
    from digestlake.pipeline.progress import in_terminal

    path = Path(args.file)
    if not path.is_file():
        print(f"error: {path}: no such file", file=sys.stderr)
        return 2
    report = import_snapshot_flow(
        file=str(path), config_path=str(config.config_file), progress=in_terminal()
    )
    print(
        f"snapshot: {report.records} papers in {report.buckets} buckets, "
        f"{report.files_written} lake files written, {report.quarantined} lines quarantined "
        f"({config.lake_path})"
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="digestlake", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    def with_config(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument(
            "--config", help="config file (default: digestlake.toml, or $DIGESTLAKE_CONFIG)"
        )
        return p

    style_help = "biblatex: also write biblatex/ (eprinttype, @online); bibtex/ is always written"
    p = with_config(sub.add_parser("run", help="the main job: ingest, enrich from arXiv, publish"))
    p.add_argument("--offline", action="store_true", help="do not use the network")
    p.add_argument("--style", choices=("bibtex", "biblatex"), default="bibtex", help=style_help)
    p.set_defaults(func=cmd_run)

    p = with_config(sub.add_parser("ingest", help="read every configured source into the lake"))
    p.add_argument("--offline", action="store_true", help="do not use the network")
    p.set_defaults(func=cmd_ingest)

    p = with_config(sub.add_parser("enrich", help="fetch arXiv metadata for papers that lack it"))
    p.add_argument("--offline", action="store_true", help="answer from the response cache only")
    p.set_defaults(func=cmd_enrich)

    p = with_config(sub.add_parser("publish", help="write BibTeX, JSONL and feeds from the lake"))
    p.add_argument("--style", choices=("bibtex", "biblatex"), default="bibtex", help=style_help)
    p.set_defaults(func=cmd_publish)

    p = with_config(
        sub.add_parser("import-snapshot", help="import the Kaggle arXiv snapshot (JSON lines)")
    )
    p.add_argument("file", help="arxiv-metadata-oai-snapshot.json (or a part of it)")
    p.set_defaults(func=cmd_import_snapshot)

    p = sub.add_parser("parse", help="parse one digest or note file and print its entries")
    p.add_argument("file")
    p.add_argument("--kind", choices=("digest", "note"), help="default: note for .md, else digest")
    p.add_argument("--json", action="store_true", help="one JSON object per entry and line")
    p.add_argument("--encoding", help="the file's encoding when it is not UTF-8 (e.g. cp949)")
    p.set_defaults(func=cmd_parse)

    p = with_config(sub.add_parser("query", help="SQL over the lake; tables are views by name"))
    p.add_argument("sql")
    p.add_argument("--format", choices=("table", "csv", "json"), default="table")
    p.set_defaults(func=cmd_query)

    p = with_config(sub.add_parser("status", help="tables, sources, the lock and the last runs"))
    p.add_argument("--runs", type=int, default=10, help="how many of the last runs to list")
    p.set_defaults(func=cmd_status)

    p = with_config(
        sub.add_parser("serve", help="run the config's [[schedules]] until stopped (SIGTERM)")
    )
    p.set_defaults(func=cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ConfigError as exc:
        print(f"config error: {exc}", file=sys.stderr)
        return 2
    except LakeBusy as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 75  # EX_TEMPFAIL: try again later
    except BrokenPipeError:  # `digestlake parse ... | head`
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
