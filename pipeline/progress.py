"""Progress for the long steps (arXiv requests, the snapshot): drawn by rich when stderr is a
terminal, silent otherwise (CI, scheduled runs, Prefect workers)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.progress import Progress


def in_terminal() -> bool:
    return sys.stderr.isatty()


@contextmanager
def progress(description: str, total: int) -> Iterator[Callable[[int], None]]:
    """Yields ``advance(n)``."""
    with Progress(disable=not in_terminal(), transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda n: bar.advance(task, n)
