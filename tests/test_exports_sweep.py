"""Temp files a killed publish left are removed by the next one, in every folder of the
exports, including those it writes nothing to (found by test_kill_anywhere: a page's temp
file outlived the rerun in a folder whose pages had not changed)."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

from digestlake.core.location import Location


def test_a_sweep_removes_dead_writers_temp_files_in_every_folder(tmp_path: Path) -> None:
    dead = subprocess.Popen(["true"])
    dead.wait()
    host = socket.gethostname()
    tags = tmp_path / "site" / "tags"
    tags.mkdir(parents=True)
    (tags / "clip.html").write_text("page")
    left = tags / f".clip.html.{dead.pid}@{host}.tmp"
    live = tags / f".llm.html.{os.getpid()}@{host}.tmp"  # a writer still at work
    elsewhere = tmp_path / f".all.xml.{dead.pid}@other-host.tmp"  # a pid says nothing there
    for f in (left, live, elsewhere):
        f.write_text("half a page")
    Location(tmp_path).sweep()
    assert not left.exists()
    assert live.exists() and elsewhere.exists() and (tags / "clip.html").exists()
