"""The arXiv client against a stand-in arXiv on 127.0.0.1 that misbehaves on purpose.

The minimum interval is shortened to 0.2 s here; what is checked is that the measured gap
between requests is never below it, whatever the server does.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

import pytest
from standin_arxiv import Paper, StandIn, serve_standin

from digestlake.sources.arxiv_atom import ArxivQueryError
from digestlake.sources.arxiv_client import ArxivClient, ArxivUnavailable, ArxivUnreachable
from digestlake.sources.http import HttpPolicy

INTERVAL = 0.2


def papers(n: int) -> list[Paper]:
    return [
        Paper(f"2401.{i:05d}", f"Paper number {i}", [(f"Author {i}", [])]) for i in range(1, n + 1)
    ]


FAST = HttpPolicy(backoff_s=0.05, timeout_s=1.0)


def client(
    standin: StandIn, tmp_path: Path | None = None, policy: HttpPolicy = FAST, **kw
) -> ArxivClient:
    return ArxivClient(
        api_url=standin.api_url, min_interval_s=INTERVAL, policy=policy, cache_dir=tmp_path, **kw
    )


def assert_polite(standin: StandIn, at_least: float = INTERVAL) -> None:
    assert standin.max_concurrent == 1
    assert all(gap >= at_least - 0.01 for gap in standin.gaps()), standin.gaps()


def test_ids_are_fetched_in_batches_and_unknown_ids_reported() -> None:
    with serve_standin() as standin:
        standin.add(*papers(250))
        with client(standin) as c:
            result = c.fetch_ids(
                [f"2401.{i:05d}" for i in range(1, 251)] + ["2401.99999"], batch_size=100
            )
        assert len(result.records) == 250 and result.missing == ["2401.99999"]
        assert c.requests_made == 3 and len(standin.requests) == 3
        assert_polite(standin)


@pytest.mark.parametrize(
    "fault", [("503", 0), ("429",), ("rate_exceeded",), ("empty",), ("truncated",)]
)
def test_each_fault_is_retried_with_nothing_lost_or_duplicated(fault) -> None:
    with serve_standin() as standin:
        standin.add(*papers(30))
        standin.faults.extend([fault, fault])
        with client(standin) as c:
            result = c.fetch_ids([p for p in standin.papers], batch_size=10)
        assert sorted(result.records) == sorted(standin.papers) and result.missing == []
        assert c.requests_made == 5  # 3 batches + 2 retries
        assert_polite(standin)


def test_a_slow_answer_times_out_and_is_retried() -> None:
    with serve_standin() as standin:
        standin.add(*papers(10))
        standin.faults.append(("slow", 1.5))  # longer than the client's 1 s timeout
        with client(standin) as c:
            result = c.fetch_ids(list(standin.papers))
        assert len(result.records) == 10 and c.requests_made == 2
        # The server is still busy with the abandoned request, so only the spacing is checked.
        assert all(gap >= INTERVAL - 0.01 for gap in standin.gaps())


def test_retry_after_is_honoured() -> None:
    with serve_standin() as standin:
        standin.add(*papers(1))
        standin.faults.append(("503", 1))
        with client(standin) as c:
            assert c.fetch_ids(["2401.00001"]).records
        assert standin.gaps()[0] >= 1.0 - 0.01


def test_persistent_failure_gives_up_after_the_retries() -> None:
    with serve_standin() as standin:
        standin.faults.extend([("429",)] * 10)
        two_retries = replace(FAST, backoff_s=0.5, retry_budget_s=1.0)  # tries at 0, 0.5, 1 s
        with (
            client(standin, policy=two_retries) as c,
            pytest.raises(ArxivUnavailable, match="HTTP 429"),
        ):
            c.fetch_ids(["2401.00001"])
        assert c.requests_made == 3


def test_bad_query_is_a_clear_error_and_not_retried() -> None:
    with serve_standin() as standin, client(standin) as c:
        with pytest.raises(ArxivQueryError, match=r"id_list=abc.*incorrect id format for abc"):
            c.fetch_ids(["abc"])
        assert c.requests_made == 1


def test_no_network_fails_fast_without_retrying() -> None:
    with ArxivClient(api_url="http://arxiv.invalid/api/query", min_interval_s=0) as c:
        with pytest.raises(ArxivUnreachable, match="does not resolve"):
            c.fetch_ids(["2401.00001"])
        assert c.requests_made == 1


def test_cache_makes_reruns_free_and_offline_runs_possible(tmp_path: Path) -> None:
    with serve_standin() as standin:
        standin.add(*papers(5))
        ids = list(standin.papers)
        with client(standin, tmp_path) as c:
            first = c.fetch_ids(ids)
        with client(standin, tmp_path) as c:
            assert c.fetch_ids(ids).records == first.records and c.requests_made == 0
        with client(standin, tmp_path, offline=True) as c:
            assert c.fetch_ids(ids).records == first.records
            with pytest.raises(ArxivUnreachable, match="offline"):
                c.fetch_ids(["2401.00009"])
        assert len(standin.requests) == 1


def test_two_clients_in_two_threads_share_one_gate() -> None:
    with serve_standin() as standin:
        standin.add(*papers(40))
        ids = list(standin.papers)
        results = []

        def work(part: list[str]) -> None:
            with client(standin) as c:
                results.append(c.fetch_ids(part, batch_size=5))

        threads = [threading.Thread(target=work, args=(ids[i::2],)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sum(len(r.records) for r in results) == 40
        assert len(standin.requests) == 8
        assert_polite(standin)


def test_search_with_boolean_query() -> None:
    with serve_standin() as standin:
        standin.add(
            Paper("2401.00001", "Attention Is All You Need", [("Ashish Vaswani", [])]),
            Paper("2401.00002", "Attention Sinks in Streaming Models", [("Guangxuan Xiao", [])]),
            Paper("2401.00003", "Mamba: Linear-Time Sequence Modeling", [("Albert Gu", [])]),
        )
        with client(standin) as c:
            feed = c.search('ti:"attention is all you need" OR ti:mamba')
            assert sorted(r.arxiv_id for r in feed.records) == ["2401.00001", "2401.00003"]
            feed = c.search("ti:attention ANDNOT au:vaswani")
            assert [r.arxiv_id for r in feed.records] == ["2401.00002"]
            feed = c.search("(ti:attention AND au:xiao) OR au:gu")
            assert sorted(r.arxiv_id for r in feed.records) == ["2401.00002", "2401.00003"]
