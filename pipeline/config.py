"""``digestlake.toml``: read, validated at start, single keys overridable by the environment.

``DIGESTLAKE_<SECTION>_<KEY>`` overrides ``[section] key`` (``DIGESTLAKE_LAKE_PATH``,
``DIGESTLAKE_ARXIV_API_URL``, ``DIGESTLAKE_ARXIV_ENABLED=false``). Relative paths are relative
to the config file's folder. A wrong key or value is an error here, not halfway through a run.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cronsim import CronSim, CronSimError

from digestlake.exports.opml import FORMATS as OPML_FORMATS
from digestlake.pipeline.config_file import ConfigError, read_toml
from digestlake.pipeline.overrides import load_overrides
from digestlake.sources.http import HttpPolicy
from digestlake.sources.spec import SourceConfig, check_options
from digestlake.transforms.citation_keys import KEY_FORMATS

ENV_PREFIX = "DIGESTLAKE_"
SOURCE_KINDS = ("digest", "vault", "oai", "feed", "hf-daily", "links")
_SOURCE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


@dataclass(frozen=True, slots=True)
class LakeConfig:
    path: str = "data/lake"
    retain_days: int = 30  # vacuum's default retention: the window for rollback and --as-of


@dataclass(frozen=True, slots=True)
class ArxivConfig:
    enabled: bool = True
    api_url: str = "https://export.arxiv.org/api/query"
    oai_url: str = "https://oaipmh.arxiv.org/oai"
    min_interval_s: float = 3.0
    cache: str = "data/cache/arxiv"
    overrides: str = ""  # a TOML file of [[pin]] / [[forbid]] title matches (optional)


@dataclass(frozen=True, slots=True)
class ExportsConfig:
    path: str = "data/exports"
    base_url: str = "http://localhost:8000/"  # where the exports folder is served (feed links)
    serve_port: int = 8000  # `digestlake serve` serves the exports on 127.0.0.1 here (0: off)
    feed_items: int = 50  # newest items per feed
    feed_min_items: int = 3  # index.opml lists a tag's feed from this many items
    opml_format: str = "rss"  # the format index.opml lists per feed: rss | atom | json
    dataset_shard_rows: int = 100_000  # rows per parquet/ shard at most
    timezone: str = "Asia/Seoul"  # a digest date is midnight here in feed dates
    bibtex_unicode: bool = False  # keep accents as UTF-8 instead of {\"o} commands
    biblatex: bool = False  # also write biblatex/ (as `digestlake publish --style biblatex`)
    key_format: str = "digestlake"  # citation keys: digestlake | betterbibtex
    keys_from: tuple[str, ...] = ()  # your BibTeX libraries: their keys are kept
    key_wait_days: float = 14.0  # a provisional key is final this long after it was issued


@dataclass(frozen=True, slots=True)
class RunConfig:
    on_busy: str = "wait"  # another run holds the lake: "wait" for it, or "exit" at once
    wait_timeout_s: float = 3600.0  # how long "wait" waits before giving up


# The flows a schedule may name, and the parameters each takes besides config_path.
FLOW_PARAMETERS = {
    "pipeline": {"offline", "biblatex"},
    "ingest": {"offline"},
    "enrich": {"offline"},
    "publish": {"biblatex"},
}


@dataclass(frozen=True, slots=True)
class ScheduleConfig:
    flow: str
    cron: str
    name: str
    timezone: str = "UTC"
    parameters: dict = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Config:
    lake_path: Path | str  # a local folder, or a URL fsspec understands (s3://...)
    exports_path: Path | str
    cache_path: Path
    sources: list[SourceConfig] = field(default_factory=list)
    arxiv: ArxivConfig = field(default_factory=ArxivConfig)
    exports: ExportsConfig = field(default_factory=ExportsConfig)
    run: RunConfig = field(default_factory=RunConfig)
    http: HttpPolicy = field(default_factory=HttpPolicy)  # [http]: every web request
    schedules: list[ScheduleConfig] = field(default_factory=list)
    config_file: Path | None = None
    retain_days: int = 30  # [lake] retain_days: vacuum's default, the rollback window

    @property
    def arxiv_cache_path(self) -> Path:
        return Path(self.arxiv.cache)


_SECTION_KEYS = {
    "lake": {f.name for f in fields(LakeConfig)},
    "exports": {f.name for f in fields(ExportsConfig)},
    "cache": {"path"},
    "arxiv": {f.name for f in fields(ArxivConfig)},
    "run": {f.name for f in fields(RunConfig)},
    "http": {f.name for f in fields(HttpPolicy)},
}
# The type of each [[sources]] key, as _typed takes it: enabled a boolean, the others text.
_SOURCE_TYPES = {
    f.name: f.default if isinstance(f.default, bool | int | tuple) else ""
    for f in fields(SourceConfig)
}


def _coerce(value: str, like: object, where: str) -> object:
    """An environment variable's text as the type of the key's default ``like``."""
    if isinstance(like, bool):
        if value.lower() in ("1", "true", "yes", "on"):
            return True
        if value.lower() in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"{where}: expected true or false, got {value!r}")
    if isinstance(like, float | int):
        try:
            return type(like)(value)
        except ValueError as exc:
            raise ConfigError(f"{where}: expected a number, got {value!r}") from exc
    return value


def _typed(value: object, like: object, where: str) -> object:
    """``value`` if it has the type of the key's default ``like`` (an int for a float), else a
    ConfigError: ``enabled = "false"`` is a string, and ``bool("false")`` is True."""
    if isinstance(like, bool):
        ok, expected = isinstance(value, bool), "true or false"
    elif isinstance(like, float):
        ok, expected = isinstance(value, int | float) and not isinstance(value, bool), "a number"
    elif isinstance(like, int):
        ok, expected = isinstance(value, int) and not isinstance(value, bool), "a whole number"
    elif isinstance(like, tuple):
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        expected = "a list of strings"
    else:
        ok, expected = isinstance(value, str), "a string"
    if not ok:
        raise ConfigError(f"{where}: expected {expected}, got {value!r}")
    return float(value) if isinstance(like, float) else value


def _folder(value: object, where: str) -> str:
    """A folder the config names: an empty path would be the config file's own folder."""
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where} must name a folder, got {value!r}")
    return value


