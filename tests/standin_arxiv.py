"""A stand-in arXiv API on 127.0.0.1: answers ``id_list`` and ``search_query`` from a table
of papers in the current Atom dialect, replays recorded responses, and misbehaves on demand.

Faults are queued and each is spent on one request: ``("503", retry_after)``, ``("429",)``,
``("rate_exceeded",)`` (HTTP 200 with that text), ``("empty",)`` (a page with no entries
where totalResults promises some), ``("truncated",)``, ``("slow", seconds)``.
"""

from __future__ import annotations

import contextlib
import itertools
import re
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlparse
from xml.etree import ElementTree as ET

from httpserver import serving

from digestlake.transforms.arxiv_ids import parse_arxiv_id

ATOM, OS, AX = (
    "http://www.w3.org/2005/Atom",
    "http://a9.com/-/spec/opensearch/1.1/",
    "http://arxiv.org/schemas/atom",
)
ET.register_namespace("", ATOM)
ET.register_namespace("opensearch", OS)
ET.register_namespace("arxiv", AX)


@dataclass
class Paper:
    arxiv_id: str
    title: str
    authors: list[tuple[str, list[str]]]
    abstract: str = "An abstract."
    version: int = 1
    published: datetime = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    updated: datetime | None = None
    categories: list[str] = field(default_factory=lambda: ["cs.LG"])
    doi: str | None = None
    journal_ref: str | None = None
    comment: str | None = None


_WORD = re.compile(r"[a-z0-9]+")
_TOKEN = re.compile(r'\s*(\(|\)|ANDNOT\b|AND\b|OR\b|(?:(\w+):)?(?:"([^"]*)"|([^\s()"]+)))')


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _field_text(paper: Paper, name: str) -> str:
    authors = " ".join(n for n, _ in paper.authors)
    return {
        "ti": paper.title,
        "au": authors,
        "abs": paper.abstract,
        "co": paper.comment or "",
        "jr": paper.journal_ref or "",
        "cat": " ".join(paper.categories),
        "all": f"{paper.title} {paper.abstract} {authors} {paper.comment or ''}",
    }.get(name, "")


class SearchIndex:
    """An inverted index per field, so queries over thousands of papers stay fast."""

    def __init__(self, papers: dict[str, Paper]) -> None:
        self.words: dict[tuple[str, str], list[str]] = {}
        self.postings: dict[str, dict[str, set[str]]] = {}
        for pid, paper in papers.items():
            for name in ("ti", "au", "abs", "co", "jr", "cat", "all"):
                ws = words(_field_text(paper, name))
                self.words[(name, pid)] = ws
                for w in ws:
                    self.postings.setdefault(name, {}).setdefault(w, set()).add(pid)

    def term(self, name: str, text: str) -> set[str]:
        postings = self.postings.get(name, {})
        if text.endswith("*"):
            prefix = text[:-1].lower()
            return set().union(*(ids for w, ids in postings.items() if w.startswith(prefix)))
        needle = words(text.replace("_", " "))
        if not needle:
            return set()
        hits = set.intersection(*(postings.get(w, set()) for w in needle))
        n = len(needle)
        return {
            pid
            for pid in hits
            if any(
                self.words[(name, pid)][i : i + n] == needle
                for i in range(len(self.words[(name, pid)]) - n + 1)
            )
        }


def evaluate(query: str, index: SearchIndex) -> set[str]:
    """search_query -> matching ids. AND, OR, ANDNOT left to right; no operator means OR."""
    tokens = [m for m in _TOKEN.finditer(query) if m.group(1).strip()]
    pos = 0

    def term() -> set[str]:
        nonlocal pos
        m = tokens[pos]
        pos += 1
        if m.group(1) == "(":
            inner = expr()
            pos += 1  # ')'
            return inner
        name = (m.group(2) or "all").lower()
        return index.term(name, m.group(3) if m.group(3) is not None else m.group(4))

    def expr() -> set[str]:
        nonlocal pos
        result = term()
        while pos < len(tokens) and tokens[pos].group(1) != ")":
            op = tokens[pos].group(1)
            if op in ("AND", "OR", "ANDNOT"):
                pos += 1
            else:
                op = "OR"
            right = term()
            result = {"AND": result & right, "OR": result | right, "ANDNOT": result - right}[op]
        return result

    return expr()


