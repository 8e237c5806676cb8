"""The lake and the exports on an object store: an S3 server (moto) on 127.0.0.1, reached
through fsspec/s3fs as any S3-compatible store would be, credentials from the environment."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import fsspec
import pytest
from conftest import ROOT, SAMPLES, config_for, ingest_into, mask_run_ids, need_shared, prefect_env

from digestlake.core.location import Location
from digestlake.lake.query import run_query
from digestlake.lake.store import Lake
from digestlake.pipeline.config import SourceConfig, load_config
from digestlake.pipeline.publish import publish
from digestlake.pipeline.runner import SingleWriterRunner
from digestlake.pipeline.snapshot import load_snapshot

ALONE = SingleWriterRunner()  # these tests are the lake's only writer: no lease needed
T0 = datetime(2026, 1, 1, tzinfo=UTC)
SNAPSHOT = ROOT.parent / "shared" / "fixtures" / "arxiv" / "kaggle_sample.jsonl"


@pytest.fixture(scope="module")
def s3() -> Iterator[dict[str, str]]:
    """The environment that points S3 clients at the server, with a fresh bucket."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    env = {
        "AWS_ACCESS_KEY_ID": "digestlake",
        "AWS_SECRET_ACCESS_KEY": "digestlake",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": f"http://{host}:{port}",
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    fsspec.filesystem("s3", skip_instance_cache=True).mkdir("digestlake")
    try:
        yield env
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        server.stop()


def _ingest(lake: Lake, cache: Path) -> None:
    sources = [
        SourceConfig("digests", "digest", path=str(SAMPLES / "digests")),
        SourceConfig("vault", "vault", path=str(SAMPLES / "vault")),
    ]
    ingest_into(lake, sources, T0, cache)


def test_a_lake_and_exports_on_s3_match_local_ones(s3, tmp_path: Path) -> None:
    remote, local = Lake("s3://digestlake/same/lake"), Lake(tmp_path / "lake")
    for lake, exports in ((remote, "s3://digestlake/same/exports"), (local, tmp_path / "exports")):
        _ingest(lake, tmp_path / "cache")
        publish(config_for(lake, exports=exports), now=T0, runner=ALONE)

    def layout(lake: Lake) -> list[tuple]:
        return lake.files("mentions").select("partition", "num_records").rows()

    assert layout(remote) == layout(local)
    for table in ("mentions", "papers", "citation_keys"):
        assert remote.read(table).equals(local.read(table), null_equal=True), table
    s3_exports = Location("s3://digestlake/same/exports")
    local_exports = Location(tmp_path / "exports")
    names = local_exports.find()
    assert len(names) > 50 and s3_exports.find() == names
    for name in names:  # the dataset card names the run that wrote the data: another run
        same = [mask_run_ids(where.read_bytes(name)) for where in (s3_exports, local_exports)]
        assert same[0] == same[1], name

    def data(state: dict) -> dict:  # every run adds its own row to runs, and nothing else
        return {k: v for k, v in state.items() if not k.startswith("runs/")}

    stamps = data(remote.location.state())  # nothing changed: nothing rewritten on S3 either
    _ingest(remote, tmp_path / "cache")
    again = publish(
        config_for(remote, exports="s3://digestlake/same/exports"), now=T0, runner=ALONE
    )
    assert again.files.written == []
    assert data(remote.location.state()) == stamps

    sql = "select source_id, count(*) as n from mentions group by 1 order by 1"
    assert run_query(remote, sql).equals(run_query(local, sql))


def test_the_snapshot_imports_into_an_s3_lake(s3) -> None:
    lake = Lake("s3://digestlake/snapshot/lake")
    report = load_snapshot(lake, need_shared(SNAPSHOT), progress=False)
    assert report.records == 200 and lake.read("papers").height == 200
    assert lake.files("papers")["partition"].to_list() == ["0704"]
    assert lake.version("papers") == 1  # created, then every bucket in one commit
    assert not Path(".staging").exists()


