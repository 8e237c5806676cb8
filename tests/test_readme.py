"""The README's examples, run: every ``console`` block's commands against the shipped samples
(what they print must be what the README shows), every ``python`` block, and every ``sql``
block DuckDB is shown running."""

from __future__ import annotations

import os
import re
import shlex
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from conftest import ROOT

from digestlake.flows.cli import main
from digestlake.pipeline.config import load_config
from digestlake.pipeline.ingest import ingest

README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def blocks(language: str) -> list[str]:
    return [body for lang, body in BLOCK.findall(README) if lang == language]


def console_examples() -> list[tuple[str, str]]:
    """(command, what the README shows it printing) for every ``$ digestlake`` line."""
    examples = []
    for body in blocks("console"):
        for chunk in re.split(r"^\$ ", body, flags=re.MULTILINE)[1:]:
            command, _, output = chunk.partition("\n")
            examples.append((command, output.rstrip("\n")))
    return examples


@pytest.fixture(scope="module")
def samples_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder laid out like a fresh clone after ``make run``: the shipped config, the
    samples, and the lake they give (ingested here without Prefect)."""
    home = tmp_path_factory.mktemp("readme")
    (home / "digestlake.toml").write_text((ROOT / "digestlake.toml").read_text())
    (home / "data").mkdir()
    (home / "data" / "samples").symlink_to(ROOT / "data" / "samples")
    ingest(load_config(home / "digestlake.toml", env={}), now=datetime(2026, 1, 1, tzinfo=UTC))
    return home


def test_the_readme_has_examples_to_run() -> None:
    assert len(console_examples()) >= 4 and blocks("python") and blocks("sql")


@pytest.mark.parametrize(("command", "shown"), console_examples(), ids=lambda v: v[:40])
def test_console_example_prints_what_the_readme_shows(
    command: str, shown: str, samples_home: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.chdir(samples_home)
    for key in [k for k in os.environ if k.startswith("DIGESTLAKE_")]:
        monkeypatch.delenv(key)
    argv = shlex.split(command)
    assert argv[0] == "digestlake"
    assert main(argv[1:]) == 0
    assert capsys.readouterr().out.rstrip("\n") == shown


def test_python_examples_run(samples_home: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.chdir(samples_home)
    for body in blocks("python"):
        exec(compile(body, "README.md", "exec"), {})  # the README's own code, as a user runs it
    assert capsys.readouterr().out  # the library example prints its report


def test_sql_examples_run_in_duckdb(samples_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(samples_home)
    for body in blocks("sql"):
        if body.startswith("-- duckdb"):
            assert duckdb.sql(body).fetchall()
