"""One polite arXiv API client: the rate, the retries and the cache live here, as in arxiv.py.

- At most one request every ``min_interval_s`` (arXiv's rule is 3 s) and one connection at a
  time, for every client of the process talking to the same host (a process-wide gate), and
  retries count too. Across Prefect workers the flow adds a global concurrency limit through
  ``before_request``.
- Retries with exponential backoff on 429, 5xx, connection errors, a ``Rate exceeded.`` body,
  a body that is not a feed or is cut short, and an empty page where results were promised;
  ``Retry-After`` is honoured. A failed DNS lookup is not retried: there is no network.
- An HTTP 400 Error feed is an ArxivQueryError naming the query.
- Successful responses are cached on disk by URL, so re-runs are cheap and offline runs
  (``offline=True``: cache only) are reproducible.
"""

from __future__ import annotations

import hashlib
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlencode, urlparse

import httpx
from digestlake.sources.arxiv_atom import (
    ArxivFeed,
    ArxivQueryError,
    ArxivRecord,
    BrokenFeed,
    parse_feed,
)

T = TypeVar("T")
USER_AGENT = "digestlake/0.1 (paper digest ETL; https://github.com/digestlake/digestlake)"


class ArxivUnavailable(RuntimeError):
    """arXiv could not be reached or kept failing; what is pending stays pending."""


class ArxivUnreachable(ArxivUnavailable):
    """No network (the host name does not resolve) or offline with nothing cached."""


class _Gate:
    """Serialises requests to one host. The interval counts from the end of the previous
    answer, not its start: however long a request took to arrive, the next arrives later
    by at least the interval."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.last_end = float("-inf")


_GATES: dict[str, _Gate] = {}
_GATES_LOCK = threading.Lock()


def _gate(url: str) -> _Gate:
    host = urlparse(url).netloc
    with _GATES_LOCK:
        return _GATES.setdefault(host, _Gate())


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


def _is_dns_failure(exc: BaseException) -> bool:
    while exc is not None:
        if isinstance(exc, socket.gaierror):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


@dataclass
class FetchResult:
    records: dict[str, ArxivRecord] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)  # ids arXiv does not know


@dataclass
class ArxivClient:
    api_url: str = "https://export.arxiv.org/api/query"
    min_interval_s: float = 3.0
    max_retries: int = 4
    backoff_s: float = 3.0
    max_backoff_s: float = 60.0
    timeout_s: float = 30.0
    cache_dir: Path | None = None
    offline: bool = False
    before_request: Callable[[], None] | None = None
    requests_made: int = 0
    cache_hits: int = 0
    _http: httpx.Client | None = None

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    def __enter__(self) -> ArxivClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- one request -------------------------------------------------------------------
    def _cache_path(self, url: str) -> Path | None:
        if self.cache_dir is None:
            return None
        digest = hashlib.sha256(url.encode()).hexdigest()
        return self.cache_dir / digest[:2] / f"{digest}.xml"

    def _send(self, url: str) -> httpx.Response:
        if self._http is None:
            self._http = httpx.Client(
                timeout=self.timeout_s,
                headers={"User-Agent": USER_AGENT},
                limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
                follow_redirects=True,
            )
        gate = _gate(url)
        with gate.lock:
            wait = gate.last_end + self.min_interval_s - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            if self.before_request is not None:
                self.before_request()
            self.requests_made += 1
            try:
                return self._http.get(url)
            finally:
                gate.last_end = time.monotonic()

    def fetch(self, url: str, parse: Callable[[bytes, int], T], *, cache: bool = True) -> T:
        """GET ``url`` politely and return ``parse(body, status)``.

        ``parse`` raises BrokenFeed for a body worth asking again (it counts as a failed try);
        anything else it raises is final. Parsed bodies are cached when ``cache`` is set.
        """
        cached = self._cache_path(url) if cache else None
        if cached is not None and cached.exists():
            self.cache_hits += 1
            return parse(cached.read_bytes(), 200)
        if self.offline:
            raise ArxivUnreachable(f"offline, and {url} is not cached")
        delay = self.backoff_s
        problem = ""
        for attempt in range(self.max_retries + 1):
            if attempt:
                time.sleep(delay)
                delay = min(delay * 2, self.max_backoff_s)
            try:
                response = self._send(url)
            except httpx.TransportError as exc:
                if _is_dns_failure(exc):
                    raise ArxivUnreachable(
                        f"{urlparse(url).netloc}: name does not resolve"
                    ) from exc
                problem = f"{type(exc).__name__}: {exc}"
                continue
            if response.status_code == 429 or response.status_code >= 500:
                problem = f"HTTP {response.status_code}"
                delay = max(delay, _retry_after(response) or 0)
                continue
            try:
                result = parse(response.content, response.status_code)
            except BrokenFeed as exc:
                problem = str(exc)
                continue
            if cached is not None:
                cached.parent.mkdir(parents=True, exist_ok=True)
                tmp = cached.with_suffix(".tmp")
                tmp.write_bytes(response.content)
                tmp.replace(cached)
            return result
        raise ArxivUnavailable(f"arXiv kept failing for {url}: {problem}")

    def _get_feed(self, params: dict[str, str | int]) -> ArxivFeed:
        url = f"{self.api_url}?{urlencode(params)}"

        def parse(body: bytes, status: int) -> ArxivFeed:
            feed = parse_feed(body, url)
            if status != 200:
                raise ArxivQueryError(f"HTTP {status} for {url}")
            if not feed.records and feed.total > feed.start:
                raise BrokenFeed(f"empty page where {feed.total} results were promised")
            return feed

        return self.fetch(url, parse)

    # -- what callers ask for ------------------------------------------------------------
    def fetch_ids(self, ids: Iterable[str], batch_size: int = 100) -> FetchResult:
        """Metadata for many ids, ``batch_size`` per ``id_list`` request."""
        wanted = list(dict.fromkeys(ids))
        result = FetchResult()
        for i in range(0, len(wanted), batch_size):
            batch = wanted[i : i + batch_size]
            params = {"id_list": ",".join(batch), "start": 0, "max_results": len(batch)}
            feed = self._get_feed(params)
            for record in feed.records:
                result.records[record.arxiv_id] = record
            result.missing += [a for a in batch if a not in result.records]
        return result

    def search(self, query: str, max_results: int = 50, start: int = 0) -> ArxivFeed:
        params = {"search_query": query, "start": start, "max_results": max_results}
        return self._get_feed(params)
