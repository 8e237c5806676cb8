"""The command line verbs that need no Prefect: parse, query, status."""

from __future__ import annotations

import argparse
import json
import re
import shlex
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLES
from test_digest_parser import expected_fields

from digestlake.flows.cli import VERBS, build_parser, main
from digestlake.pipeline.config import load_config
from digestlake.pipeline.ingest import ingest


def test_parse_seed_as_json_matches_expected(corpus: Path, capsys) -> None:
    assert (
        main(["parse", str(corpus / "seed" / "2024-06-18.txt"), "--kind", "digest", "--json"]) == 0
    )
    lines = capsys.readouterr().out.splitlines()
    expected = [json.loads(x) for x in (corpus / "seed" / "2024-06-18.expected.jsonl").open()]
    assert len(lines) == 9
    for line, row in zip(lines, expected, strict=True):
        got = json.loads(line)
        for key in (
            "title",
            "authors_raw",
            "authors",
            "abstract",
            "commentary",
            "tags",
            "links",
            "cited_arxiv_ids",
            "arxiv_id",
        ):
            assert key in got
        assert {k: got[k] for k in expected_fields(row)} == expected_fields(row)


def test_parse_reports_a_bad_encoding_with_the_file(capsys) -> None:
    legacy = SAMPLES / "digests-legacy" / "2024-03-07.txt"
    assert main(["parse", str(legacy)]) == 2
    assert f"{legacy}:1: not valid UTF-8" in capsys.readouterr().err
    assert main(["parse", str(legacy), "--encoding", "cp949", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["title"] == "Korean Instruction Data at Scale"


def test_parse_query_and_status_do_not_import_prefect(tmp_path: Path) -> None:
    code = (
        "import sys; from flows.cli import main; "
        f"main(['parse', {str(SAMPLES / 'digests' / '2024-03-04.txt')!r}]); "
        f"main(['status', '--config', {str(ROOT / 'digestlake.toml')!r}]); "
        "assert 'prefect' not in sys.modules, 'prefect was imported'"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr


@pytest.fixture
def sample_lake(tmp_path: Path) -> Path:
    """The shipped samples ingested (without Prefect) into a lake under tmp_path."""
    config_file = tmp_path / "digestlake.toml"
    text = (ROOT / "digestlake.toml").read_text().replace('"data/samples', f'"{SAMPLES}')
    config_file.write_text(text)
    config = load_config(config_file, env={})
    ingest(config, now=datetime(2026, 1, 1, tzinfo=UTC))
    return config_file


def test_query_formats(sample_lake: Path, capsys) -> None:
    sql = "select title, tags from mentions where source_id = 'sample-vault' order by title"
    assert main(["query", sql, "--config", str(sample_lake), "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0] == {
        "title": "$\\infty$-Context: Attention Beyond a Million Tokens",
        "tags": ["long-context", "attention"],
    }
    assert main(["query", sql, "--config", str(sample_lake), "--format", "csv"]) == 0
    csv = capsys.readouterr().out.splitlines()
    assert csv[0] == "title,tags" and csv[1].endswith(",long-context; attention")
    assert main(["query", "select count(*) as n from papers", "--config", str(sample_lake)]) == 0
    assert "│ 7   │" in capsys.readouterr().out  # 3 arXiv papers + 4 provisional ones
    assert main(["query", "select nope from papers", "--config", str(sample_lake)]) == 2
    assert "nope" in capsys.readouterr().err


def test_status_lists_tables_sources_and_quarantine(sample_lake: Path, capsys) -> None:
    assert main(["status", "--config", str(sample_lake)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"mentions\s+13 rows", out) and re.search(r"quarantine\s+2 rows", out)
    assert "sample-vault" in out and "1 quarantined" in out


def test_help_on_every_verb_describes_it_with_an_example_that_parses(capsys) -> None:
    """Every verb the parser has, none skipped: its help has a one-line description and an
    example, and the example's arguments are ones the verb accepts."""
    parser = build_parser()
    verbs = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert set(verbs.choices) == set(VERBS)
    for name, sub in verbs.choices.items():
        with pytest.raises(SystemExit) as done:
            main([name, "--help"])
        assert done.value.code == 0
        text = capsys.readouterr().out
        what, example = VERBS[name]
        assert text.startswith(f"usage: digestlake {name}") and what[1:] in text
        assert f"example:\n  {example}" in text
        args = parser.parse_args(shlex.split(example)[1:])
        assert args.command == name and args.func is sub.get_default("func")


def test_version(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["--version"])
    assert re.fullmatch(r"digestlake \d+\.\d+\.\d+\S*\n", capsys.readouterr().out)


def test_console_script_is_installed() -> None:
    assert shutil.which("digestlake", path=str(Path(sys.executable).parent))
