"""The config: shipped default, environment overrides, clear errors at start."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT

from digestlake.pipeline.config import ConfigError, load_config
from digestlake.pipeline.overrides import load_overrides


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "digestlake.toml"
    path.write_text(text)
    return path


def test_shipped_config_uses_only_the_samples() -> None:
    config = load_config(ROOT / "digestlake.toml", env={})
    assert config.lake_path == ROOT / "data" / "lake"
    assert [s.name for s in config.sources] == [
        "sample-digests",
        "sample-digests-cp949",
        "sample-vault",
    ]
    for source in config.sources:
        assert Path(source.path).is_relative_to(ROOT / "data" / "samples")
    assert config.arxiv.min_interval_s == 3.0


def test_environment_overrides_single_keys(tmp_path: Path) -> None:
    path = write(tmp_path, '[lake]\npath = "lake"\n')
    env = {
        "DIGESTLAKE_LAKE_PATH": "/srv/lake",
        "DIGESTLAKE_ARXIV_API_URL": "http://127.0.0.1:9/api/query",
        "DIGESTLAKE_ARXIV_MIN_INTERVAL_S": "0.5",
        "DIGESTLAKE_ARXIV_ENABLED": "false",
    }
    config = load_config(path, env=env)
    assert config.lake_path == Path("/srv/lake")
    assert config.arxiv.api_url == "http://127.0.0.1:9/api/query"
    assert (config.arxiv.min_interval_s, config.arxiv.enabled) == (0.5, False)
    assert config.exports_path == tmp_path / "data" / "exports"


@pytest.mark.parametrize(
    ("text", "env", "message"),
    [
        ('[lake]\npth = "x"\n', {}, r"unknown key\(s\) in \[lake\]: pth"),
        ("[lakes]\n", {}, r"unknown section\(s\) lakes"),
        ('[[sources]]\nname = "Bad Name"\nkind = "digest"\npath = "x"\n', {}, "name must be"),
        ('[[sources]]\nname = "a"\nkind = "rss"\npath = "x"\n', {}, "kind must be one of"),
        ('[[sources]]\nname = "a"\nkind = "digest"\n', {}, "exactly one of path or url"),
        ('[[sources]]\nname = "a"\nkind = "digest"\npath = "x"\ncolour = 1\n', {}, "unknown key"),
        ("[arxiv]\nmin_interval_s = -1\n", {}, "must be a finite number >= 0"),
        ('[[sources]]\nname = "o"\nkind = "oai"\npath = "x"\n', {}, "an oai source has a url"),
        (
            '[[sources]]\nname = "o"\nkind = "oai"\nmetadata_prefix = "oai_dc"\n',
            {},
            "arXivRaw or arXiv",
        ),
        ('[arxiv]\noverrides = "missing.toml"\n', {}, "missing.toml"),
        ('[exports]\ntimezone = "Mars/Olympus"\n', {}, "unknown time zone"),
        ("", {"DIGESTLAKE_ARXIV_MIN_INTERVAL_S": "soon"}, "expected a number"),
        ("", {"DIGESTLAKE_LAKE_COLOUR": "x"}, r"no config key \[lake\] colour"),
        ("[lake\n", {}, "digestlake.toml"),
        ('[run]\non_busy = "maybe"\n', {}, "on_busy must be wait or exit"),
        ("", {"DIGESTLAKE_RUN_WAIT_TIMEOUT_S": "forever"}, "expected a number"),
        ('[[schedules]]\ncron = "61 * * * *"\n', {}, "Bad minute"),
        ('[[schedules]]\ncron = "daily"\n', {}, "cron must be a cron expression"),
        ('[[schedules]]\ncron = "0 6 * * *"\nflow = "harvest"\n', {}, "flow must be one of"),
        ('[[schedules]]\ncron = "0 6 * * *"\ntimezone = "Mars/Base"\n', {}, "unknown time zone"),
        (
            '[[schedules]]\ncron = "0 6 * * *"\nflow = "publish"\nparameters = {offline = true}\n',
            {},
            r"the publish flow takes parameters \['biblatex'\], not \['offline'\]",
        ),
    ],
)
def test_wrong_keys_and_values_are_clear_errors(
    tmp_path: Path, text: str, env: dict, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(write(tmp_path, text), env=env)


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.toml", env={})


def test_oai_source_and_overrides_file(tmp_path: Path) -> None:
    (tmp_path / "overrides.toml").write_text(
        '[[pin]]\ntitle = "Some Blog: Post"\narxiv_id = "2401.00001"\n'
        '[[forbid]]\ntitle = "Attention Is All You Need"\narxiv_id = "*"\n'
    )
    path = write(
        tmp_path,
        '[[sources]]\nname = "arxiv-cs"\nkind = "oai"\nset_spec = "cs"\n'
        '[arxiv]\noverrides = "overrides.toml"\n',
    )
    config = load_config(path, env={})
    (source,) = config.sources
    assert (source.kind, source.set_spec, source.metadata_prefix, source.url) == (
        "oai",
        "cs",
        "arXivRaw",
        None,
    )
    overrides = load_overrides(config.arxiv.overrides)
    assert overrides.pin == {"some blog post": "2401.00001"}
    assert overrides.forbid == {"attention is all you need": {"*"}}


def test_schedules_and_run_settings(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[run]\non_busy = "exit"\n[[schedules]]\ncron = "*/10 * * * *"\n'
        '[[schedules]]\nname = "nightly-publish"\nflow = "publish"\ncron = "0 3 * * *"\n'
        'timezone = "Asia/Seoul"\nparameters = {biblatex = true}\n',
    )
    config = load_config(path, env={"DIGESTLAKE_RUN_WAIT_TIMEOUT_S": "60"})
    assert (config.run.on_busy, config.run.wait_timeout_s) == ("exit", 60.0)
    first, second = config.schedules
    assert (first.flow, first.name, first.timezone) == ("pipeline", "pipeline-1", "UTC")
    assert (second.name, second.timezone, second.parameters) == (
        "nightly-publish",
        "Asia/Seoul",
        {"biblatex": True},
    )


def test_readme_documents_every_key_and_each_is_overridable(tmp_path: Path) -> None:
    from digestlake.pipeline.config import _SECTION_KEYS

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = [line for line in readme.splitlines() if line.startswith("| `[")]
    for section, keys in _SECTION_KEYS.items():
        for key in keys:
            assert any(f"[{section}] " in r and key in r for r in rows), f"[{section}] {key}"
            env = {f"DIGESTLAKE_{section.upper()}_{key.upper()}": "1"}
            try:
                load_config(write(tmp_path, ""), env=env)
            except ConfigError as exc:  # a value check, never an unknown key
                assert "no config key" not in str(exc)
