"""Reading a TOML file digestlake is given (the config, the title overrides), and the error
that names what is wrong with it."""

from __future__ import annotations

import tomllib
from pathlib import Path


class ConfigError(ValueError):
    pass


def read_toml(file: Path) -> dict:
    """A TOML file's tables; a file that cannot be read, is not UTF-8 (as TOML must be) or
    is not TOML is a ConfigError naming it."""
    try:
        return tomllib.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{file}: cannot be read: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{file}: not UTF-8 text (byte {exc.object[exc.start]:#04x} at offset {exc.start}); "
            "TOML files are UTF-8"
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: {exc}") from exc
