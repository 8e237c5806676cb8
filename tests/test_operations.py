"""Running unattended: schedules served until SIGTERM, runs that overlap, a run killed with
SIGKILL, and two Prefect workers sharing arXiv's rate limit. Each test runs digestlake as
separate processes, as a scheduler or an operator would."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest
from conftest import CORPUS, MEASUREMENTS, ROOT, SAMPLES, need_shared, prefect_env

from digestlake.core.location import Location
from digestlake.core.tables import TABLES
from digestlake.lake.store import Lake

pytestmark = pytest.mark.prefect


def digestlake(*args: str, env: dict[str, str], **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "digestlake.flows.cli", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
        **kwargs,
    )


def write_config(folder: Path, sources: str, extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "digestlake.toml"
    path.write_text(
        '[lake]\npath = "lake"\n[exports]\npath = "exports"\n[cache]\npath = "cache"\n'
        "[arxiv]\nenabled = false\n" + sources + extra
    )
    return path


SAMPLE_SOURCES = (
    f'[[sources]]\nname = "digests"\nkind = "digest"\npath = "{SAMPLES / "digests"}"\n'
    f'[[sources]]\nname = "vault"\nkind = "vault"\npath = "{SAMPLES / "vault"}"\n'
)


def wait_for(predicate, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
        time.sleep(0.2)


def completed_runs(lake_root: Path) -> pl.DataFrame:
    return Lake(lake_root).read("runs").filter(pl.col("status") == "completed")


def test_serve_runs_the_schedule_and_stops_on_sigterm(tmp_path: Path) -> None:
    """``digestlake serve`` with no Prefect server configured starts its own on 127.0.0.1."""
    config = write_config(
        tmp_path,
        SAMPLE_SOURCES,
        '[[schedules]]\nname = "every-minute"\ncron = "* * * * *"\nparameters = {offline = true}\n',
    )
    server = digestlake(
        "serve", "--config", str(config), env=prefect_env(PREFECT_RUNNER_POLL_FREQUENCY="1")
    )
    try:
        wait_for(
            lambda: (
                (tmp_path / "lake" / "runs").is_dir()
                and completed_runs(tmp_path / "lake").height >= 1
            ),
            150,
            "a scheduled run to complete",
        )
        assert (tmp_path / "exports" / "bibtex" / "all.bib").stat().st_size > 0
        assert (tmp_path / "exports" / "feeds" / "index.opml").exists()
        run = completed_runs(tmp_path / "lake").row(0, named=True)
        assert run["flow"] == "pipeline" and run["flow_run_id"]
        assert run["export_files_written"] > 0 and "| digests | ok |" in run["report"]
    finally:
        server.send_signal(signal.SIGTERM)
        out, _ = server.communicate(timeout=60)
    assert server.returncode == 0, out
    assert "serving pipeline as every-minute" in out and out.rstrip().endswith("stopped")


def test_two_pipelines_at_once_take_turns_and_both_are_reported(
    prefect_api: str, tmp_path: Path
) -> None:
    config = write_config(tmp_path, SAMPLE_SOURCES)
    env = prefect_env(PREFECT_API_URL=prefect_api)
    runs = [digestlake("run", "--offline", "--config", str(config), env=env) for _ in range(2)]
    outputs = [r.communicate(timeout=180)[0] for r in runs]
    assert [r.returncode for r in runs] == [0, 0], outputs
    lake = Lake(tmp_path / "lake")
    mentions, papers = lake.read("mentions"), lake.read("papers")
    assert mentions.height == 12 and mentions["mention_id"].n_unique() == 12
    assert papers["paper_id"].n_unique() == papers.height
    recorded = completed_runs(tmp_path / "lake").sort("started_at")
    assert recorded.height == 2
    first, second = recorded.to_dicts()
    assert first["finished_at"] <= second["started_at"]  # one after the other, never together
    assert second["lake_files_written"] == 0 and second["export_files_written"] == 0


def _lake_content(root: Path) -> dict[str, pl.DataFrame]:
    """Every table but ``runs``, without the columns that say when (which differ by run)."""
    lake = Lake(root)
    content = {}
    for name, spec in TABLES.items():
        if name == "runs":
            continue
        frame = lake.read(name)
        moments = [c for c, t in frame.schema.items() if isinstance(t, pl.Datetime)]
        content[name] = frame.drop(moments).sort(list(spec.key))
    return content


def _files(root: Path) -> dict[str, bytes]:
    return {p: (root / p).read_bytes() for p in Location(root).state()}


def alive_in_group(pgid: int) -> list[str]:
    """The command lines of the processes of group ``pgid`` still running (a zombie holds no
    memory or socket: it only waits for its exit status to be read)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:  # ended meanwhile
            continue
        state, _, group = text[text.rindex(")") + 2 :].split()[:3]
        if int(group) == pgid and state != "Z":
            found.append(cmdline.strip())
    return found


