"""The verbs that look after the lake itself: ``history``, ``rollback`` and ``vacuum``.

They call their pipeline verbs directly for a local lake (locked by flock: no Prefect to
start); a lake at a URL is locked by a Prefect lease, for which the embedded server starts.
"""

from __future__ import annotations

import argparse

from digestlake.pipeline.config import Config, load_config
from digestlake.pipeline.runner import Runner


def _print(lines: list[str]) -> None:
    print("\n".join(lines))


def cmd_history(args: argparse.Namespace) -> int:
    from digestlake.pipeline.history import history
    from digestlake.pipeline.summary import history_lines

    _print(history_lines(history(load_config(args.config), runs=args.runs)))
    return 0


def cmd_rollback(args: argparse.Namespace) -> int:
    from digestlake.pipeline.history import rollback
    from digestlake.pipeline.summary import rollback_lines

    config = load_config(args.config)
    _print(rollback_lines(rollback(config, args.run, runner=_lake_runner(config))))
    return 0


def cmd_vacuum(args: argparse.Namespace) -> int:
    from digestlake.pipeline.summary import vacuum_lines
    from digestlake.pipeline.vacuum import vacuum

    config = load_config(args.config)
    runner = _lake_runner(config)
    _print(vacuum_lines(vacuum(config, retain_days=args.retain_days, runner=runner)))
    return 0


def _lake_runner(config: Config) -> Runner:
    from digestlake.core.location import Location
    from digestlake.pipeline.runner import LOCAL

    if Location(config.lake_path).local_path is not None:
        return LOCAL
    from digestlake.flows.prefect_env import configure_prefect

    configure_prefect(config.cache_path)
    from digestlake.flows.runner import PrefectRunner

    return PrefectRunner()
