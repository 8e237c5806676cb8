"""A stand-in feed and Hugging Face server on 127.0.0.1 that answers conditional GETs
(ETag and Last-Modified) and misbehaves on purpose: any status with its headers (503, 429
with Retry-After, a redirect to itself), a body cut short, a slow drip, a body that never
ends. Routes are ``tests/httpserver.Route``s (a list answers one request each, the last
repeats) or a ``Drip``; a path's query string is part of its route (``/api/daily_papers?
date=2024-10-25``)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler

from httpserver import Route, Served, serving


@dataclass
class Drip:
    """A 200 whose body comes ``chunk`` bytes every ``every_s`` seconds, ``forever`` or until
    ``body`` is sent; stops after ``limit_s`` whatever the client does (the test's bound)."""

    body: bytes = b"<rss><channel>"
    chunk: int = 1
    every_s: float = 0.05
    forever: bool = False
    limit_s: float = 10.0


@contextmanager
def serve_feeds(routes: dict[str, Route | Drip | list[Route]]) -> Iterator[Served]:
    requests: list[tuple[str, dict[str, str]]] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def do_GET(self) -> None:
            requests.append((self.path, dict(self.headers)))
            route = routes.get(self.path, Route(b"not found", 404))
            if isinstance(route, list):
                route = route.pop(0) if len(route) > 1 else route[0]
            if isinstance(route, Drip):
                return self._drip(route)
            etag, modified = route.headers.get("ETag"), route.headers.get("Last-Modified")
            if (etag and self.headers.get("If-None-Match") == etag) or (
                modified and not etag and self.headers.get("If-Modified-Since") == modified
            ):
                self.send_response(304)
                self.end_headers()
                return None
            self.send_response(route.status)
            for name, value in route.headers.items():
                self.send_header(name, value)
            if "Content-Length" not in route.headers:
                self.send_header("Content-Length", str(len(route.body)))
            self.end_headers()
            self.wfile.write(route.body)
            return None

        def _drip(self, drip: Drip) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.end_headers()
            started, sent = time.monotonic(), 0
            try:
                while time.monotonic() - started < drip.limit_s:
                    piece = drip.body[sent : sent + drip.chunk] if not drip.forever else b"<item/>"
                    if not piece:
                        return
                    self.wfile.write(piece)
                    self.wfile.flush()
                    sent += len(piece)
                    time.sleep(drip.every_s)
            except OSError:  # the client hung up: its deadline worked
                return

        def log_message(self, *args: object) -> None:
            pass

    with serving(Handler) as base_url:
        yield Served(base_url, routes, requests)
