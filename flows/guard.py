"""The lake lock as the config asks for it (``[run] on_busy``, ``wait_timeout_s``)."""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import UTC, datetime

from flows.config import Config
from lake.lock import LockState, lake_lock
from lake.runs import new_run_id


def hold_lake(config: Config, run_id: str | None = None) -> AbstractContextManager[LockState]:
    """Every flow that writes holds this; inside ``pipeline`` the nested hold is free."""
    return lake_lock(
        config.lake_path,
        run_id or new_run_id(datetime.now(UTC)),
        wait=config.run.on_busy == "wait",
        timeout_s=config.run.wait_timeout_s,
    )
