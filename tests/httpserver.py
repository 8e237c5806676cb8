"""A real HTTP server on 127.0.0.1 for tests, answering from a table the test controls."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Served:
    base_url: str
    routes: dict[str, Route | list[Route]]
    requests: list[tuple[str, dict[str, str]]]


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """``handler`` answering on a free port of 127.0.0.1, one thread per request; yields the
    base URL. The server is shut down and its socket closed when the block ends."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)  # daemon request threads
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def serve(routes: dict[str, Route | list[Route]]) -> Iterator[Served]:
    """Serve ``routes``; a list of routes answers one request each, the last one repeats."""
    requests: list[tuple[str, dict[str, str]]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append((self.path, dict(self.headers)))
            route = routes.get(self.path, Route(b"not found", 404))
            if isinstance(route, list):
                route = route.pop(0) if len(route) > 1 else route[0]
            etag = route.headers.get("ETag")
            if etag and self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(route.status)
            for name, value in route.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(route.body)))
            self.end_headers()
            self.wfile.write(route.body)

        def log_message(self, *args) -> None:
            pass

    with serving(Handler) as base_url:
        yield Served(base_url, routes, requests)
