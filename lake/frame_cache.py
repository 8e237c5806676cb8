"""Frames of lake data files this process has read or written, by the file's path.

A Delta data file is never rewritten in place (a new content is a new file, named anew), so a
frame held under a file's path is exactly that file's content, and it is not decoded again.
Decoding the same unchanged partitions over and over is most of an incremental ingest's fixed
cost. Bounded by size; the least recently used go first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import polars as pl

Key = tuple[str, ...]  # the file's path or URL, how it was read (its columns)


class FrameCache:
    def __init__(self, budget_bytes: int) -> None:
        self.budget_bytes = budget_bytes
        self._frames: OrderedDict[Key, tuple[pl.DataFrame, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()  # Prefect runs tasks in threads

    def get(self, key: Key) -> pl.DataFrame | None:
        with self._lock:
            hit = self._frames.get(key)
            if hit is None:
                return None
            self._frames.move_to_end(key)
            return hit[0]

    def clear(self) -> None:
        with self._lock:
            self._frames.clear()
            self._bytes = 0

    def put(self, key: Key, frame: pl.DataFrame) -> None:
        size = frame.estimated_size()
        if size > self.budget_bytes:
            return
        with self._lock:
            if key in self._frames:
                self._bytes -= self._frames.pop(key)[1]
            self._frames[key] = (frame, size)
            self._bytes += size
            while self._bytes > self.budget_bytes:
                _, (_, dropped) = self._frames.popitem(last=False)
                self._bytes -= dropped


FRAMES = FrameCache(256 * 1024 * 1024)  # a few hundred thousand papers' rows
