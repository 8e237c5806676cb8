"""What every benchmark starts with: its options, and the real data it needs from ../shared."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def options(doc: str, **defaults: int) -> argparse.Namespace:
    """``--name N`` for each default; the description is the docstring's first line."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    for name, default in defaults.items():
        parser.add_argument(f"--{name}", type=int, default=default)
    return parser.parse_args()


def need(path: Path, what: str) -> None:
    if not path.exists():
        sys.exit(f"{path} not found: the benchmark reads {what} from ../shared")