def _apply_env(raw: dict, env: dict[str, str]) -> None:
    defaults = {
        "lake": LakeConfig(),
        "arxiv": ArxivConfig(),
        "exports": ExportsConfig(),
        "run": RunConfig(),
        "http": HttpPolicy(),
    }
    for name, value in env.items():
        if not name.startswith(ENV_PREFIX) or name.startswith(ENV_PREFIX + "CONFIG"):
            continue
        rest = name[len(ENV_PREFIX) :].lower()
        section, _, key = rest.partition("_")
        if section not in _SECTION_KEYS or key not in _SECTION_KEYS[section]:
            raise ConfigError(f"{name}: no config key [{section}] {key}")
        like = getattr(defaults.get(section), key, "")
        raw.setdefault(section, {})[key] = _coerce(value, like, name)


def _section(cls, values: dict, name: str):
    """A config section's dataclass, each value checked against the default's type (and by
    the dataclass itself, when it checks its values, as HttpPolicy does)."""
    defaults = cls()
    values = {k: _typed(v, getattr(defaults, k), f"[{name}] {k}") for k, v in values.items()}
    try:
        return cls(**values)
    except ValueError as exc:
        raise ConfigError(f"[{name}] {exc}") from exc


def _location(base: Path, value: str) -> Path | str:
    """A folder for the lake or the exports: a URL with a scheme (``s3://bucket/lake``) is
    kept as it is; anything else is a local path."""
    if re.match(r"^[a-z][a-z0-9+.-]*://", value) and not value.startswith("file://"):
        return value
    return _resolve(base, value.removeprefix("file://"))


