"""The title overrides file (``[arxiv] overrides``): titles pinned to, or forbidden from, an
arXiv id, whatever the title search decides."""

from __future__ import annotations

from pathlib import Path

from digestlake.pipeline.config_file import ConfigError, read_toml
from digestlake.transforms.arxiv_ids import parse_arxiv_id
from digestlake.transforms.title_match import Overrides
from digestlake.transforms.titles import normalise_title


def load_overrides(path: str) -> Overrides:
    """``[[pin]] title, arxiv_id`` and ``[[forbid]] title, arxiv_id`` ("*" = never resolve).
    Ids are read by the rule every id is (a version, an ``arXiv:`` prefix or a URL dropped)."""
    if not path:
        return Overrides()
    file = Path(path)
    raw = read_toml(file)
    overrides = Overrides()
    for kind in ("pin", "forbid"):
        for i, item in enumerate(raw.get(kind, [])):
            title, arxiv_id = item.get("title"), item.get("arxiv_id")
            key = normalise_title(title) if isinstance(title, str) else None
            where = f"{file}: [[{kind}]] #{i + 1}"
            if key is None or not isinstance(arxiv_id, str):
                raise ConfigError(f"{where} needs a title and an arxiv_id")
            if not (kind == "forbid" and arxiv_id == "*"):
                parsed = parse_arxiv_id(arxiv_id)
                if parsed is None:
                    raise ConfigError(f"{where}: arxiv_id {arxiv_id!r} is not an arXiv id")
                arxiv_id = parsed.id  # the one id rule: arXiv:…v2, URLs, math.GT/… alike
            if kind == "pin":
                overrides.pin[key] = arxiv_id
            else:
                overrides.forbid.setdefault(key, set()).add(arxiv_id)
    return overrides
