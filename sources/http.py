"""One polite HTTP client for every web request digestlake makes (arXiv API, OAI-PMH, digest
URLs, feeds): the rate, the retries, the limits and the cache live here, once.

- At most one request every ``min_interval_s`` and one connection at a time per host, for every
  client of the process (a process-wide gate), retries included. The interval counts from the
  end of the previous answer, so however long a request took, the next one arrives later by at
  least the interval.
- Retries with exponential backoff on transport errors, 429 and 5xx (and on whatever the
  caller's parser says is worth asking again), honouring ``Retry-After``, within a budget of
  time rather than a count: an outage of a couple of minutes is ridden out. A failed DNS lookup
  is not retried: there is no network.
- Every request has a total deadline and its decoded body a size cap, so a server that drips
  one byte at a time, a gzip bomb or an endless body is an error, never a hang or MemoryError.
- Conditional GET (ETag / Last-Modified), an on-disk cache by URL and an offline mode.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import socket
import tempfile
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, fields
from email.message import Message
from email.utils import parsedate_to_datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlparse

import httpx

T = TypeVar("T")
_PIECE = 1 << 16  # bytes inflated at a time: httpx's own decoder inflates a read at once


@dataclass(frozen=True, slots=True)
class HttpPolicy:
    """How politely and how patiently digestlake talks to a web server; ``[http]`` in the
    config. ``[arxiv] min_interval_s`` replaces ``min_interval_s`` for arXiv's hosts."""

    min_interval_s: float = 1.0  # per host, from the end of one answer to the next request
    retry_budget_s: float = 180.0  # keep retrying this long after the first try, then give up
    backoff_s: float = 3.0  # the first wait between tries, doubled after each
    max_backoff_s: float = 60.0
    timeout_s: float = 30.0  # to connect, and for each read
    deadline_s: float = 120.0  # for one whole request, headers and body
    max_bytes: int = 256 * 1024 * 1024  # of a decoded body
    user_agent: str = (
        f"digestlake/{version('digestlake')} (+https://github.com/digestlake/digestlake)"
    )

    def __post_init__(self) -> None:
        """NaN would disable the rate limit and inf hang a run: both are errors at start."""
        if not self.user_agent.strip():
            raise ValueError("user_agent must not be empty")
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name != "user_agent" and not (math.isfinite(value) and value >= 0):
                raise ValueError(f"{f.name} must be a finite number >= 0, got {value!r}")
        for name in ("timeout_s", "deadline_s", "max_bytes"):
            if getattr(self, name) == 0:
                raise ValueError(f"{name} must be more than 0")


class HttpUnavailable(RuntimeError):
    """A URL could not be read. ``transient`` failures (network, 429, 5xx, a deadline) may
    heal by the next run; a body over the size cap will not."""

    def __init__(self, message: str, *, transient: bool = True) -> None:
        super().__init__(message)
        self.transient = transient


class HttpUnreachable(HttpUnavailable):
    """No network (the host name does not resolve), or offline with nothing cached."""


class _FailedTry(Exception):
    """One try failed in a way worth trying again."""

    def __init__(self, problem: str, retry_after: float | None = None) -> None:
        super().__init__(problem)
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class Validators:
    """What a conditional GET sends back: the ETag and Last-Modified of the copy we hold."""

    etag: str | None = None
    last_modified: str | None = None

    def headers(self) -> dict[str, str]:
        sent = {"If-None-Match": self.etag, "If-Modified-Since": self.last_modified}
        return {name: value for name, value in sent.items() if value}


@dataclass(frozen=True, slots=True)
class HttpResponse:
    """A whole answer. Any status but 429 and 5xx (retried) is the caller's to judge."""

    url: str
    status: int
    body: bytes
    headers: httpx.Headers = field(default_factory=httpx.Headers)
    from_cache: bool = False

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def validators(self) -> Validators:
        return Validators(self.headers.get("ETag"), self.headers.get("Last-Modified"))

    @property
    def charset(self) -> str | None:
        """The charset the Content-Type names, if it names one."""
        message = Message()
        message["Content-Type"] = self.headers.get("Content-Type", "")
        return message.get_content_charset()


