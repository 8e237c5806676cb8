"""arXiv's OAI-PMH interface: ListRecords pages in the ``arXivRaw`` or ``arXiv`` format.

``arXivRaw`` carries every version with its date (the only source of the full history) and
its authors as one text, read by the one author rule (``parse_authors``: marks stripped,
numbered affiliations given to their authors); ``arXiv`` carries structured authors with
affiliations. Either way a page gives records, the server's responseDate (the next harvest's
``from``) and a resumption token (none, or an empty one, at the end of the list).
``noRecordsMatch`` is an empty list, not a failure.

An answer that declares a DTD is refused before ElementTree reads it (defusedxml is not a
dependency): OAI-PMH answers never declare one, and only a DTD can declare the entities of an
XML bomb or an external entity naming a local file.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlencode
from xml.etree import ElementTree as ET
from xml.parsers import expat

from digestlake.sources.arxiv_atom import ArxivAuthor, ArxivRecord, BrokenFeed
from digestlake.sources.arxiv_client import ArxivClient
from digestlake.transforms.arxiv_ids import parse_arxiv_id
from digestlake.transforms.authors import parse_authors

OAI = "{http://www.openarchives.org/OAI/2.0/}"
RAW = "{http://arxiv.org/OAI/arXivRaw/}"
ARX = "{http://arxiv.org/OAI/arXiv/}"
FORMATS = ("arXivRaw", "arXiv")


class OaiError(ValueError):
    """An OAI-PMH error other than noRecordsMatch (badArgument, badResumptionToken, ...)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"OAI-PMH {code}: {message}")
        self.code = code


class HostileXml(ValueError):
    """An answer declaring a DTD: refused, not retried (asking again brings the same body)."""


class _PrologRead(Exception):
    """The root element began: the prolog declared no DTD."""


def refuse_dtd(body: bytes) -> None:
    """Raise HostileXml if ``body`` declares a DTD. Expat reads the prolog alone, in whatever
    encoding the body declares, and stops at the DOCTYPE or at the root's start tag, so no
    entity is ever expanded and a large page costs nothing."""
    parser = expat.ParserCreate()

    def doctype(name: str, *_: object) -> None:
        raise HostileXml(
            f"the answer declares a DTD (<!DOCTYPE {name}>): refused, as its entities could "
            "expand without bound or read local files"
        )

    def root(*_: object) -> None:
        raise _PrologRead

    parser.StartDoctypeDeclHandler = doctype
    parser.StartElementHandler = root
    with contextlib.suppress(_PrologRead, expat.ExpatError):  # not XML: ElementTree reports
        parser.Parse(body, True)


@dataclass(frozen=True, slots=True)
class OaiRecord:
    record: ArxivRecord
    versions: tuple[tuple[int, datetime], ...]  # every (version, submitted) arXivRaw lists
    license: str | None
    datestamp: str


@dataclass(frozen=True, slots=True)
class OaiPage:
    records: list[OaiRecord] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    token: str | None = None
    response_date: str | None = None


def _text(node: ET.Element | None, tag: str) -> str | None:
    value = node.findtext(tag) if node is not None else None
    return " ".join(value.split()) if value and value.strip() else None


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        if "," in value:  # "Tue, 3 Apr 2007 22:04:11 GMT"
            return parsedate_to_datetime(value).astimezone(UTC)
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    except (TypeError, ValueError):
        return None


def _fields(meta: ET.Element, ns: str) -> dict:
    """What both formats hold under the same names."""
    categories = tuple((_text(meta, f"{ns}categories") or "").split())
    doi = _text(meta, f"{ns}doi")
    return {
        "title": _text(meta, f"{ns}title") or "",
        "abstract": _text(meta, f"{ns}abstract") or "",
        "categories": categories,
        "primary_category": categories[0] if categories else None,
        "doi": doi.split()[0] if doi else None,  # several DOIs are space-separated
        "journal_ref": _text(meta, f"{ns}journal-ref"),
        "comment": _text(meta, f"{ns}comments"),
    }