def temp_files(*roots: Path) -> list[Path]:
    return [p for root in roots for p in root.rglob("*.tmp")]


def test_a_run_killed_mid_write_is_completed_by_the_next(prefect_api: str, tmp_path: Path) -> None:
    """Killed with SIGKILL while it writes the lake, then while it writes the exports: the
    lake stays readable, nothing the run started outlives it (its embedded Prefect server
    included), and a rerun gives what an uninterrupted run gives, leaving no temp file."""
    digests = need_shared(CORPUS / "digests")
    sources = f'[[sources]]\nname = "corpus"\nkind = "digest"\npath = "{digests}"\n'
    env = prefect_env(PREFECT_API_URL=prefect_api)
    reference = write_config(tmp_path / "reference", sources)
    run = digestlake("run", "--offline", "--config", str(reference), env=env)
    assert run.wait(timeout=300) == 0, run.stdout.read()

    killed = write_config(tmp_path / "killed", sources)
    lake_root, exports = tmp_path / "killed" / "lake", tmp_path / "killed" / "exports"
    for started_writing in (
        lambda: (lake_root / "mentions").is_dir(),
        lambda: (exports / "bibtex").is_dir(),
    ):
        # Embedded Prefect, as a scheduler starts it; a session of its own, so that every
        # process it starts is in its process group
        run = digestlake(
            "run", "--offline", "--config", str(killed), env=prefect_env(), start_new_session=True
        )
        wait_for(
            lambda started=started_writing, run=run: started() or run.poll() is not None,
            300,
            "writing to start",
        )
        assert run.poll() is None, "the run ended before it could be killed"
        started = alive_in_group(run.pid)
        assert any("prefect.server.api.server:create_app" in c for c in started), started
        os.kill(run.pid, signal.SIGKILL)
        run.wait()
        wait_for(lambda run=run: not alive_in_group(run.pid), 10, "the run's processes to end")
        Lake(lake_root).row_counts()  # readable: every file whole
    status = subprocess.run(
        [sys.executable, "-m", "digestlake.flows.cli", "status", "--config", str(killed)],
        capture_output=True, text=True, env=env, cwd=ROOT, check=True,
    )  # fmt: skip
    assert "lock: stale" in status.stdout
    run = digestlake("run", "--offline", "--config", str(killed), env=env)
    out = run.communicate(timeout=300)[0]
    assert run.returncode == 0, out

    expected, got = _lake_content(tmp_path / "reference" / "lake"), _lake_content(lake_root)
    for name in expected:
        assert got[name].equals(expected[name], null_equal=True), name
    # The dataset (jsonl/, parquet/ and its card) says when each mention was first seen and
    # which run wrote it: the reference ran at another time. Every other export is the same.
    clocked = ("jsonl/", "parquet/", "README.md")
    expected = {k: v for k, v in _files(tmp_path / "reference" / "exports").items()}
    assert {k: v for k, v in _files(exports).items() if not k.startswith(clocked)} == {
        k: v for k, v in expected.items() if not k.startswith(clocked)
    }
    assert set(_files(exports)) == set(expected)
    assert temp_files(lake_root, exports) == []
    report = completed_runs(lake_root).row(0, named=True)["report"]
    assert "Found a stale lock" in report


