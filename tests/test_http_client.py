"""The polite HTTP client against real servers on 127.0.0.1 that misbehave on purpose: bursts
of faults, a digest URL that fails and then answers, a server that drips a byte every 2 s, a
gzip bomb, an endless body, a dead server. Intervals, budgets and deadlines are shortened;
what is checked is what the client does with them, never how fast it is.
"""

from __future__ import annotations

import json
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import replace
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from httpserver import Route, serve, serving
from standin_arxiv import Paper, serve_standin

from digestlake.pipeline.config import ConfigError, load_config
from digestlake.sources.arxiv_client import ArxivClient
from digestlake.sources.digest_files import SourceUnavailable
from digestlake.sources.digest_url import read_digest_url
from digestlake.sources.http import HttpClient, HttpPolicy, HttpUnavailable, HttpUnreachable

FAST = HttpPolicy(min_interval_s=0.05, backoff_s=0.05, max_backoff_s=0.2, timeout_s=5.0)
MB = 1024 * 1024
DAY = "2024년 1월 2일\nA Paper\n(Ann Lee)\nAn abstract long enough to be an abstract here.\n#llm\n"


@contextmanager
def serve_with(respond: Callable[[BaseHTTPRequestHandler], None]) -> Iterator[str]:
    """A server whose every GET is answered by ``respond(handler)``; yields its base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            with suppress(BrokenPipeError, ConnectionResetError):  # the client gave up
                respond(self)

        def log_message(self, *args) -> None:
            pass

    with serving(Handler) as base_url:
        yield base_url


def test_a_burst_of_five_faults_is_ridden_out_politely() -> None:
    with serve_standin() as standin:
        standin.add(
            *[Paper(f"2401.{i:05d}", f"Paper {i}", [("Ann Lee", [])]) for i in range(1, 31)]
        )
        standin.faults.extend(
            [("503", 1), ("429",), ("rate_exceeded",), ("empty",), ("truncated",)]
        )
        with ArxivClient(standin.api_url, min_interval_s=0.2, policy=FAST) as client:
            result = client.fetch_ids(list(standin.papers), batch_size=10)
        assert sorted(result.records) == sorted(standin.papers) and result.missing == []
        assert client.requests_made == len(standin.requests) == 3 + 5
        assert standin.max_concurrent == 1
        assert min(standin.gaps()) >= 0.2 - 0.01, standin.gaps()
        assert standin.gaps()[0] >= 1.0 - 0.01  # Retry-After: 1


def test_a_digest_url_that_fails_twice_is_read_in_one_call_then_not_modified() -> None:
    headers = {"ETag": '"v1"', "Last-Modified": "Tue, 02 Jan 2024 00:00:00 GMT"}
    headers["Content-Type"] = "text/plain; charset=utf-8"
    busy = Route(b"busy", 503, {"Retry-After": "0"})
    routes = {
        "/d.txt": [busy, busy, Route(DAY.encode(), headers=headers)],
        "/gone": Route(b"", 404),
    }
    with serve(routes) as server, HttpClient(FAST) as client:
        url = f"{server.base_url}/d.txt"
        first = read_digest_url(url, None, client=client)
        assert [d.text for d in first.documents] == [DAY] and not first.unchanged
        assert client.requests_made == 3
        assert json.loads(first.cursor)["etag"] == '"v1"'

        second = read_digest_url(url, first.cursor, client=client)
        assert second.unchanged and second.documents == [] and second.cursor == first.cursor
        sent = server.requests[-1][1]
        assert (
            sent["If-None-Match"] == '"v1"'
            and sent["If-Modified-Since"] == headers["Last-Modified"]
        )
        assert sent["User-Agent"].startswith("digestlake/")

        with pytest.raises(SourceUnavailable, match=r"/gone: HTTP 404") as err:
            read_digest_url(f"{server.base_url}/gone", None, client=client)
        assert not err.value.transient


def _drip(what: str) -> Callable[[BaseHTTPRequestHandler], None]:
    """An answer that arrives one byte every 2 s: from its first byte, or after the headers."""
    body = b"x" * 100

    def respond(handler: BaseHTTPRequestHandler) -> None:
        head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        if what == "body":
            handler.wfile.write(head)
        for byte in (head if what == "headers" else b"") + body:
            handler.wfile.write(bytes([byte]))
            time.sleep(2)

    return respond


@pytest.mark.parametrize("what", ["headers", "body"])
def test_a_dripping_server_is_cut_off_by_the_deadline(what: str) -> None:
    policy = replace(FAST, deadline_s=1.0, retry_budget_s=0)
    with serve_with(_drip(what)) as base, HttpClient(policy) as client:
        started = time.monotonic()
        with pytest.raises(HttpUnavailable, match=rf"{base}/slow: no complete answer within 1 s"):
            client.get(f"{base}/slow")
        took = time.monotonic() - started
    assert took < 3.0, took  # the deadline, not the 5 s read timeout nor the 200 s of dripping


def _zeros_gzipped(size: int) -> bytes:
    pack = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    return b"".join([pack.compress(bytes(MB)) for _ in range(size // MB)] + [pack.flush()])


def _big(kind: str) -> Callable[[BaseHTTPRequestHandler], None]:
    bomb = _zeros_gzipped(50 * MB) if kind == "gzip bomb" else b""

    def respond(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        if kind == "gzip bomb":
            handler.send_header("Content-Encoding", "gzip")
            handler.send_header("Content-Length", str(len(bomb)))
        elif kind == "declared too big":
            handler.send_header("Content-Length", str(100 * MB))
        handler.end_headers()  # "endless": no length, the body ends when the connection does
        if bomb:
            handler.wfile.write(bomb)
            return
        chunk = bytes(64 * 1024)
        while True:
            handler.wfile.write(chunk)

    return respond


@pytest.mark.parametrize("kind", ["gzip bomb", "endless", "declared too big"])
def test_a_body_past_max_bytes_is_cut_off_in_little_memory(kind: str) -> None:
    policy = replace(FAST, max_bytes=MB, retry_budget_s=0)
    with serve_with(_big(kind)) as base, HttpClient(policy) as client:
        tracemalloc.start()
        try:
            with pytest.raises(HttpUnavailable, match=rf"{base}/big: body over {MB} bytes") as err:
                client.get(f"{base}/big")
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert not err.value.transient and client.requests_made == 1  # the same body next time
    assert peak < 8 * MB, peak  # the cap and a piece, not the 50 MB the bomb inflates to


def test_offline_answers_from_the_cache_and_says_clearly_what_is_not_cached(
    tmp_path: Path,
) -> None:
    with serve({"/a": Route(b"cached body")}) as server, HttpClient(FAST, cache_dir=tmp_path) as c:
        c.get(f"{server.base_url}/a", cache=True)
    with HttpClient(FAST, cache_dir=tmp_path, offline=True) as offline:
        answer = offline.get(f"{server.base_url}/a", cache=True)
        assert (answer.body, answer.from_cache, offline.cache_hits) == (b"cached body", True, 1)
        with pytest.raises(
            HttpUnreachable, match=rf"offline, and {server.base_url}/b is not cached"
        ):
            offline.get(f"{server.base_url}/b", cache=True)
        assert offline.requests_made == 0


def _tries_until_given_up(base: str, budget: float) -> tuple[int, float, str]:
    taken = []
    policy = replace(FAST, retry_budget_s=budget)
    with HttpClient(policy, before_request=lambda: taken.append(1)) as client:
        started = time.monotonic()
        with pytest.raises(HttpUnavailable, match="HTTP 503; gave up after") as err:
            client.get(f"{base}/down")
        assert client.requests_made == len(taken)  # the hook runs before every try
        return client.requests_made, time.monotonic() - started, str(err.value)


def test_the_retry_budget_is_time_not_a_count() -> None:
    with serve({"/down": Route(b"down", 503)}) as server:
        short = _tries_until_given_up(server.base_url, 0.5)
        long = _tries_until_given_up(server.base_url, 1.5)
    assert 0.5 <= short[1] < 0.5 + 2 and 1.5 <= long[1] < 1.5 + 2  # about the budget
    assert long[0] > short[0] >= 3  # more time, more tries: no fixed count
    assert "(retry budget 1.5 s)" in long[2]


@pytest.mark.parametrize("form", ["seconds", "http-date"])
def test_a_retry_after_past_the_budget_gives_up_at_once(form: str) -> None:
    retry_after = "3600" if form == "seconds" else formatdate(time.time() + 3600, usegmt=True)
    with serve({"/busy": Route(b"busy", 503, {"Retry-After": retry_after})}) as server:
        with HttpClient(replace(FAST, retry_budget_s=60)) as client:
            started = time.monotonic()
            with pytest.raises(
                HttpUnavailable, match=r"/busy: HTTP 503; the server asks to wait 3[56]\d\d"
            ):
                client.get(f"{server.base_url}/busy")
        assert client.requests_made == 1 and time.monotonic() - started < 5


@pytest.mark.parametrize(
    ("toml", "env"),
    [
        ("[http]\nmin_interval_s = nan\n", {}),
        ("[http]\ndeadline_s = inf\n", {}),
        ("[http]\nretry_budget_s = -1\n", {}),
        ("", {"DIGESTLAKE_HTTP_MAX_BYTES": "0"}),
        ("", {"DIGESTLAKE_HTTP_TIMEOUT_S": "nan"}),
    ],
)
def test_a_bad_http_setting_is_an_error_at_start(tmp_path: Path, toml: str, env: dict) -> None:
    (tmp_path / "digestlake.toml").write_text(toml)
    with pytest.raises(ConfigError, match=r"\[http\] \w+ must"):
        load_config(tmp_path / "digestlake.toml", env=env)


def test_http_settings_come_from_the_config_and_the_environment(tmp_path: Path) -> None:
    (tmp_path / "digestlake.toml").write_text("[http]\nretry_budget_s = 60\n")
    env = {"DIGESTLAKE_HTTP_DEADLINE_S": "30", "DIGESTLAKE_HTTP_USER_AGENT": "me/1"}
    policy = load_config(tmp_path / "digestlake.toml", env=env).http
    assert (policy.retry_budget_s, policy.deadline_s, policy.user_agent) == (60, 30, "me/1")
    assert policy.max_bytes == HttpPolicy().max_bytes