def _resolve(base: Path, value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else base / path


def _check_encoding(encoding: str, where: str) -> None:
    """An encoding Python cannot decode with would quarantine every file of the source."""
    try:
        # Decoded as sources/decode.py decodes (b"" would skip the codec lookup): unknown
        # names and codecs that are not text encodings (base64, rot13) raise LookupError.
        b"x".decode(encoding, errors="ignore")
    except LookupError as exc:
        raise ConfigError(f"{where}: unknown text encoding {encoding!r}") from exc


def _source(entry: dict, base: Path, index: int) -> SourceConfig:
    where = f"[[sources]] #{index + 1}"
    unknown = set(entry) - set(_SOURCE_TYPES)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    name = entry.get("name")
    if not isinstance(name, str) or not _SOURCE_NAME.match(name):
        raise ConfigError(f"{where}: name must be lowercase letters, digits, - or _ ({name!r})")
    for key, value in entry.items():
        _typed(value, _SOURCE_TYPES[key], f"source {name}: {key}")
    kind = entry.get("kind")
    if kind not in SOURCE_KINDS:
        raise ConfigError(f"source {name}: kind must be one of {SOURCE_KINDS}, got {kind!r}")
    if kind == "oai":
        if entry.get("path"):
            raise ConfigError(f"source {name}: an oai source has a url (default: [arxiv] oai_url)")
        if entry.get("metadata_prefix", "arXivRaw") not in ("arXivRaw", "arXiv"):
            raise ConfigError(f"source {name}: metadata_prefix must be arXivRaw or arXiv")
    elif kind != "hf-daily" and bool(entry.get("path")) == bool(entry.get("url")):
        raise ConfigError(f"source {name}: give exactly one of path or url")
    if "encoding" in entry:
        _check_encoding(entry["encoding"], f"source {name}")
    try:
        entry = check_options(entry)
    except ValueError as exc:
        raise ConfigError(f"source {name}: {exc}") from exc
    path = entry.get("path")
    return SourceConfig(**{**entry, "path": str(_resolve(base, path)) if path else None})


def _check_zone(name: str, where: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"{where}: unknown time zone {name!r}") from exc


def _schedule(entry: dict, index: int) -> ScheduleConfig:
    where = f"[[schedules]] #{index + 1}"
    unknown = set(entry) - {f.name for f in fields(ScheduleConfig)}
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    flow, cron = entry.get("flow", "pipeline"), entry.get("cron")
    if flow not in FLOW_PARAMETERS:
        raise ConfigError(f"{where}: flow must be one of {tuple(FLOW_PARAMETERS)}, got {flow!r}")
    if not isinstance(cron, str) or len(cron.split()) not in (5, 6):
        raise ConfigError(f"{where}: cron must be a cron expression like '0 6 * * *', got {cron!r}")
    try:
        CronSim(cron, datetime.now(UTC))  # the parser Prefect's CronSchedule uses
    except CronSimError as exc:
        raise ConfigError(f"{where}: cron {cron!r}: {exc}") from exc
    timezone = _typed(entry.get("timezone", "UTC"), "", f"{where}: timezone")
    _check_zone(timezone, where)
    parameters = entry.get("parameters", {})
    extra = set(parameters) - FLOW_PARAMETERS[flow] if isinstance(parameters, dict) else {"?"}
    if extra:
        raise ConfigError(
            f"{where}: the {flow} flow takes parameters {sorted(FLOW_PARAMETERS[flow])}, "
            f"not {sorted(extra)}"
        )
    name = _typed(entry.get("name") or f"{flow}-{index + 1}", "", f"{where}: name")
    return ScheduleConfig(flow, cron, name, timezone, dict(parameters))


def load_config(
    path: str | os.PathLike[str] | None = None, env: dict[str, str] | None = None
) -> Config:
    """Read the config (``digestlake.toml`` in the working folder by default)."""
    env = dict(os.environ if env is None else env)
    file = Path(path or env.get(ENV_PREFIX + "CONFIG") or "digestlake.toml")
    if not file.is_file():
        raise ConfigError(f"{file}: config file not found")
    raw = read_toml(file)
    unknown = set(raw) - set(_SECTION_KEYS) - {"sources", "schedules"}
    if unknown:
        raise ConfigError(f"{file}: unknown section(s) {', '.join(sorted(unknown))}")
    for section, keys in _SECTION_KEYS.items():
        if not isinstance(raw.get(section, {}), dict):
            raise ConfigError(f"{file}: {section} must be a [{section}] table")
        extra = set(raw.get(section, {})) - keys
        if extra:
            raise ConfigError(f"{file}: unknown key(s) in [{section}]: {', '.join(sorted(extra))}")
    for array in ("sources", "schedules"):
        entries = raw.get(array, [])
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise ConfigError(f"{file}: {array} must be [[{array}]] tables")
    _apply_env(raw, env)
    base = file.resolve().parent
    sources = [_source(s, base, i) for i, s in enumerate(raw.get("sources", []))]
    names = [s.name for s in sources]
    if len(set(names)) != len(names):
        raise ConfigError(f"{file}: source names must be unique ({names})")
    arxiv = _section(ArxivConfig, raw.get("arxiv", {}), "arxiv")
    if not (math.isfinite(arxiv.min_interval_s) and arxiv.min_interval_s >= 0):
        # NaN would switch arXiv's rate limit off and inf hang every run.
        raise ConfigError(
            f"[arxiv] min_interval_s must be a finite number >= 0, got {arxiv.min_interval_s}"
        )
    arxiv = replace(
        arxiv,
        cache=str(_resolve(base, _folder(arxiv.cache, "[arxiv] cache"))),
        overrides=str(_resolve(base, arxiv.overrides)) if arxiv.overrides else "",
    )
    if arxiv.overrides:
        load_overrides(arxiv.overrides)  # a broken overrides file is a start-up error
    exports = _section(ExportsConfig, raw.get("exports", {}), "exports")
    exports = replace(exports, keys_from=tuple(str(_resolve(base, p)) for p in exports.keys_from))
    missing = [p for p in exports.keys_from if not Path(p).is_file()]
    if missing:
        raise ConfigError(f"[exports] keys_from: no such file: {', '.join(missing)}")
    if exports.key_format not in KEY_FORMATS:
        raise ConfigError(
            f"[exports] key_format must be one of {', '.join(KEY_FORMATS)}, "
            f"got {exports.key_format!r}"
        )
    if not (math.isfinite(exports.key_wait_days) and exports.key_wait_days >= 0):
        raise ConfigError(
            f"[exports] key_wait_days must be a number >= 0, got {exports.key_wait_days}"
        )
    _check_zone(exports.timezone, "[exports] timezone")
    for key in ("feed_items", "feed_min_items", "dataset_shard_rows"):
        if getattr(exports, key) < 1:
            raise ConfigError(f"[exports] {key} must be at least 1")
    if (kind := exports.opml_format) not in OPML_FORMATS:
        raise ConfigError(f"[exports] opml_format must be {', '.join(OPML_FORMATS)}: {kind!r}")
    run = _section(RunConfig, raw.get("run", {}), "run")
    if run.on_busy not in ("wait", "exit"):
        raise ConfigError(f"[run] on_busy must be wait or exit, got {run.on_busy!r}")
    http = _section(HttpPolicy, raw.get("http", {}), "http")
    schedules = [_schedule(s, i) for i, s in enumerate(raw.get("schedules", []))]
    if len({s.name for s in schedules}) != len(schedules):
        raise ConfigError(f"{file}: schedule names must be unique")
    if not exports.base_url.startswith(("http://", "https://")):
        raise ConfigError(f"[exports] base_url must be an http(s) URL, got {exports.base_url!r}")
    lake_raw = dict(raw.get("lake", {}))
    lake = _folder(lake_raw.pop("path", LakeConfig().path), "[lake] path")
    lake_section = _section(LakeConfig, lake_raw, "lake")
    if lake_section.retain_days < 0:
        raise ConfigError(f"[lake] retain_days must be 0 or more, got {lake_section.retain_days}")
    cache = _folder(raw.get("cache", {}).get("path", "data/cache"), "[cache] path")
    return Config(
        lake_path=_location(base, lake),
        exports_path=_location(base, _folder(exports.path, "[exports] path")),
        exports=exports,
        cache_path=_resolve(base, cache),
        sources=sources,
        arxiv=arxiv,
        run=run,
        http=http,
        schedules=schedules,
        config_file=file,
        retain_days=lake_section.retain_days,
    )
