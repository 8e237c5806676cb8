"""Prefect settings for an embedded, offline run; applied before prefect is first imported.

Anything already set in the environment wins, so an operator can point the same commands at
a Prefect server with ``PREFECT_API_URL``. A Prefect server this process starts dies with it,
even by SIGKILL or an OOM kill: the kernel kills it when its parent goes (``PR_SET_PDEATHSIG``).
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from digestlake.lake.lock import LakeBusy
from digestlake.lake.store import LakeError
from digestlake.pipeline.config import ConfigError

_LINUX = sys.platform.startswith("linux")
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


class _AnswerIsNoCrash(logging.Filter):
    """A busy lake, a lake that cannot be read or written, a bad config: answers, not crashes.
    The CLI says each in one line (exit 75 or 2), which Prefect's flow and task run loggers
    would precede with a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        answered = (LakeBusy, LakeError, ConfigError)
        return not (record.exc_info and isinstance(record.exc_info[1], answered))


_ANSWER_IS_NO_CRASH = _AnswerIsNoCrash()


def configure_prefect(cache: Path) -> None:
    defaults = {
        # A persistent home reuses the migrated SQLite database: ~6-10 s less per run.
        "PREFECT_HOME": str(cache / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",  # no telemetry DNS lookup offline
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
        "PREFECT_UI_ENABLED": "false",
    }
    for key, value in defaults.items():
        os.environ.setdefault(key, value)
    Path(os.environ["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
    for name in ("prefect.flow_runs", "prefect.task_runs"):  # kept by Prefect's setup
        logging.getLogger(name).addFilter(_ANSWER_IS_NO_CRASH)


def dies_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` that has the kernel SIGKILL the child when the thread starting it ends
    (with its process, from the main thread), or None off Linux. A parent that died before
    the ``prctl`` took effect is checked for: nobody would send that signal."""
    if not _LINUX:
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up in the parent; the child calls
    parent = os.getpid()

    def preexec() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:
            os._exit(1)

    return preexec


def start_embedded_server() -> None:
    """Start Prefect's embedded (ephemeral) server now, so that it dies with this process;
    call it from the main thread. Prefect would start it on first use, from whichever thread
    asks first, as a plain subprocess that outlives a SIGKILL or an OOM kill of its parent
    (uvicorn, ~190 MB, listening on 127.0.0.1 until someone kills it; a sweep by the next
    run would leave it that long). Nothing to do with a Prefect API configured, or a server
    already registered (Prefect's test harness). The server module is imported only when
    the server is to start (the import alone is about 3 s of CPU)."""
    from prefect.settings import get_current_settings

    settings = get_current_settings()
    if settings.api.url or not settings.server.ephemeral.enabled:
        return
    from prefect.server.api.server import SubprocessASGIServer

    if None in SubprocessASGIServer._instances or not _LINUX:
        return

    class EmbeddedServer(SubprocessASGIServer):
        """Registered as the server Prefect's own ``SubprocessASGIServer()`` calls find, as
        Prefect's test harness registers its own (prefect/testing/utilities.py)."""

        def _run_uvicorn_command(self) -> subprocess.Popen[Any]:
            # Prefect 3's launch (prefect/server/api/server.py), with a preexec_fn.
            import prefect

            ephemeral = {
                "PREFECT_UI_ENABLED": "0",
                "PREFECT__SERVER_EPHEMERAL": "1",
                "PREFECT__SERVER_FINAL": "1",
            }
            return subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "--app-dir", str(prefect.__module_path__.parent),
                 "--factory", "prefect.server.api.server:create_app", "--host", "127.0.0.1",
                 "--port", str(self.port), "--log-level", "error", "--lifespan", "on"],
                env={
                    **os.environ, **ephemeral,
                    **get_current_settings().to_environment_variables(exclude_unset=True),
                },
                preexec_fn=dies_with_parent(),
            )  # fmt: skip

    EmbeddedServer().start()


@contextmanager
def local_prefect_server(
    home: Path, env: dict[str, str] | None = None, *, startup_timeout_s: float = 90.0
) -> Iterator[str]:
    """``prefect server start`` on a free port of 127.0.0.1, its database in ``home``; yields
    the API URL once the server answers, and stops it when the block ends."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    home.mkdir(parents=True, exist_ok=True)
    log = (home / "server.log").open("ab")
    server = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
         "--port", str(port)],
        env=(env or os.environ) | {"PREFECT_HOME": str(home)},
        stdout=log, stderr=subprocess.STDOUT, preexec_fn=dies_with_parent(),
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + startup_timeout_s
        while not _healthy(url):
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the Prefect server did not start; see {log.name}")
            time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@contextmanager
def prefect_server(cache: Path) -> Iterator[str]:
    """The API URL of a Prefect server for this process: ``PREFECT_API_URL`` when set, else a
    local server that lives as long as the block. Schedules need one: an embedded (ephemeral)
    server does not run Prefect's scheduler."""
    if os.environ.get("PREFECT_API_URL"):
        yield os.environ["PREFECT_API_URL"]
        return
    configure_prefect(cache)
    with local_prefect_server(Path(os.environ["PREFECT_HOME"])) as url:
        os.environ["PREFECT_API_URL"] = url
        try:
            yield url
        finally:
            os.environ.pop("PREFECT_API_URL", None)


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
