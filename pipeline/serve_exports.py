"""The exports folder over HTTP on 127.0.0.1, as ``digestlake serve`` offers it: the site,
the feeds (so ``[exports] base_url``'s default, ``http://localhost:8000/``, is true), the
citations and the dataset, read-only, from the standard library's file server.

Loopback only: it is for the person at this machine (and their feed reader). A public host
should serve the folder with a real web server; every page links relatively, so any will do.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

from digestlake.pipeline.config import Config

HOST = "127.0.0.1"
# Types the standard library does not know, or guesses wrong for these files.
_TYPES = {
    ".atom": "application/atom+xml",
    ".xml": "application/rss+xml",
    ".opml": "text/x-opml",
    ".bib": "application/x-bibtex; charset=utf-8",
    ".jsonl": "application/jsonl; charset=utf-8",
    ".json": "application/json",
    ".md": "text/markdown; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
}


class _Handler(SimpleHTTPRequestHandler):
    extensions_map: ClassVar[dict[str, str]] = {**SimpleHTTPRequestHandler.extensions_map, **_TYPES}

    def end_headers(self) -> None:
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-cache")  # a publish may change any file
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: a schedule's log is for runs, not for every page a reader opens."""


@contextmanager
def serving_exports(folder: str | os.PathLike[str], port: int) -> Iterator[ThreadingHTTPServer]:
    """Serve ``folder`` on 127.0.0.1:``port`` (0 picks a free port: see ``server_address``)
    in a background thread until the block ends."""
    Path(folder).mkdir(parents=True, exist_ok=True)  # served before the first publish too
    handler = partial(_Handler, directory=os.fspath(folder))
    server = ThreadingHTTPServer((HOST, port), handler)
    thread = threading.Thread(target=server.serve_forever, name="exports-http", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextmanager
def exports_http(config: Config) -> Iterator[str]:
    """The exports served on ``[exports] serve_port`` while the block runs; yields the line
    that says where, or why not (port 0, exports at a URL, the port taken or out of range):
    never fatal, the schedules are served either way."""
    port, folder = config.exports.serve_port, config.exports_path
    if not port:
        yield "exports not served over HTTP ([exports] serve_port = 0)"
        return
    if isinstance(folder, str) and "://" in folder:
        yield f"exports not served over HTTP: {folder} is not a local folder"
        return
    with ExitStack() as stack:
        try:
            server = stack.enter_context(serving_exports(folder, port))
        except (OSError, OverflowError) as exc:  # taken, not allowed, or not a port at all
            reason = getattr(exc, "strerror", None) or exc
            yield f"exports not served over HTTP: {HOST}:{port}: {reason}"
            return
        yield f"serving {folder} at http://{HOST}:{server.server_address[1]}/ (the site: site/)"