@dataclass
class _Gate:
    """Serialises the requests to one host and remembers when the last answer ended."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    last_end: float = float("-inf")


_GATES: dict[str, _Gate] = {}
_GATES_LOCK = threading.Lock()


def _gate(url: str) -> _Gate:
    with _GATES_LOCK:
        return _GATES.setdefault(urlparse(url).netloc.lower(), _Gate())


class _Deadline:
    """Shuts the request's socket down when its time is up. A read timeout alone never fires
    on a server that drips a byte at a time; a shut socket ends the blocked read at once."""

    def __init__(self, seconds: float) -> None:
        self.expired = False
        self._socket: socket.socket | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()

    def trace(self, event: str, info: dict[str, Any]) -> None:
        """httpcore's ``trace`` extension: learn the socket as soon as it is connected."""
        if event in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            with self._lock:
                self._socket = info["return_value"].get_extra_info("socket")
                if self.expired:
                    self._shut()

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            if self._socket is not None:
                self._shut()

    def _shut(self) -> None:
        # The TCP connection under any TLS layer, which the reading thread still uses.
        with contextlib.suppress(OSError):  # already closed
            socket.socket.shutdown(self._socket, socket.SHUT_RDWR)


def _retry_after(headers: httpx.Headers) -> float | None:
    value = headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


def _is_dns_failure(exc: BaseException | None) -> bool:
    while exc is not None:
        if isinstance(exc, socket.gaierror):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _decoded(raw: Iterable[bytes], coding: str) -> Iterator[bytes]:
    """The body as sent, or gunzipped ``_PIECE`` bytes at a time (only gzip is asked for)."""
    if coding in ("", "identity"):
        yield from raw
        return
    if coding not in ("gzip", "x-gzip"):
        raise HttpUnavailable(
            f"Content-Encoding {coding!r}, which was not asked for", transient=False
        )
    inflate, fed = zlib.decompressobj(zlib.MAX_WBITS | 16), False
    try:
        for chunk in raw:
            fed = fed or bool(chunk)
            while chunk and not inflate.eof:
                yield inflate.decompress(chunk, _PIECE)
                chunk = inflate.unconsumed_tail
    except zlib.error as exc:
        raise _FailedTry(f"broken gzip body: {exc}") from exc
    if fed and not inflate.eof:  # no body at all (a 304) is no gzip stream
        raise _FailedTry("gzip body cut short")


