"""The citation-key registry: keys are provisional until a paper's metadata is final, then
never changed or reused; the user's own BibTeX libraries (``[exports] keys_from``) name the
papers they hold."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import bibtexparser
import polars as pl

from digestlake.core.ids import ARXIV_SOURCES, PROVISIONAL_PREFIX
from digestlake.core.tables import CITATION_KEYS, QUARANTINE
from digestlake.lake.store import Lake
from digestlake.transforms.arxiv_ids import parse_arxiv_id
from digestlake.transforms.citation_keys import (
    PROVISIONAL,
    KeyRow,
    PaperIdentity,
    UserEntry,
    Wanted,
    family_name,
    key_parts,
    match_user_keys,
    settle_keys,
)
from digestlake.transforms.quarantine import quarantine_row, replace_quarantine
from digestlake.transforms.titles import latex_to_text, normalise_title

KEYS_FROM = "[exports] keys_from"  # the quarantine's source_id for the user's libraries
_ID_FIELDS = ("eprint", "arxivid", "url", "journal", "note", "howpublished", "doi")


@dataclass(slots=True)
class KeyReport:
    keys: dict[str, str]  # paper_id -> key
    previous: dict[str, list[str]]  # paper_id -> its earlier (provisional) keys
    provisional: list[str] = field(default_factory=list)  # keys still provisional
    issued: int = 0
    changed: list[tuple[str, str]] = field(default_factory=list)  # (old, new)
    problems: list[str] = field(default_factory=list)  # keys_from conflicts and bad entries


def _rows(registry: pl.DataFrame) -> dict[str, KeyRow]:
    return {
        r["paper_id"]: KeyRow(
            r["paper_id"], r["key"], r["assigned_at"], r["state"], list(r["previous_keys"] or [])
        )
        for r in registry.iter_rows(named=True)
    }


def _final_metadata(record: dict, unknown: set[str]) -> bool:
    """arXiv's metadata is stored, or there will be none: a paper with no arXiv id (its
    digests are all there is) or an id arXiv does not know."""
    return (
        record["paper_id"].startswith(PROVISIONAL_PREFIX)
        or record.get("metadata_source") in ARXIV_SOURCES
        or record.get("arxiv_id") in unknown
    )


def _identity(record: dict) -> PaperIdentity:
    people = [p["name"] for p in record.get("people") or [] if not p["organisation"]]
    return PaperIdentity(
        record["paper_id"],
        record.get("arxiv_id"),
        record.get("doi"),
        normalise_title(record.get("title")),
        family_name(people[0]) if people else "",
    )


def read_user_entries(paths: list[str]) -> tuple[list[UserEntry], list[dict]]:
    """The entries of the user's BibTeX libraries, and quarantine rows for what could not be
    read (``file:line``); the rest of each file is still read."""
    entries, rejected = [], []
    for path in paths:
        name = Path(path).name
        try:
            library = bibtexparser.parse_file(path)
        except (OSError, UnicodeDecodeError) as exc:
            rejected.append(quarantine_row(path, None, f"cannot read: {exc}"))
            continue
        for block in library.failed_blocks:
            reason = "not a BibTeX entry, skipped"
            rejected.append(quarantine_row(path, block.start_line + 1, reason, block.raw))
        for entry in library.entries:
            fields = {f.key.lower(): str(f.value) for f in entry.fields}
            found = (parse_arxiv_id(fields[k]) for k in _ID_FIELDS if fields.get(k))
            arxiv = next((a for a in found if a is not None), None)
            author = fields.get("author", "").split(" and ")[0]
            author = latex_to_text(author) if "\\" in author else author
            doi = fields.get("doi", "").strip().removeprefix("https://doi.org/") or None
            entries.append(
                UserEntry(
                    entry.key,
                    f"{name}:{entry.start_line + 1}",
                    arxiv.id if arxiv else None,
                    doi,
                    normalise_title(fields.get("title")),
                    family_name(author.replace("{", "").replace("}", "")) if author else "",
                )
            )
    return entries, rejected


def _quarantine(lake: Lake, paths: list[str], rejected: list[dict], now: datetime) -> None:
    """The libraries' bad entries in the quarantine table, under ``KEYS_FROM``: replaced on
    every publish, so a fixed entry leaves it."""
    old = lake.read("quarantine")
    new = replace_quarantine(old, KEYS_FROM, paths, rejected, now)
    order = list(QUARANTINE.key)
    if not new.sort(order).equals(old.sort(order)):
        lake.write("quarantine", new)


def issue_citation_keys(
    lake: Lake,
    records: list[dict],
    now: datetime,
    *,
    key_format: str = "digestlake",
    wait: timedelta = timedelta(days=14),
    keys_from: list[str] | tuple[str, ...] = (),
) -> KeyReport:
    """Settle every published paper's key (see ``transforms.citation_keys.settle_keys``) and
    write the registry when it changed."""
    registry = lake.read("citation_keys")
    lookups = lake.read("arxiv_lookups", columns=["arxiv_id", "status"])
    unknown = set(lookups.filter(pl.col("status") == "unknown")["arxiv_id"])
    entries, rejected = read_user_entries(list(keys_from))
    _quarantine(lake, list(keys_from), rejected, now)
    problems = [f"{r['location']}: {r['reason']}" for r in rejected]
    user_keys, conflicts = match_user_keys(entries, [_identity(r) for r in records])
    wanted = {
        r["paper_id"]: Wanted(
            key_parts([(p["name"], p["organisation"]) for p in r["people"]], r["year"], r["title"]),
            _final_metadata(r, unknown),
            user_keys.get(r["paper_id"]),
        )
        for r in records
    }
    settled = settle_keys(
        _rows(registry),
        wanted,
        now,
        wait=wait,
        reserved=frozenset(e.key.lower() for e in entries),
        key_format=key_format,
    )
    rows = sorted(settled.rows.values(), key=lambda r: r.paper_id)
    frame = pl.DataFrame(
        {
            "paper_id": [r.paper_id for r in rows],
            "key": [r.key for r in rows],
            "assigned_at": [r.assigned_at for r in rows],
            "state": [r.state for r in rows],
            "previous_keys": [r.previous_keys for r in rows],
        },
        schema=CITATION_KEYS.schema,
    )
    if not frame.equals(registry.sort("paper_id")):
        lake.write("citation_keys", frame)
    return KeyReport(
        keys={r.paper_id: r.key for r in rows},
        previous={r.paper_id: r.previous_keys for r in rows if r.previous_keys},
        provisional=sorted(r.key for r in rows if r.state == PROVISIONAL and r.paper_id in wanted),
        issued=settled.issued,
        changed=settled.changed,
        problems=problems + conflicts + settled.conflicts,
    )


def carry_over_keys(lake: Lake, moves: pl.DataFrame) -> list[str]:
    """A provisional paper that turned out to be an arXiv paper hands it its key, so a
    citation written while it was provisional still finds it. ``moves`` has ``old`` and
    ``new`` paper ids; a new paper that has a key already keeps its own."""
    registry = lake.read("citation_keys")
    owned = registry["paper_id"].implode()
    moves = (
        moves.unique()
        .filter(pl.col("old").is_in(owned) & ~pl.col("new").is_in(owned))
        .join(registry.select(pl.col("paper_id").alias("old"), "assigned_at"), on="old")
        .sort("assigned_at", "old")
        .unique("new", keep="first", maintain_order=True)  # two became one: the older key
        .filter(pl.col("old").is_unique())  # one became two: nobody knows which, keep it
    )
    if moves.height == 0:
        return []
    renamed = dict(zip(moves["old"], moves["new"], strict=True))
    return lake.write("citation_keys", registry.with_columns(pl.col("paper_id").replace(renamed)))