def test_the_pipeline_runs_on_an_s3_lake_with_its_lease_in_prefect(
    s3, prefect_api: str, tmp_path: Path
) -> None:
    config = tmp_path / "digestlake.toml"
    config.write_text(
        '[lake]\npath = "s3://digestlake/pipeline/lake"\n'
        '[exports]\npath = "s3://digestlake/pipeline/exports"\n[cache]\npath = "cache"\n'
        "[arxiv]\nenabled = false\n"
        f'[[sources]]\nname = "digests"\nkind = "digest"\npath = "{SAMPLES / "digests"}"\n'
    )
    assert load_config(config, env={}).lake_path == "s3://digestlake/pipeline/lake"
    env = prefect_env(PREFECT_API_URL=prefect_api, **s3)
    command = [
        sys.executable,
        "-m",
        "digestlake.flows.cli",
        "run",
        "--offline",
        "--config",
        str(config),
    ]
    for _ in range(2):
        done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
    runs = Lake("s3://digestlake/pipeline/lake").read("runs").sort("started_at")
    assert runs["status"].to_list() == ["completed", "completed"]
    assert runs["export_files_written"].to_list()[1] == 0
    assert runs["lake_files_written"].to_list()[1] == 0
    bib = Location("s3://digestlake/pipeline/exports").read_bytes("bibtex/all.bib")
    assert b"@article{" in bib or b"@misc{" in bib
    from digestlake.pipeline.lock import lease_name

    name = lease_name("s3://digestlake/pipeline/lake")  # the lake's lock, held in Prefect
    inspect = [sys.executable, "-m", "prefect", "gcl", "inspect", name]
    assert subprocess.run(inspect, env=env, capture_output=True).returncode == 0


def test_rollback_and_vacuum_of_an_s3_lake_hold_its_lease_in_prefect(
    s3, prefect_api: str, tmp_path: Path
) -> None:
    """``digestlake rollback`` and ``vacuum`` on a lake at a URL run outside any flow, holding
    the lake's Prefect lease through the PrefectRunner: the run they undo is undone, the lake
    stays readable with the same rows, and the rollback is recorded. (The runs before them
    are made in-process: this test is about the two verbs.)"""
    from digestlake.pipeline.run import run

    digests = tmp_path / "digests"
    digests.mkdir()
    days = sorted((SAMPLES / "digests").glob("*.txt"))
    for day in days[:-1]:  # the last day comes with the second run
        (digests / day.name).write_bytes(day.read_bytes())
    lake_url = "s3://digestlake/rollback/lake"
    config = tmp_path / "digestlake.toml"
    config.write_text(
        f'[lake]\npath = "{lake_url}"\n'
        '[exports]\npath = "exports"\n[cache]\npath = "cache"\n'  # the lake is what is remote
        "[arxiv]\nenabled = false\n"
        f'[[sources]]\nname = "digests"\nkind = "digest"\npath = "{digests}"\n'
    )
    loaded = load_config(config, env={})
    run(loaded, offline=True, now=T0, runner=ALONE)
    before = Lake(lake_url).read("mentions").sort("mention_id")
    (digests / days[-1].name).write_bytes(days[-1].read_bytes())
    second = run(loaded, offline=True, now=T0, runner=ALONE).run["run_id"]
    assert Lake(lake_url).read("mentions").height > before.height

    env = prefect_env(PREFECT_API_URL=prefect_api, **s3)

    def digestlake(*args: str) -> str:
        command = [sys.executable, "-m", "digestlake.flows.cli", *args, "--config", str(config)]
        done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    said = digestlake("rollback", second)
    assert f"rolled back run {second}" in said and "mentions" in said
    assert Lake(lake_url).read("mentions").sort("mention_id").equals(before, null_equal=True)
    said = digestlake("vacuum", "--retain-days", "0")
    assert said.startswith("vacuum:") and "mentions" in said
    assert Lake(lake_url).read("mentions").sort("mention_id").equals(before, null_equal=True)
    runs = Lake(lake_url).read("runs").sort("started_at")
    assert runs["flow"].to_list()[-1] == "rollback" and runs["rollback_of"][-1] == second
