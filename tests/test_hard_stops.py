"""Hard stops (issue 16, items 7, 9 and 12): a signal ends a run stuck on a slow server within
seconds and leaves the lake whole, its lock free or stale; a busy lake is one line and exit 75;
temp files of killed writers are swept by the next writer. Runs are separate processes, as an
operator or a scheduler starts them."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from conftest import MEASUREMENTS, ROOT, SAMPLES, prefect_env
from httpserver import serving

from digestlake.core.location import Location
from digestlake.lake.lock import lake_lock
from digestlake.lake.store import Lake

DAY = "2024년 1월 2일\nA Paper\n(Ann Lee)\nAn abstract long enough to be an abstract here.\n#llm\n"


class Drip:
    """A digest server on 127.0.0.1 that answers one byte every 2 s until told to hurry."""

    def __init__(self) -> None:
        self.requests = 0
        self.hurry = threading.Event()

    def respond(self, handler: BaseHTTPRequestHandler) -> None:
        self.requests += 1
        body = DAY.encode()
        handler.wfile.write(f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n\r\n".encode())
        for i in range(len(body)):
            if self.hurry.is_set():
                handler.wfile.write(body[i:])
                return
            handler.wfile.write(body[i : i + 1])
            handler.wfile.flush()
            self.hurry.wait(2)


@contextmanager
def drip_server() -> Iterator[tuple[str, Drip]]:
    drip = Drip()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            with suppress(BrokenPipeError, ConnectionResetError):  # the run was stopped
                drip.respond(self)

        def log_message(self, *args) -> None:
            pass

    with serving(Handler) as base_url:
        try:
            yield f"{base_url}/digest.txt", drip
        finally:
            drip.hurry.set()  # before the shutdown, which waits for the dripping answer


def write_config(folder: Path, source: str, extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "digestlake.toml"
    path.write_text(
        '[lake]\npath = "lake"\n[exports]\npath = "exports"\n[cache]\npath = "cache"\n'
        "[arxiv]\nenabled = false\n"
        "[http]\ndeadline_s = 600\n"  # the signal ends the run, not the request's deadline
        f'[[sources]]\nname = "slow"\nkind = "digest"\n{source}\n{extra}'
    )
    return path


def digestlake(*args: str, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "digestlake.flows.cli", *args],
        env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def wait_for(predicate, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
        time.sleep(0.1)


@pytest.mark.prefect
@pytest.mark.parametrize(
    ("signum", "verb"),
    [(signal.SIGTERM, "run"), (signal.SIGINT, "ingest")],  # a Ctrl-C is a SIGINT
    ids=["SIGTERM-run", "SIGINT-ingest"],
)
def test_a_signal_ends_a_run_stuck_on_a_slow_server(
    prefect_api: str, tmp_path: Path, signum: signal.Signals, verb: str
) -> None:
    """Stopped within seconds, not after the 600 s the request may take: the lock is stale
    (its holder gone), the lake readable, and the next run takes it over."""
    env = prefect_env(PREFECT_API_URL=prefect_api)
    with drip_server() as (url, drip):
        config = write_config(tmp_path, f'url = "{url}"')
        run = digestlake(verb, "--config", str(config), env=env)
        wait_for(lambda: drip.requests or run.poll() is not None, 120, "the digest request")
        time.sleep(2)  # into the dripping answer, which has 600 s to arrive
        assert run.poll() is None, run.stdout.read()
        started = time.monotonic()
        run.send_signal(signum)
        try:
            out = run.communicate(timeout=30)[0]
        finally:
            run.kill()
        took = time.monotonic() - started
        MEASUREMENTS.append(
            f"{signum.name} to a run stuck on a dripping server: exit in {took:.2f} s"
        )
        assert took < 10, f"{took:.1f} s"
        assert run.returncode == 128 + signum, out
        assert f"stopped by {signum.name}" in out and "Traceback" not in out, out

        status = subprocess.run(
            [sys.executable, "-m", "digestlake.flows.cli", "status", "--config", str(config)],
            capture_output=True, text=True, env=env, cwd=ROOT, check=True,
        )  # fmt: skip
        assert "lock: stale: run" in status.stdout, status.stdout
        Lake(tmp_path / "lake").row_counts()  # readable

        drip.hurry.set()  # the server recovers: the next run takes the lake and reads the source
        rerun = digestlake(verb, "--config", str(config), env=env)
        out = rerun.communicate(timeout=180)[0]
    assert rerun.returncode == 0, out
    assert Lake(tmp_path / "lake").read("mentions").height == 1
    if verb == "run":
        (report,) = Lake(tmp_path / "lake").read("runs")["report"]
        assert "Found a stale lock" in report


def test_the_next_writer_removes_temp_files_of_dead_writers_only(tmp_path: Path) -> None:
    """A killed writer's temp file goes with the next write into its folder; a live
    process's, another host's and the user's own hidden files stay."""
    host = socket.gethostname()
    dead = subprocess.Popen(["true"])
    dead.wait()
    live = subprocess.Popen(["sleep", "60"])
    kept = [
        f".part-0.parquet.{live.pid}@{host}.tmp",  # a live writer's, mid-write
        f".all.bib.{dead.pid}@another-host.tmp",  # a pid of another machine says nothing
        f".notes.{dead.pid}.tmp",  # the user's, not named like ours
        f"draft.{dead.pid}@{host}.tmp",  # not hidden: not ours
    ]
    try:
        folder = tmp_path / "feeds"
        folder.mkdir()
        for name in [*kept, f".all.xml.{dead.pid}@{host}.tmp"]:
            (folder / name).write_bytes(b"half a file")
        Location(tmp_path).write_bytes("feeds/all.xml", b"<rss/>")
    finally:
        live.kill()
        live.wait()
    assert sorted(p.name for p in folder.iterdir()) == sorted([*kept, "all.xml"])


