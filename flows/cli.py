"""The ``digestlake`` command line: one verb per ``pipeline`` function, with the same name.

``parse``, ``query`` and ``status`` call their verbs directly and never import Prefect (they
start in well under a second); the verbs that write the lake configure an embedded, offline
Prefect first and run the verb's flow.
"""

from __future__ import annotations

import argparse
import contextvars
import json
import os
import signal
import sys
import threading
from contextlib import suppress
from dataclasses import asdict
from datetime import date, datetime
from importlib.metadata import version
from pathlib import Path

import polars as pl

from digestlake.flows.cli_lake import cmd_history, cmd_rollback, cmd_vacuum
from digestlake.lake.lock import LakeBusy
from digestlake.lake.store import LakeError
from digestlake.pipeline.config import Config, ConfigError, load_config


def _json_default(value: object) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def _print(lines: list[str]) -> None:
    print("\n".join(lines))


def cmd_parse(args: argparse.Namespace) -> int:
    from digestlake.pipeline.parse import parse
    from digestlake.sources.decode import DecodeError

    path = Path(args.file)
    try:
        parsed = parse(path, kind=args.kind, encoding=args.encoding)
    except (OSError, DecodeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for issue in parsed.issues:
        print(f"{path}:{issue.line}: {issue.reason}", file=sys.stderr)
    for entry in parsed.entries:
        if args.json:
            print(json.dumps(asdict(entry), ensure_ascii=False, default=_json_default))
        else:
            tags = " ".join(f"#{t}" for t in entry.tags)
            who = ", ".join(entry.authors[:3]) + (" ..." if len(entry.authors) > 3 else "")
            title = entry.title or "(untitled)"
            print(f"{entry.digest_date} {entry.position:>3}  {title}  [{who}] {tags}")
    if not args.json:
        print(f"{len(parsed.entries)} entries, {len(parsed.issues)} problems", file=sys.stderr)
    return 0


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

    from digestlake.pipeline.query import query

    try:
        df = query(load_config(args.config), args.sql)
    except duckdb.Error as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    _print_frame(df, args.format)
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from digestlake.pipeline.status import render_status, status

    print(render_status(status(load_config(args.config), runs=args.runs)))
    return 0


def _start_prefect(args: argparse.Namespace) -> Config:
    """The config, read once per command (Prefect's home is in its cache folder); the flow
    reads it once more, from the path it gets as a parameter."""
    if getattr(args, "loaded_config", None) is None:
        args.loaded_config = load_config(args.config)
        from digestlake.flows.prefect_env import configure_prefect

        configure_prefect(args.loaded_config.cache_path)
    return args.loaded_config


def cmd_ingest(args: argparse.Namespace) -> int:
    config = _start_prefect(args)
    from digestlake.flows.ingest import ingest_flow
    from digestlake.pipeline.summary import ingest_summary

    report = ingest_flow(config_path=str(config.config_file), offline=args.offline)
    _print(ingest_summary(report, config.lake_path))
    return 1 if report.failed else 0


def cmd_enrich(args: argparse.Namespace) -> int:
    config = _start_prefect(args)
    from digestlake.flows.enrich import enrich_flow
    from digestlake.pipeline.summary import enrich_summary

    _print(enrich_summary(enrich_flow(config_path=str(config.config_file), offline=args.offline)))
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    if args.as_of:  # reads the lake at past versions, writes only the exports: no lock
        from digestlake.pipeline.history import publish_as_of
        from digestlake.pipeline.summary import publish_summary

        config = load_config(args.config)
        out = args.out or config.exports_path
        report = publish_as_of(config, args.as_of, out, biblatex=args.style == "biblatex")
        _print(publish_summary(report, out))
        return 0
    config = _start_prefect(args)
    from digestlake.flows.publish import publish_flow
    from digestlake.pipeline.summary import publish_summary

    report = publish_flow(config_path=str(config.config_file), biblatex=args.style == "biblatex")
    _print(publish_summary(report, config.exports_path))
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    config = _start_prefect(args)
    from digestlake.flows.pipeline import pipeline_flow
    from digestlake.pipeline.summary import run_summary

    report = pipeline_flow(
        config_path=str(config.config_file), offline=args.offline, biblatex=args.style == "biblatex"
    )
    _print(run_summary(report, config.lake_path, config.exports_path))
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
    path = Path(args.file)
    if not path.is_file():
        print(f"error: {path}: no such file", file=sys.stderr)
        return 2
    from digestlake.core.location import Location
    from digestlake.pipeline.progress import in_terminal

    config = load_config(args.config)
    if Location(config.lake_path).local_path is not None:  # locked by flock: no Prefect needed
        from digestlake.pipeline.snapshot import import_snapshot

        report = import_snapshot(config, path, progress=in_terminal())
    else:  # a lake at a URL is locked by a Prefect lease
        config = _start_prefect(args)
        from digestlake.flows.snapshot import import_snapshot_flow

        report = import_snapshot_flow(
            file=str(path), config_path=str(config.config_file), progress=in_terminal()
        )
    print(
        f"snapshot: {report.records} papers in {report.buckets} buckets, "
        f"{report.files_written} lake files written, {report.quarantined} lines quarantined "
        f"({config.lake_path})"
    )
    return 0


STYLE_HELP = "biblatex: also write biblatex/ (eprinttype, @online); bibtex/ is always written"
# verb: (what it does, an example), shown by ``digestlake VERB --help``; tests run the examples'
# arguments through the parser.
VERBS = {
    "run": ("the main job: ingest, enrich from arXiv, publish", "digestlake run --offline"),
    "ingest": ("read every configured source into the lake", "digestlake ingest --offline"),
    "enrich": ("fetch arXiv metadata for papers that lack it", "digestlake enrich"),
    "publish": (
        "write BibTeX, JSONL and feeds from the lake",
        "digestlake publish --style biblatex",
    ),
    "import-snapshot": (
        "import the Kaggle arXiv metadata snapshot (JSON lines)",
        "digestlake import-snapshot arxiv-metadata-oai-snapshot.json",
    ),
    "parse": (
        "parse one digest or note file and print its entries (no lake)",
        "digestlake parse data/samples/digests/2024-03-04.txt --json",
    ),
    "query": (
        "SQL over the lake; every table is a view of its name",
        'digestlake query "select count(*) as n from mentions" --format csv',
    ),
    "status": ("tables, sources, the lock and the last runs", "digestlake status --runs 5"),
    "history": (
        "the last runs and the rows each added, updated and deleted per table",
        "digestlake history --runs 5",
    ),
    "rollback": (
        "restore every table a run changed to its state before that run (as new commits, so "
        "a rollback can be rolled back too; later runs' changes to those tables are undone "
        "with it), then republish the exports",
        "digestlake rollback 20261201T060000Z-1a2b3c",
    ),
    "vacuum": (
        "compact small files and remove files older than the retention that no kept version "
        "needs ([lake] retain_days, default 30: the window for rollback and publish --as-of)",
        "digestlake vacuum --retain-days 7",
    ),
    "serve": ("run the config's [[schedules]] until stopped (SIGTERM)", "digestlake serve"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="digestlake", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"%(prog)s {version('digestlake')}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="VERB")

    def verb(name: str, func, *, config: bool = True) -> argparse.ArgumentParser:
        what, example = VERBS[name]
        p = sub.add_parser(
            name, help=what, description=what[0].upper() + what[1:] + ".",
            epilog=f"example:\n  {example}", formatter_class=argparse.RawDescriptionHelpFormatter,
        )  # fmt: skip
        if config:
            p.add_argument(
                "--config", help="config file (default: digestlake.toml, or $DIGESTLAKE_CONFIG)"
            )
        p.set_defaults(func=func)
        return p

    p = verb("run", cmd_run)
    p.add_argument("--offline", action="store_true", help="do not use the network")
    p.add_argument("--style", choices=("bibtex", "biblatex"), default="bibtex", help=STYLE_HELP)
    p = verb("ingest", cmd_ingest)
    p.add_argument("--offline", action="store_true", help="do not use the network")
    p = verb("enrich", cmd_enrich)
    p.add_argument("--offline", action="store_true", help="answer from the response cache only")
    p = verb("publish", cmd_publish)
    p.add_argument("--style", choices=("bibtex", "biblatex"), default="bibtex", help=STYLE_HELP)
    p.add_argument(
        "--as-of", metavar="RUN", help="the exports of the lake as run RUN left it (byte for byte)"
    )
    p.add_argument("--out", help="with --as-of: write them here (default: the exports folder)")
    p = verb("import-snapshot", cmd_import_snapshot)
    p.add_argument("file", help="arxiv-metadata-oai-snapshot.json (or a part of it)")
    p = verb("parse", cmd_parse, config=False)
    p.add_argument("file", help="a digest text file, or a Markdown note")
    p.add_argument("--kind", choices=("digest", "note"), help="default: note for .md, else digest")
    p.add_argument("--json", action="store_true", help="one JSON object per entry and line")
    p.add_argument("--encoding", help="the file's encoding when it is not UTF-8 (e.g. cp949)")
    p = verb("query", cmd_query)
    p.add_argument("sql", help="one SQL statement (DuckDB)")
    p.add_argument("--format", choices=("table", "csv", "json"), default="table")
    p = verb("status", cmd_status)
    p.add_argument("--runs", type=int, default=10, help="how many of the last runs to list")
    p = verb("history", cmd_history)
    p.add_argument("--runs", type=int, default=10, help="how many of the last runs to list")
    p = verb("rollback", cmd_rollback)
    p.add_argument("run", help="the run id (as history lists it; a unique prefix will do)")
    p = verb("vacuum", cmd_vacuum)
    p.add_argument("--retain-days", type=int, help="keep files this many days (default: config)")
    verb("serve", cmd_serve)
    return parser


# The verbs that write the lake: Prefect flows, which a signal must stop at once (_stoppable).
STOPPABLE = frozenset({"run", "ingest", "enrich", "publish"})


def _stop(signum: int, frame: object) -> None:
    """Exit now, as if killed: a run that unwound instead would wait for Prefect's worker
    threads, and a thread reading a slow server cannot be interrupted. Nothing is lost: every
    file of the lake and the exports is replaced atomically, the kernel drops the lake's
    ``flock`` (its holder record then reads as stale, which the next run takes over and
    reports), and the embedded Prefect server dies with this process."""
    name = signal.Signals(signum).name
    with suppress(Exception):  # another thread may hold stdout's lock; stderr is written raw
        sys.stdout.flush()
    message = (
        f"digestlake: stopped by {name}; the lake keeps its last complete commit "
        "and the next run takes over its lock\n"
    )
    os.write(2, message.encode())
    os._exit(128 + signum)


def _stoppable(args: argparse.Namespace) -> int:
    """The verb in a thread of its own, so that this (main) thread, which signals are handled
    in, only waits: SIGTERM or SIGINT ends the run within half a second, whatever it waits
    for (Prefect's SIGTERM bridge is never installed off the main thread). The embedded
    Prefect server is started first, here, so that it dies with the process."""
    if threading.current_thread() is not threading.main_thread():
        return args.func(args)
    outcome: list[int | BaseException] = []

    def verb() -> None:
        try:
            outcome.append(args.func(args))
        except BaseException as exc:  # raised again in the main thread
            outcome.append(exc)

    previous = {s: signal.signal(s, _stop) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        _start_prefect(args)
        from digestlake.flows.prefect_env import start_embedded_server

        start_embedded_server()  # from the main thread, which lives as long as the process
        worker = threading.Thread(target=contextvars.copy_context().run, args=(verb,))
        worker.start()
        while worker.is_alive():
            worker.join(0.5)  # wakes to run a handler even for a signal another thread got
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _stoppable(args) if args.command in STOPPABLE else args.func(args)
    except ConfigError as exc:
        print(f"config error: {exc}", file=sys.stderr)
        return 2
    except LakeBusy as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 75  # EX_TEMPFAIL: try again later
    except LakeError as exc:  # an unreadable lake is never an empty answer
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `digestlake parse ... | head`
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