def prefect_cli(*args: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "prefect", *args],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_two_workers_of_a_work_pool_share_the_arxiv_rate_limit(
    prefect_api: str, tmp_path: Path
) -> None:
    """The shipped prefect.yaml deployed to a server; two process workers each run a pipeline
    (two lakes) against one stand-in arXiv at the same time; the global concurrency limit
    keeps every pair of requests at least ``min_interval_s`` apart."""
    from standin_arxiv import Paper, serve_standin

    # Two seconds between requests: each run then lasts several seconds, so the two overlap
    # even when one worker starts a little late on a loaded machine.
    interval = 2.0
    env = prefect_env(PREFECT_API_URL=prefect_api, PREFECT_WORKER_QUERY_SECONDS="1")
    prefect_cli("work-pool", "create", "digestlake", "--type", "process", "--overwrite", env=env)
    prefect_cli("--no-prompt", "deploy", "--all", env=env | {"DIGESTLAKE_HOME": str(ROOT)})
    with serve_standin() as standin:
        standin.add(
            Paper("2403.90001", "Sparse Mixtures of Tiny Experts", [("Hana Kim", [])]),
            Paper("2403.90002", "Retrieval Heads in Long Context", [("Min Park", [])]),
        )
        arxiv = (
            f'[arxiv]\napi_url = "{standin.api_url}"\nmin_interval_s = {interval}\n'
            'cache = "arxiv-cache"\n'
        )
        configs = [
            write_config(tmp_path / name, SAMPLE_SOURCES)
            .read_text()
            .replace("[arxiv]\nenabled = false\n", arxiv)
            for name in ("a", "b")
        ]
        for name, text in zip(("a", "b"), configs, strict=True):
            (tmp_path / name / "digestlake.toml").write_text(text)
        for name in ("a", "b"):  # both runs wait in the pool before the workers start
            config = tmp_path / name / "digestlake.toml"
            prefect_cli(
                "deployment", "run", "pipeline/pipeline-daily",
                "--param", f"config_path={config}", env=env,
            )  # fmt: skip
        logs = [(tmp_path / f"worker-{n}.log").open("w") for n in (1, 2)]
        command = [sys.executable, "-m", "prefect", "worker", "start", "--pool", "digestlake"]
        workers = [
            subprocess.Popen(
                [*command, "--limit", "1", "--name", f"worker-{n}"],
                env=env | {"PREFECT_LOGGING_LEVEL": "INFO"},  # to see which worker ran what
                cwd=tmp_path,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            for n, log in zip((1, 2), logs, strict=True)
        ]
        try:
            wait_for(
                lambda: all(
                    (tmp_path / n / "lake" / "runs").is_dir()
                    and completed_runs(tmp_path / n / "lake").height == 1
                    for n in ("a", "b")
                ),
                240,
                "both flow runs to complete",
            )
        finally:
            for worker in workers:
                worker.terminate()
            for worker in workers:
                try:
                    worker.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    worker.kill()
            for log in logs:
                log.close()
    runs = [completed_runs(tmp_path / n / "lake").row(0, named=True) for n in ("a", "b")]
    assert all(r["papers_enriched"] == 2 for r in runs)
    first, second = sorted(runs, key=lambda r: r["started_at"])
    assert second["started_at"] < first["finished_at"], "the two runs did not overlap"
    for n in (1, 2):  # each worker ran one of them
        log = (tmp_path / f"worker-{n}.log").read_text()
        assert "Beginning flow run" in log and "for flow 'pipeline'" in log, log
    gaps = standin.gaps()
    MEASUREMENTS.append(
        f"two workers, one stand-in: {len(gaps) + 1} requests, closest {min(gaps):.2f} s apart "
        f"(min_interval_s {interval})"
    )
    assert len(standin.requests) >= 4
    assert min(gaps) >= interval, f"requests {min(gaps):.3f} s apart"
