"""Shared fixtures: the real corpus from ../shared, a clone of the real vault, Prefect."""

from __future__ import annotations

import fcntl
import os
import re
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from datetime import datetime
from pathlib import Path

import pytest

from digestlake.lake.store import Lake
from digestlake.pipeline.config import ArxivConfig, Config, ExportsConfig, SourceConfig

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
BUNDLE = CORPUS / "arxiv-today.bundle"
SAMPLES = ROOT / "data" / "samples"


def git(repo: Path, *args: str) -> str:
    """``git -C repo ...`` as a test's committer; its output."""
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
    }
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=env
    ).stdout.strip()


def config_for(
    lake: Lake | Path | str,
    sources: Sequence[SourceConfig] = (),
    *,
    cache: Path | None = None,
    exports: Path | str | None = None,
    arxiv: ArxivConfig | None = None,
    exports_config: ExportsConfig | None = None,
) -> Config:
    """The ``Config`` a digestlake.toml would load for this lake and these sources; arXiv off
    unless given (tests never talk to the real arXiv)."""
    root = lake.root if isinstance(lake, Lake) else str(lake)
    local = Path(root) if "://" not in root else None
    return Config(
        lake_path=local or root,
        exports_path=exports or (local.parent / "exports" if local else root + "-exports"),
        cache_path=cache or (local.parent / "cache" if local else Path("cache")),
        sources=list(sources),
        arxiv=arxiv or ArxivConfig(enabled=False),
        exports=exports_config or ExportsConfig(),
    )


def ingest_into(
    lake: Lake | Path | str,
    sources: Sequence[SourceConfig],
    now: datetime,
    cache: Path | None = None,
):
    """The ``ingest`` verb on these sources (a lake at a URL is the test's alone)."""
    from digestlake.pipeline.ingest import ingest
    from digestlake.pipeline.runner import SingleWriterRunner

    return ingest(config_for(lake, sources, cache=cache), now=now, runner=SingleWriterRunner())


def mask_run_ids(data: bytes) -> bytes:
    """An export with the run ids in it masked (the dataset card names the run that wrote
    the data): what two lakes built by separate runs must agree on."""
    return re.sub(rb"\d{8}T\d{6}Z-[0-9a-f]{6}", b"<run>", data)


def need_shared(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is absent: the real corpus lives in ../shared beside the project")
    return path


@pytest.fixture(scope="session")
def corpus() -> Path:
    return need_shared(CORPUS)


@pytest.fixture(scope="session")
def bundle() -> Path:
    return need_shared(BUNDLE)


@pytest.fixture(scope="session")
def vault_clone(bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A working clone of the real note vault (read-only for tests)."""
    target = tmp_path_factory.mktemp("vault") / "arxiv-today"
    subprocess.run(["git", "clone", "--quiet", str(bundle), str(target)], check=True)
    return target


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory: pytest.TempPathFactory):
    """One embedded Prefect server for the whole session (10-15 s to start).

    The heartbeat is turned off: the engine joins its thread in 1 s steps after every flow
    run, which only the Python settings API can disable (see prefect-notes.md §3).
    """
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    with (
        prefect_test_harness(server_startup_timeout=90),
        temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}),
    ):
        yield


def prefect_env(**extra: str) -> dict[str, str]:
    """The environment for a digestlake or prefect subprocess: none of this session's
    Prefect settings (the test harness's), quiet, no telemetry."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "DIGESTLAKE_"))}
    env.update(
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_LOGGING_LEVEL="WARNING",
        PREFECT_UI_ENABLED="false",
    )
    return env | extra


def run_folder(factory: pytest.TempPathFactory) -> Path:
    """The temporary folder of this whole run, which every xdist worker shares (each worker's
    own base folder is inside it)."""
    base = factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@contextmanager
def shared_state(folder: Path) -> Iterator[Path]:
    """``folder`` (in ``run_folder``) held under an exclusive lock, which the other xdist
    workers wait for: what one builds there for the others is whole once they get it."""
    folder.mkdir(exist_ok=True)
    with (folder / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield folder


def _users(folder: Path) -> set[int]:
    """The pids of the workers using the shared server, those that ended without saying so
    (a crashed worker) left out."""
    listed = (folder / "users").read_text().split() if (folder / "users").exists() else []
    return {int(pid) for pid in listed if Path(f"/proc/{pid}").exists()}


def _set_users(folder: Path, users: set[int]) -> None:
    (folder / "users").write_text("".join(f"{pid}\n" for pid in sorted(users)))


@pytest.fixture(scope="session")
def prefect_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real ``prefect server start`` on 127.0.0.1 (with its scheduler and services), for the
    tests that run digestlake as separate processes: ~5 s to start, ~3 s per flow run after.

    One server for the whole run, however many xdist workers need one (each start costs ~9 s
    of CPU, and an idle server ~1 s a minute): the worker that starts it stops it once every
    worker that used it has ended its session."""
    from digestlake.flows.prefect_env import local_prefect_server

    shared = run_folder(tmp_path_factory) / "prefect-api"
    url_file, started = shared / "url", ExitStack()
    with shared_state(shared):
        owner = not url_file.exists()  # no server yet, or one stopped after its last user
        if owner:
            home = tmp_path_factory.mktemp("prefect-server")
            url_file.write_text(started.enter_context(local_prefect_server(home, prefect_env())))
        url = url_file.read_text()
        _set_users(shared, _users(shared) | {os.getpid()})
    with started:
        try:
            yield url
        finally:
            with shared_state(shared):
                _set_users(shared, _users(shared) - {os.getpid()})
            while owner and not _released(shared, url_file):
                time.sleep(0.5)


def _released(shared: Path, url_file: Path) -> bool:
    """Whether the shared server has no user left; if so, no worker finds it from now on."""
    with shared_state(shared):
        if _users(shared):
            return False
        url_file.unlink()
        return True


# The files whose tests take longest (the history replay, biber, SIGKILLs and Prefect
# subprocesses), longest first, so that under xdist (``make test``) no worker starts one of
# them near the end while the others are idle. (xdist keeps this order only with
# --no-loadscope-reorder: by default --dist loadfile sends the files with most tests first.)
SLOW_FIRST = (
    "test_ingest_vault.py", "test_operations.py", "test_publish.py", "test_kill_anywhere.py",
    "test_enrich.py", "test_object_store.py", "test_hard_stops.py", "test_feeds.py",
    "test_site.py", "test_flows.py", "test_lake_conversion.py", "test_arxiv_client.py",
    "test_links_sources.py", "test_title_match.py", "test_feed_sources.py",
    "test_citation_keys.py", "test_dataset.py",
)  # fmt: skip


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return SLOW_FIRST.index(name) if name in SLOW_FIRST else len(SLOW_FIRST)

    items.sort(key=rank)  # stable: the order inside each file stays


# Measurements tests make on the real data, printed at the end of the run.
MEASUREMENTS: list[str] = []


def pytest_sessionfinish(session: pytest.Session) -> None:
    if hasattr(session.config, "workeroutput"):  # an xdist worker: hand them to the controller
        session.config.workeroutput["measurements"] = MEASUREMENTS


def pytest_testnodedown(node, error) -> None:  # xdist's controller, as each worker ends
    MEASUREMENTS.extend(node.workeroutput.get("measurements", []))


def pytest_terminal_summary(terminalreporter) -> None:
    if MEASUREMENTS:
        terminalreporter.section("measured on the real corpus")
        for line in MEASUREMENTS:
            terminalreporter.write_line(line)
