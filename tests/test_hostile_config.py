"""A bad config or a hostile machine stops a run with one sentence, never a traceback or a
run that reads the wrong thing: wrong types and empty folders in the config (issue 16, item
11), a full disk, a read-only lake, a lake path that is a file, a missing vault rev (item 12)."""

from __future__ import annotations

from pathlib import Path

import pytest

from digestlake.pipeline.config import ConfigError, load_config

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
