"""``vacuum``: compact the tables' small files and remove the files no version within the
retention needs (``[lake] retain_days``, default 30)."""

from __future__ import annotations

from digestlake.lake.maintenance import VacuumReport, vacuum_lake
from digestlake.lake.store import Lake
from digestlake.pipeline.config import Config
from digestlake.pipeline.lock import hold_lake
from digestlake.pipeline.runner import LOCAL, Runner


def vacuum(
    config: Config, *, retain_days: int | None = None, runner: Runner = LOCAL
) -> list[VacuumReport]:
    days = config.retain_days if retain_days is None else retain_days
    with hold_lake(config, runner):
        return vacuum_lake(Lake(config.lake_path), days)