@pytest.mark.prefect
def test_a_busy_lake_is_one_line_and_exit_75(prefect_api: str, tmp_path: Path) -> None:
    """``on_busy = "exit"``: the run that finds the lake held says so in one line (no Prefect
    traceback before it) and exits with EX_TEMPFAIL, for a scheduler to try again later."""
    config = write_config(tmp_path, f'path = "{SAMPLES / "digests"}"', '[run]\non_busy = "exit"\n')
    with lake_lock(tmp_path / "lake", "holding-run", wait=False, timeout_s=0):
        busy = digestlake("run", "--offline", "--config", str(config), env=prefect_env(
            PREFECT_API_URL=prefect_api
        ))  # fmt: skip
        out = busy.communicate(timeout=120)[0]
    assert busy.returncode == 75, out
    # No traceback, and the message on a line of its own (Prefect's client may add a warning of
    # its own, about a retried request or events still being sent, before or after it).
    assert "Traceback" not in out, out
    busy_line = f"error: lake {tmp_path / 'lake'} is busy: held by run holding-run"
    assert any(line.startswith(busy_line) for line in out.splitlines()), out


@pytest.mark.prefect
def test_a_lake_that_cannot_be_written_is_one_line_and_exit_2(
    prefect_api: str, tmp_path: Path
) -> None:
    """An error the CLI answers (here: the lake path is a file) is not a crash: one line, no
    Prefect traceback of the flow or task before it."""
    config = write_config(tmp_path, f'path = "{SAMPLES / "digests"}"')
    (tmp_path / "lake").write_text("not a folder")
    failed = digestlake("run", "--offline", "--config", str(config), env=prefect_env(
        PREFECT_API_URL=prefect_api
    ))  # fmt: skip
    out = failed.communicate(timeout=120)[0]
    assert failed.returncode == 2, out
    assert "Traceback" not in out, out
    lake = tmp_path / "lake"
    expected = f"error: cannot write the lake at {lake}: {lake} is a file, not a folder"
    assert expected in out.splitlines(), out  # Prefect may warn of its own, before or after