def _raw_record(meta: ET.Element, datestamp: str) -> OaiRecord | None:
    ident = parse_arxiv_id(_text(meta, f"{RAW}id") or "")
    if ident is None:
        return None
    versions = []
    for v in meta.findall(f"{RAW}version"):
        number = (v.get("version") or "v0").lstrip("v")
        when = _date(_text(v, f"{RAW}date"))
        if number.isdigit() and when:
            versions.append((int(number), when))
    versions.sort()
    record = ArxivRecord(
        arxiv_id=ident.id,
        version=versions[-1][0] if versions else None,
        authors=tuple(
            ArxivAuthor(name, affiliations)
            for name, affiliations in parse_authors(_text(meta, f"{RAW}authors")).listed()
        ),
        published=versions[0][1] if versions else None,
        updated=versions[-1][1] if versions else None,
        **_fields(meta, RAW),
    )
    return OaiRecord(record, tuple(versions), _text(meta, f"{RAW}license"), datestamp)


def _author_name(author: ET.Element) -> str:
    parts = (_text(author, f"{ARX}{tag}") for tag in ("forenames", "keyname", "suffix"))
    return " ".join(p for p in parts if p)


def _arxiv_record(meta: ET.Element, datestamp: str) -> OaiRecord | None:
    ident = parse_arxiv_id(_text(meta, f"{ARX}id") or "")
    if ident is None:
        return None
    authors = tuple(
        ArxivAuthor(
            _author_name(a), tuple(x.text.strip() for x in a.findall(f"{ARX}affiliation") if x.text)
        )
        for a in meta.iter(f"{ARX}author")
    )
    created, updated = _date(_text(meta, f"{ARX}created")), _date(_text(meta, f"{ARX}updated"))
    record = ArxivRecord(
        arxiv_id=ident.id,
        version=None,
        authors=authors,
        published=created,
        updated=updated or created,
        **_fields(meta, ARX),
    )
    versions = ((1, created),) if created else ()
    return OaiRecord(record, versions, _text(meta, f"{ARX}license"), datestamp)


def parse_oai(body: bytes) -> OaiPage:
    """One ListRecords response; raises BrokenFeed (retry), OaiError or HostileXml (final)."""
    refuse_dtd(body)
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise BrokenFeed(f"not an OAI-PMH response: {exc}") from exc
    if root.tag != f"{OAI}OAI-PMH":
        raise BrokenFeed(f"not an OAI-PMH response: <{root.tag}>")
    response_date = _text(root, f"{OAI}responseDate")
    error = root.find(f"{OAI}error")
    if error is not None:
        code = error.get("code", "unknown")
        if code == "noRecordsMatch":
            return OaiPage(response_date=response_date)
        raise OaiError(code, (error.text or "").strip())
    page = OaiPage(response_date=response_date)
    for rec in root.iter(f"{OAI}record"):
        header = rec.find(f"{OAI}header")
        identifier = _text(header, f"{OAI}identifier") or ""
        datestamp = _text(header, f"{OAI}datestamp") or ""
        if header is not None and header.get("status") == "deleted":
            if (ident := parse_arxiv_id(identifier)) is not None:
                page.deleted.append(ident.id)
            continue
        meta = rec.find(f"{OAI}metadata")
        raw, arx = (
            (meta.find(f"{RAW}arXivRaw"), meta.find(f"{ARX}arXiv"))
            if meta is not None
            else (None, None)
        )
        parsed = (
            _raw_record(raw, datestamp)
            if raw is not None
            else _arxiv_record(arx, datestamp)
            if arx is not None
            else None
        )
        if parsed is not None:
            page.records.append(parsed)
    token = root.find(f"{OAI}ListRecords/{OAI}resumptionToken")
    if token is not None and token.text and token.text.strip():
        return OaiPage(page.records, page.deleted, token.text.strip(), response_date)
    return page


def list_records(
    client: ArxivClient,
    oai_url: str,
    *,
    metadata_prefix: str = "arXivRaw",
    set_spec: str | None = None,
    from_date: str | None = None,
    token: str | None = None,
) -> OaiPage:
    """One page: the first of a harvest (by set and from), or the next one (by token)."""
    if token:
        params = {"verb": "ListRecords", "resumptionToken": token}
    else:
        params = {"verb": "ListRecords", "metadataPrefix": metadata_prefix}
        if set_spec:
            params["set"] = set_spec
        if from_date:
            params["from"] = from_date
    return client.fetch(
        f"{oai_url}?{urlencode(params)}", lambda body, _status: parse_oai(body), cache=False
    )
