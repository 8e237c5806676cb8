"""The title overrides file: its ids are read by the one arXiv id rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from digestlake.pipeline.config_file import ConfigError
from digestlake.pipeline.overrides import load_overrides


def test_pinned_and_forbidden_ids_are_canonical(tmp_path: Path) -> None:
    file = tmp_path / "overrides.toml"
    file.write_text(
        '[[pin]]\ntitle = "A Blog Post"\narxiv_id = "arXiv:2401.00001v3"\n'
        '[[pin]]\ntitle = "Old Maths"\narxiv_id = "https://arxiv.org/abs/math.GT/0309136"\n'
        '[[forbid]]\ntitle = "Attention Is All You Need"\narxiv_id = "*"\n'
        '[[forbid]]\ntitle = "Attention Is All You Need"\narxiv_id = "2501.00009v1"\n'
    )
    overrides = load_overrides(str(file))
    assert overrides.pin == {"a blog post": "2401.00001", "old maths": "math/0309136"}
    assert overrides.forbid == {"attention is all you need": {"*", "2501.00009"}}


def test_an_id_that_is_none_names_the_file_and_entry(tmp_path: Path) -> None:
    file = tmp_path / "overrides.toml"
    file.write_text('[[pin]]\ntitle = "A"\narxiv_id = "2401.1"\n')
    with pytest.raises(ConfigError, match=r"overrides.toml: \[\[pin\]\] #1: arxiv_id '2401.1'"):
        load_overrides(str(file))