def _stamp(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def atom_feed(papers: list[Paper], total: int, start: int, per_page: int, title: str) -> bytes:
    feed = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(feed, f"{{{ATOM}}}id").text = "https://arxiv.org/api/standin"
    ET.SubElement(feed, f"{{{ATOM}}}title").text = f"arXiv Query: {title}"
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = _stamp(datetime.now(UTC))
    ET.SubElement(feed, f"{{{OS}}}itemsPerPage").text = str(per_page)
    ET.SubElement(feed, f"{{{OS}}}totalResults").text = str(total)
    ET.SubElement(feed, f"{{{OS}}}startIndex").text = str(start)
    for p in papers:
        e = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(e, f"{{{ATOM}}}id").text = f"http://arxiv.org/abs/{p.arxiv_id}v{p.version}"
        ET.SubElement(e, f"{{{ATOM}}}title").text = p.title
        ET.SubElement(e, f"{{{ATOM}}}updated").text = _stamp(p.updated or p.published)
        ET.SubElement(
            e,
            f"{{{ATOM}}}link",
            href=f"https://arxiv.org/abs/{p.arxiv_id}v{p.version}",
            rel="alternate",
            type="text/html",
        )
        ET.SubElement(e, f"{{{ATOM}}}summary").text = p.abstract
        for cat in p.categories:
            ET.SubElement(e, f"{{{ATOM}}}category", term=cat, scheme=AX)
        ET.SubElement(e, f"{{{ATOM}}}published").text = _stamp(p.published)
        if p.comment:
            ET.SubElement(e, f"{{{AX}}}comment").text = p.comment
        ET.SubElement(e, f"{{{AX}}}primary_category", term=p.categories[0])
        if p.journal_ref:
            ET.SubElement(e, f"{{{AX}}}journal_ref").text = p.journal_ref
        for name, affiliations in p.authors:
            a = ET.SubElement(e, f"{{{ATOM}}}author")
            ET.SubElement(a, f"{{{ATOM}}}name").text = name
            for aff in affiliations:
                ET.SubElement(a, f"{{{AX}}}affiliation").text = aff
        if p.doi:
            ET.SubElement(e, f"{{{AX}}}doi").text = p.doi
    return b"<?xml version='1.0' encoding='UTF-8'?>\n" + ET.tostring(feed, encoding="utf-8")


def _oai_date(when: datetime) -> str:
    return when.strftime("%a, %-d %b %Y %H:%M:%S GMT")


def oai_page(papers: list[Paper], token: str | None, request: str) -> bytes:
    """A ListRecords page in the arXivRaw format, as export.arxiv.org/oai2 wrote them."""
    records = []
    for p in papers:
        versions = "".join(
            f'<version version="v{n}"><date>{_oai_date(d)}</date><size>1kb</size></version>'
            for n, d in [(1, p.published)]
            + ([(p.version, p.updated)] if p.version > 1 and p.updated else [])
        )
        stamp = (p.updated or p.published).strftime("%Y-%m-%d")
        authors = ", ".join(n for n, _ in p.authors)
        records.append(
            f"<record><header><identifier>oai:arXiv.org:{p.arxiv_id}</identifier><datestamp>{stamp}</datestamp></header>"
            f'<metadata><arXivRaw xmlns="http://arxiv.org/OAI/arXivRaw/"><id>{p.arxiv_id}</id>{versions}'
            f"<title>{_xml(p.title)}</title><authors>{_xml(authors)}</authors>"
            f"<categories>{' '.join(p.categories)}</categories><abstract>{_xml(p.abstract)}</abstract>"
            "</arXivRaw></metadata></record>"
        )
    token_xml = (
        f"<resumptionToken>{_xml(token)}</resumptionToken>" if token else "<resumptionToken/>"
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
        f"<responseDate>{_stamp(datetime.now(UTC))}</responseDate><request>{_xml(request)}</request>"
        f"<ListRecords>{''.join(records)}{token_xml}</ListRecords></OAI-PMH>"
    ).encode()


def oai_error(code: str, message: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
        f'<responseDate>{_stamp(datetime.now(UTC))}</responseDate><error code="{code}">{message}</error></OAI-PMH>'
    ).encode()


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def error_feed(message: str) -> bytes:
    return (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        f'<feed xmlns="{ATOM}" xmlns:opensearch="{OS}"><id>https://arxiv.org/</id>'
        "<title>arXiv Search Results</title><opensearch:itemsPerPage>1</opensearch:itemsPerPage>"
        "<opensearch:totalResults>1</opensearch:totalResults><opensearch:startIndex>0</opensearch:startIndex>"
        f"<entry><id>https://arxiv.org/api/errors#{message.replace(' ', '_')}</id><title>Error</title>"
        f"<summary>{message}</summary><author><name>arXiv api core</name></author></entry></feed>"
    ).encode()


@dataclass
class StandIn:
    papers: dict[str, Paper] = field(default_factory=dict)
    recorded: dict[str, tuple[int, bytes]] = field(default_factory=dict)  # query string -> answer
    faults: deque = field(default_factory=deque)
    requests: list[tuple[float, str]] = field(default_factory=list)  # (monotonic time, query)
    max_concurrent: int = 0
    base_url: str = ""
    _active: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _index: SearchIndex | None = None

    def add(self, *papers: Paper) -> None:
        for p in papers:
            self.papers[p.arxiv_id] = p
        self._index = None

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/query"

    def gaps(self) -> list[float]:
        times = [t for t, _ in self.requests]
        return [b - a for a, b in itertools.pairwise(times)]

    oai_page_size: int = 50

    @property
    def oai_url(self) -> str:
        return f"{self.base_url}/oai"

    def answer_oai(self, query: str) -> tuple[int, dict[str, str], bytes]:
        params = {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}
        if params.get("verb") != "ListRecords":
            return 200, {}, oai_error("badVerb", "only ListRecords here")
        if "resumptionToken" in params:
            try:
                offset, rest = params["resumptionToken"].split("|", 1)
                params = {**dict(parse_qs(rest)), "offset": offset}
                params = {k: v[0] if isinstance(v, list) else v for k, v in params.items()}
            except ValueError:
                return 200, {}, oai_error("badResumptionToken", "illegal token")
        chosen = sorted(self.papers.values(), key=lambda p: p.arxiv_id)
        if params.get("set"):
            group = params["set"].split(":")[0]
            chosen = [p for p in chosen if any(c.split(".")[0] == group for c in p.categories)]
        if params.get("from"):
            chosen = [
                p
                for p in chosen
                if (p.updated or p.published).strftime("%Y-%m-%d") >= params["from"]
            ]
        if not chosen:
            return 200, {}, oai_error("noRecordsMatch", "no records")
        offset = int(params.get("offset", 0))
        page = chosen[offset : offset + self.oai_page_size]
        rest = "&".join(
            f"{k}={params[k]}" for k in ("set", "from", "metadataPrefix") if params.get(k)
        )
        more = offset + self.oai_page_size < len(chosen)
        token = f"{offset + self.oai_page_size}|{rest}" if more else None
        return 200, {}, oai_page(page, token, query)

    def answer(self, query: str) -> tuple[int, dict[str, str], bytes]:
        if query in self.recorded:
            status, body = self.recorded[query]
            return status, {}, body
        params = {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}
        start = int(params.get("start", 0) or 0)
        per_page = int(params.get("max_results", 10) or 10)
        chosen = list(self.papers.values())
        if params.get("id_list"):
            chosen = []
            for raw in params["id_list"].split(","):
                ident = parse_arxiv_id(raw)
                if ident is None:
                    return 400, {}, error_feed(f"incorrect id format for {raw}")
                if ident.id in self.papers:
                    chosen.append(self.papers[ident.id])
        if params.get("search_query"):
            if self._index is None:
                self._index = SearchIndex(self.papers)
            hits = evaluate(params["search_query"], self._index)
            chosen = [p for p in chosen if p.arxiv_id in hits]
        elif not params.get("id_list"):
            return 400, {}, error_feed("Either a search_query or id_list must be specified")
        page = chosen[start : start + per_page]
        title = f"search_query={params.get('search_query', '')}&id_list={params.get('id_list', '')}"
        return 200, {}, atom_feed(page, len(chosen), start, per_page, title)


@contextmanager
def serve_standin(standin: StandIn | None = None) -> Iterator[StandIn]:
    standin = standin or StandIn()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            with standin._lock:
                standin._active += 1
                standin.max_concurrent = max(standin.max_concurrent, standin._active)
                url = urlparse(self.path)
                query = url.query if url.path != "/oai" else f"oai:{url.query}"
                standin.requests.append((time.monotonic(), query))
                fault = standin.faults.popleft() if standin.faults else None
            try:
                self._respond(query, fault)
            finally:
                with standin._lock:
                    standin._active -= 1

        def _respond(self, query: str, fault) -> None:
            headers: dict[str, str] = {}
            status, extra, body = 200, {}, b""
            kind = fault[0] if fault else None
            if kind == "slow":
                time.sleep(fault[1])
                kind = None
            if kind == "503":
                status, body, headers = 503, b"Service Unavailable", {"Retry-After": str(fault[1])}
            elif kind == "429":
                status, body = 429, b"Too Many Requests"
            elif kind == "rate_exceeded":
                body = b"Rate exceeded."
            else:
                if query.startswith("oai:"):
                    status, extra, body = standin.answer_oai(query[4:])
                else:
                    status, extra, body = standin.answer(query)
                if kind == "empty":
                    body = re.sub(rb"<entry>.*</entry>", b"", body, flags=re.S)
                elif kind == "truncated":
                    body = body[: len(body) // 2]
            self.send_response(status)
            for name, value in {**headers, **extra}.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/atom+xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)  # fails when the client gave up (a timeout test)

        def log_message(self, *args) -> None:
            pass

    with serving(Handler) as standin.base_url:
        yield standin