@dataclass
class HttpClient:
    """GETs under one ``HttpPolicy``; ``before_request`` runs inside the host's gate before
    every try (flows/ takes the cross-worker slot there)."""

    policy: HttpPolicy = field(default_factory=HttpPolicy)
    cache_dir: Path | None = None
    offline: bool = False  # answer from the cache only
    before_request: Callable[[], None] | None = None
    requests_made: int = 0
    cache_hits: int = 0
    _http: httpx.Client | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def close(self) -> None:
        with self._lock:
            if self._http is not None:
                self._http.close()
                self._http = None

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(
        self, url: str, *, validators: Validators | None = None, cache: bool = False
    ) -> HttpResponse:
        """GET ``url``: a 304 when ``validators`` still hold (``response.not_modified``)."""
        return self.fetch(url, lambda response: response, validators=validators, cache=cache)

    def fetch(
        self,
        url: str,
        parse: Callable[[HttpResponse], T],
        *,
        validators: Validators | None = None,
        cache: bool = False,
        retry_on: tuple[type[Exception], ...] = (),
    ) -> T:
        """GET ``url`` politely and return ``parse(response)``.

        An exception of a ``retry_on`` type from ``parse`` is a failed try (a body worth asking
        again); anything else it raises is final. With ``cache``, a 200 that ``parse`` accepted
        is kept on disk and answers the next fetch of the same URL.
        """
        cached = self._cache_path(url) if cache else None
        if cached is not None and cached.exists():
            self.cache_hits += 1
            return parse(HttpResponse(url, 200, cached.read_bytes(), from_cache=True))
        if self.offline:
            raise HttpUnreachable(f"offline, and {url} is not cached")
        headers = validators.headers() if validators else {}
        budget = self.policy.retry_budget_s
        start, delay, tries = time.monotonic(), self.policy.backoff_s, 0
        while True:
            tries += 1
            retry_after = None
            try:
                response = self._send(url, headers)
                result = parse(response)
            except _FailedTry as exc:
                problem, retry_after = str(exc), exc.retry_after
            except retry_on as exc:
                problem = str(exc)
            else:
                if cached is not None and response.status == 200:
                    _write_atomically(cached, response.body)
                return result
            elapsed = time.monotonic() - start
            left = budget - elapsed
            if left <= 0:
                raise HttpUnavailable(
                    f"{url}: {problem}; gave up after {tries} {'try' if tries == 1 else 'tries'} "
                    f"in {elapsed:.1f} s (retry budget {budget:g} s)"
                )
            if retry_after is not None and retry_after > left:
                raise HttpUnavailable(
                    f"{url}: {problem}; the server asks to wait {retry_after:g} s, more than "
                    f"the {left:.1f} s left of the {budget:g} s retry budget"
                )
            time.sleep(min(max(delay, retry_after or 0.0), left))  # the last try at the end
            delay = min(delay * 2, self.policy.max_backoff_s)

    def _cache_path(self, url: str) -> Path | None:
        if self.cache_dir is None:
            return None
        digest = hashlib.sha256(url.encode()).hexdigest()
        return self.cache_dir / digest[:2] / f"{digest}.xml"  # as ArxivClient always named them

    def _client(self) -> httpx.Client:
        with self._lock:
            if self._http is None:
                policy = self.policy
                self._http = httpx.Client(
                    timeout=min(policy.timeout_s, policy.deadline_s),
                    headers={"User-Agent": policy.user_agent, "Accept-Encoding": "gzip"},
                    # A connection per request, so the deadline always knows the socket to shut.
                    limits=httpx.Limits(max_keepalive_connections=0),
                    follow_redirects=True,
                )
            return self._http

    def _send(self, url: str, headers: dict[str, str]) -> HttpResponse:
        gate = _gate(url)
        with gate.lock:
            wait = gate.last_end + self.policy.min_interval_s - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            if self.before_request is not None:
                self.before_request()
            self.requests_made += 1
            try:
                return self._read(url, headers)
            finally:
                gate.last_end = time.monotonic()

    def _read(self, url: str, headers: dict[str, str]) -> HttpResponse:
        deadline_s = self.policy.deadline_s
        too_slow = f"no complete answer within {deadline_s:g} s (deadline_s)"
        try:
            with (
                _Deadline(deadline_s) as deadline,
                self._client().stream(
                    "GET", url, headers=headers, extensions={"trace": deadline.trace}
                ) as response,
            ):
                status = response.status_code
                if status == 429 or status >= 500:
                    raise _FailedTry(f"HTTP {status}", _retry_after(response.headers))
                body = self._body(url, response)
        except (httpx.TransportError, _FailedTry) as exc:
            if deadline.expired:
                raise _FailedTry(too_slow) from exc
            if isinstance(exc, _FailedTry):
                raise
            if _is_dns_failure(exc):
                host = urlparse(url).hostname
                raise HttpUnreachable(f"{url}: {host}: name does not resolve") from exc
            raise _FailedTry(f"{type(exc).__name__}: {exc}") from exc
        if deadline.expired:  # the shut socket may have looked like the end of the body
            raise _FailedTry(too_slow)
        return HttpResponse(url, status, body, response.headers)

    def _body(self, url: str, response: httpx.Response) -> bytes:
        """The decoded body, counted as it arrives and cut off past ``max_bytes``."""
        cap = self.policy.max_bytes
        too_big = HttpUnavailable(f"{url}: body over {cap} bytes (max_bytes)", transient=False)
        coding = response.headers.get("Content-Encoding", "").strip().lower()
        length = response.headers.get("Content-Length", "")
        if coding in ("", "identity") and length.isdigit() and int(length) > cap:
            raise too_big
        pieces, size = [], 0
        for piece in _decoded(response.iter_raw(), coding):
            size += len(piece)
            if size > cap:
                raise too_big
            pieces.append(piece)
        return b"".join(pieces)


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
