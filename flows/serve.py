"""``digestlake serve``: the config's ``[[schedules]]`` as Prefect deployments, served by this
process until it is stopped (SIGTERM or Ctrl-C; Prefect pauses the schedules on the way out).

Each scheduled run is a subprocess started by Prefect's runner; the lake lock makes runs that
overlap take turns (``[run] on_busy``). Meanwhile the exports folder (the site, the feeds) is
served on 127.0.0.1 (``[exports] serve_port``; pipeline/serve_exports.py).
"""

from __future__ import annotations

from prefect import serve
from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron

from digestlake.flows.enrich import enrich_flow
from digestlake.flows.ingest import ingest_flow
from digestlake.flows.pipeline import pipeline_flow
from digestlake.flows.publish import publish_flow
from digestlake.pipeline.config import Config, ScheduleConfig
from digestlake.pipeline.serve_exports import exports_http

FLOWS = {
    "pipeline": pipeline_flow,
    "ingest": ingest_flow,
    "enrich": enrich_flow,
    "publish": publish_flow,
}


def deployment(config: Config, schedule: ScheduleConfig) -> RunnerDeployment:
    """One schedule as a deployment; the config file travels as a parameter."""
    return FLOWS[schedule.flow].to_deployment(
        name=schedule.name,
        schedule=Cron(schedule.cron, timezone=schedule.timezone),
        parameters={"config_path": str(config.config_file.resolve()), **schedule.parameters},
        tags=["digestlake"],
    )


def serve_schedules(config: Config) -> None:
    with exports_http(config) as where:
        print(where, flush=True)
        serve(*(deployment(config, s) for s in config.schedules), print_starting_message=False)
