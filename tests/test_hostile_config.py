"""A bad config or a hostile machine stops a run with one sentence, never a traceback or a
run that reads the wrong thing: wrong types and empty folders in the config (issue 16, item
11), a full disk, a read-only lake, a lake path that is a file, a missing vault rev (item 12)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import SAMPLES, config_for, git

from digestlake.lake.store import Lake, LakeError
from digestlake.pipeline.config import ConfigError, SourceConfig, load_config
from digestlake.pipeline.ingest import ingest
from digestlake.pipeline.publish import publish
from digestlake.pipeline.status import status

T0 = datetime(2026, 1, 1, tzinfo=UTC)

SOURCE = '[[sources]]\nname = "d"\nkind = "digest"\npath = "digests"\n'


def write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "digestlake.toml"
    if isinstance(text, str):
        text = text.encode()
    path.write_bytes(text)
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # bool("false") is True: the source would be read.
        (SOURCE + 'enabled = "false"\n', r"source d: enabled: expected true or false, got 'false'"),
        (SOURCE + "enabled = 0\n", r"source d: enabled: expected true or false, got 0"),
        (SOURCE + "encoding = 949\n", r"source d: encoding: expected a string, got 949"),
        (SOURCE + "rev = 1\n", r"source d: rev: expected a string, got 1"),
        (SOURCE.replace('"digests"', "5"), r"source d: path: expected a string, got 5"),
        ('[[sources]]\nname = "d"\nkind = 1\npath = "x"\n', r"source d: kind: expected a string"),
        ('[[sources]]\nname = "o"\nkind = "oai"\nset_spec = ["cs"]\n', r"source o: set_spec"),
        ('[[sources]]\nname = "o"\nkind = "oai"\nurl = {}\n', r"source o: url: expected a string"),
        (
            '[[sources]]\nname = "o"\nkind = "oai"\nmetadata_prefix = 2\n',
            "source o: metadata_prefix",
        ),
        # Every file would be quarantined, and the run exit 0.
        (SOURCE + 'encoding = "cp-klingon"\n', r"source d: unknown text encoding 'cp-klingon'"),
        (SOURCE + 'encoding = "base64"\n', r"source d: unknown text encoding 'base64'"),
        # An empty path is the config's own folder: the tables would land beside the config.
        ('[lake]\npath = ""\n', r"\[lake\] path must name a folder, got ''"),
        ('[lake]\npath = "  "\n', r"\[lake\] path must name a folder"),
        ("[lake]\npath = 5\n", r"\[lake\] path must name a folder, got 5"),
        ('[exports]\npath = ""\n', r"\[exports\] path must name a folder"),
        ("[exports]\npath = 5\n", r"\[exports\] path: expected a string, got 5"),
        ('[cache]\npath = ""\n', r"\[cache\] path must name a folder"),
        ("[cache]\npath = false\n", r"\[cache\] path must name a folder, got False"),
        ('[arxiv]\ncache = ""\n', r"\[arxiv\] cache must name a folder"),
        ('[arxiv]\nenabled = "no"\n', r"\[arxiv\] enabled: expected true or false, got 'no'"),
        ('[exports]\nbiblatex = "true"\n', r"\[exports\] biblatex: expected true or false"),
        ("[exports]\nfeed_items = 2.5\n", r"\[exports\] feed_items: expected a whole number"),
        ('[run]\nwait_timeout_s = "60"\n', r"\[run\] wait_timeout_s: expected a number"),
        # NaN would switch arXiv's rate limit off; inf would hang every request.
        ("[arxiv]\nmin_interval_s = nan\n", r"min_interval_s must be a finite number >= 0"),
        ("[arxiv]\nmin_interval_s = inf\n", r"min_interval_s must be a finite number >= 0"),
        ('lake = "data/lake"\n', r"lake must be a \[lake\] table"),
        ('sources = "x"\n', r"sources must be \[\[sources\]\] tables"),
        ('[[schedules]]\ncron = "0 6 * * *"\ntimezone = 9\n', r"timezone: expected a string"),
    ],
)
def test_a_wrong_value_is_an_error_at_start_naming_the_key(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(write(tmp_path, text), env={})


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DIGESTLAKE_LAKE_PATH": ""}, r"\[lake\] path must name a folder"),
        ({"DIGESTLAKE_CACHE_PATH": " "}, r"\[cache\] path must name a folder"),
        ({"DIGESTLAKE_EXPORTS_PATH": ""}, r"\[exports\] path must name a folder"),
        ({"DIGESTLAKE_ARXIV_MIN_INTERVAL_S": "nan"}, "min_interval_s must be a finite number"),
        ({"DIGESTLAKE_ARXIV_MIN_INTERVAL_S": "inf"}, "min_interval_s must be a finite number"),
        ({"DIGESTLAKE_ARXIV_ENABLED": "nope"}, "DIGESTLAKE_ARXIV_ENABLED: expected true or false"),
        ({"DIGESTLAKE_EXPORTS_FEED_ITEMS": "2.5"}, "DIGESTLAKE_EXPORTS_FEED_ITEMS: expected a"),
    ],
)
def test_environment_overrides_pass_the_same_checks(
    tmp_path: Path, env: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(write(tmp_path, SOURCE), env=env)


def test_typed_values_and_environment_text_still_load(tmp_path: Path) -> None:
    config = load_config(
        write(
            tmp_path, SOURCE + 'enabled = false\nencoding = "cp949"\n[arxiv]\nmin_interval_s = 5\n'
        ),
        env={"DIGESTLAKE_ARXIV_ENABLED": "off", "DIGESTLAKE_EXPORTS_FEED_ITEMS": "7"},
    )
    (source,) = config.sources
    assert (source.enabled, source.encoding, source.rev) == (False, "cp949", "HEAD")
    assert config.arxiv.min_interval_s == 5.0 and isinstance(config.arxiv.min_interval_s, float)
    assert (config.arxiv.enabled, config.exports.feed_items) == (False, 7)


def test_a_config_that_is_not_utf8_is_an_error_naming_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, SOURCE.encode() + "# 한국어 설명\n".encode("cp949"))
    with pytest.raises(ConfigError, match=r"digestlake.toml: not UTF-8 text \(byte 0xc7 at"):
        load_config(path, env={})


def test_a_config_that_cannot_be_read_is_an_error(tmp_path: Path) -> None:
    overrides = tmp_path / "overrides.toml"
    overrides.mkdir()  # a folder where the file should be: even root cannot read it
    path = write(tmp_path, '[arxiv]\noverrides = "overrides.toml"\n')
    with pytest.raises(ConfigError, match=r"overrides.toml: cannot be read: Is a directory"):
        load_config(path, env={})


def test_the_cli_says_one_line_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from digestlake.flows.cli import main

    path = write(tmp_path, SOURCE + 'enabled = "false"\n')
    assert main(["status", "--config", str(path)]) == 2
    assert capsys.readouterr().err == (
        "config error: source d: enabled: expected true or false, got 'false'\n"
    )


# -- item 12: a disk or a lake path that cannot take a write ------------------------------

SAMPLE_SOURCES = [
    SourceConfig("digests", "digest", path=str(SAMPLES / "digests")),
    SourceConfig("vault", "vault", path=str(SAMPLES / "vault")),
]


@contextmanager
def tmpfs(where: Path, size: str) -> Iterator[Path]:
    """A real small file system at ``where`` (a tmpfs: mounting one needs root)."""
    where.mkdir()
    mount = ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)]
    proc = subprocess.run(mount, capture_output=True, text=True)
    if proc.returncode:
        pytest.skip(f"a small disk is a tmpfs, and mounting one needs root: {proc.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "--lazy", str(where)], check=True)


def temporary_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.name.endswith(".tmp")]


def test_a_full_disk_is_one_sentence_and_leaves_no_half_written_file(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "disk", "512k") as disk:
        filler = disk / "filler"
        filler.write_bytes(b"\0" * 496 * 1024)  # 16 KiB left: the lock fits, the tables do not
        config = config_for(disk / "lake", SAMPLE_SOURCES)
        with pytest.raises(LakeError) as error:
            ingest(config, now=T0)
        assert str(error.value) == f"cannot write the lake at {disk / 'lake'}: disk full"
        assert temporary_files(disk) == []
        filler.unlink()  # room again: the same ingest completes, nothing was lost
        report = ingest(config, now=T0)
        assert [s.status for s in report.sources] == ["ok", "ok"] and report.mentions == 12


def test_a_read_only_lake_is_one_sentence_and_can_still_be_read(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "disk", "4m") as disk:
        config = config_for(disk / "lake", SAMPLE_SOURCES)
        ingest(config, now=T0)
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        with pytest.raises(LakeError, match=rf"^cannot write the lake at {disk}/lake: read-only$"):
            ingest(config, now=T0)
        lake = Lake(config.lake_path)
        with pytest.raises(LakeError, match=r": read-only$"):  # the tables' own write path
            lake.write("sources", lake.read("sources").head(1))
        assert status(config).rows["mentions"] == 12


@pytest.mark.parametrize("below", ["", "lake"])
def test_a_lake_path_that_is_a_file_is_one_sentence(tmp_path: Path, below: str) -> None:
    file = tmp_path / "lake.parquet"
    file.write_bytes(b"not a folder")
    config = config_for(file / below if below else file, SAMPLE_SOURCES)
    for verb in (ingest, publish):
        with pytest.raises(LakeError, match=rf": {file} is a file, not a folder$"):
            verb(config, now=T0)
    assert file.read_bytes() == b"not a folder"


def test_a_vault_rev_that_names_no_commit_says_so(tmp_path: Path) -> None:
    repo = tmp_path / "vault"
    shutil.copytree(SAMPLES / "vault", repo)
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "notes"]):
        git(repo, *args)
    source = SourceConfig("notes", "vault", path=str(repo), rev="mian")
    report = ingest(config_for(tmp_path / "lake", [source], cache=tmp_path / "cache"), now=T0)
    (failed,) = report.sources
    assert failed.status == "failed"
    assert failed.error == f"{repo}: rev 'mian' names no commit (a branch, tag or commit id)"
