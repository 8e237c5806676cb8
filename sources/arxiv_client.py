"""The arXiv API on the polite HttpClient (``sources/http.py``): what is arXiv's own here is
the interval (arXiv asks for 3 s), the queries and reading the answers.

A body that is not a feed or is cut short, ``Rate exceeded.``, and an empty page where results
were promised are failed tries, asked again like a 503; an HTTP 400 Error feed is an
ArxivQueryError naming the query. Answers are cached on disk by URL, so re-runs are cheap and
offline runs (cache only) are reproducible.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlencode

from digestlake.sources.arxiv_atom import (
    ArxivFeed,
    ArxivQueryError,
    ArxivRecord,
    BrokenFeed,
    parse_feed,
)
from digestlake.sources.http import HttpClient, HttpPolicy, HttpUnavailable, HttpUnreachable

T = TypeVar("T")

# The names callers know: arXiv failures are the HTTP client's.
ArxivUnavailable = HttpUnavailable  # arXiv kept failing; what is pending stays pending
ArxivUnreachable = HttpUnreachable  # no network, or offline with nothing cached


@dataclass
class FetchResult:
    records: dict[str, ArxivRecord] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)  # ids arXiv does not know


@dataclass
class ArxivClient:
    """arXiv's API (and OAI-PMH, through ``fetch``) at ``min_interval_s`` per host, the other
    politeness rules from ``policy``."""

    api_url: str = "https://export.arxiv.org/api/query"
    min_interval_s: float = 3.0
    policy: HttpPolicy = field(default_factory=HttpPolicy)
    cache_dir: Path | None = None
    offline: bool = False
    before_request: Callable[[], None] | None = None
    http: HttpClient = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.http = HttpClient(
            replace(self.policy, min_interval_s=self.min_interval_s),
            cache_dir=self.cache_dir,
            offline=self.offline,
            before_request=self.before_request,
        )

    @property
    def requests_made(self) -> int:
        return self.http.requests_made

    @property
    def cache_hits(self) -> int:
        return self.http.cache_hits

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> ArxivClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def fetch(self, url: str, parse: Callable[[bytes, int], T], *, cache: bool = True) -> T:
        """GET ``url`` politely and return ``parse(body, status)``.

        ``parse`` raises BrokenFeed for a body worth asking again (it counts as a failed try);
        anything else it raises is final. Parsed bodies are cached when ``cache`` is set.
        """
        return self.http.fetch(
            url, lambda r: parse(r.body, r.status), cache=cache, retry_on=(BrokenFeed,)
        )

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
