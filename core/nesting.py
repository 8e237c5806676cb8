"""Holds that nest within a process: the lake's lock (a ``flock`` or a Prefect lease) is taken
by ``run`` and again by the ``ingest``, ``enrich`` and ``publish`` it calls, and only the
outermost hold acquires it. One rule for both kinds of lock."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TypeVar

T = TypeVar("T")


class Nesting:
    """How deep this process holds each key. The depth is counted once the outermost hold
    has acquired: a hold that fails to (a busy lake) leaves nothing behind."""

    def __init__(self) -> None:
        self._depth: dict[Hashable, int] = {}
        self._guard = threading.Lock()  # Prefect runs tasks in threads

    @contextmanager
    def hold(
        self, key: Hashable, acquire: Callable[[], AbstractContextManager[T]], nested: T
    ) -> Iterator[T]:
        """``acquire()``'s hold for the outermost hold of ``key``; ``nested`` inside one."""
        with self._guard:
            inside = key in self._depth
            if inside:
                self._depth[key] += 1
        if inside:
            try:
                yield nested
            finally:
                self._release(key)
            return
        with acquire() as found:
            with self._guard:
                self._depth[key] = self._depth.get(key, 0) + 1
            try:
                yield found
            finally:
                self._release(key)

    def _release(self, key: Hashable) -> None:
        with self._guard:
            self._depth[key] -= 1
            if not self._depth[key]:
                del self._depth[key]
