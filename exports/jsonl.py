"""``jsonl/papers.jsonl``, ``jsonl/mentions.jsonl`` and a dataset card declaring their features.

Every row has every key, in one order, with ``null`` or ``[]`` where a value is missing, so
Arrow-based loaders (Hugging Face ``datasets``, polars) infer one type per column; the card's
``dataset_info`` states the types outright for ``datasets.load_dataset(<folder>, <config>)``.
"""

from __future__ import annotations

import json
from datetime import date, datetime

import polars as pl
import yaml

S, INT, LS = "string", "int64", ["string"]
MENTION_FEATURES: list[tuple[str, object]] = [
    ("mention_id", S), ("source_id", S), ("kind", S), ("digest_date", S), ("position", INT),
    ("title", S), ("commentary", S), ("commentary_ko", S), ("commentary_en", S), ("tags", LS),
    ("links", LS), ("cited_arxiv_ids", LS),
]  # fmt: skip
PAPER_FEATURES: list[tuple[str, object]] = [
    ("paper_id", S), ("citation_key", S), ("arxiv_id", S), ("latest_version", INT), ("title", S),
    ("authors", LS), ("author_org", S), ("abstract", S), ("year", INT), ("categories", LS),
    ("primary_category", S), ("doi", S), ("journal_ref", S), ("url", S), ("tags", LS),
    ("first_date", S), ("last_date", S), ("metadata_source", S), ("mentions", [MENTION_FEATURES]),
]  # fmt: skip
MENTION_ROW_FEATURES: list[tuple[str, object]] = [
    ("mention_id", S), ("paper_id", S), ("source_id", S), ("kind", S), ("file", S),
    ("digest_date", S), ("position", INT), ("title", S), ("authors", LS), ("authors_raw", S),
    ("author_org", S), ("abstract", S), ("commentary", S), ("commentary_ko", S),
    ("commentary_en", S), ("tags", LS), ("links", LS), ("source_urls", LS),
    ("cited_arxiv_ids", LS), ("arxiv_id", S), ("resolution", S),
]  # fmt: skip


def _value(value: object, kind: object) -> object:
    if isinstance(kind, list):
        items = value or []
        if isinstance(kind[0], list):
            return [_row(item, kind[0]) for item in items]
        return [str(v) for v in items]
    if value is None:
        return None
    if isinstance(value, date | datetime):
        return value.isoformat()
    return int(value) if kind == INT else str(value) if kind == S else value


def _row(record: dict, features: list[tuple[str, object]]) -> dict:
    return {name: _value(record.get(name), kind) for name, kind in features}


def _lines(rows: list[dict]) -> bytes:
    return "".join(
        json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in rows
    ).encode()


def paper_rows(records: list[dict], keys: dict[str, str]) -> list[dict]:
    rows = []
    # Newest first (by the first digest that named the paper), then by id: readers of a
    # digest dataset want the recent end, and it is where every field is filled.
    ordered = sorted(records, key=lambda r: r["paper_id"])
    ordered.sort(key=lambda r: r.get("first_date") or date.min, reverse=True)
    for record in ordered:
        values = {
            **record,
            "citation_key": keys.get(record["paper_id"]),
            "authors": record.get("author_names"),
        }
        rows.append(_row(values, PAPER_FEATURES))
    return rows


def mention_rows(mentions: pl.DataFrame) -> list[dict]:
    live = mentions.filter(~pl.col("deleted")).sort(
        ["digest_date", "source_id", "position", "mention_id"],
        descending=[True, False, False, False],
        nulls_last=True,
    )
    return [_row(r, MENTION_ROW_FEATURES) for r in live.to_dicts()]


def _yaml_features(features: list[tuple[str, object]]) -> list[dict]:
    out = []
    for name, kind in features:
        if isinstance(kind, list):
            inner = kind[0]
            out.append(
                {"name": name, "list": _yaml_features(inner) if isinstance(inner, list) else inner}
            )
        else:
            out.append({"name": name, "dtype": kind})
    return out


def dataset_card(n_papers: int, n_mentions: int) -> bytes:
    meta = {
        "pretty_name": "digestlake: papers and digest mentions",
        "language": ["ko", "en"],
        "license": "other",
        "configs": [
            {"config_name": "papers", "data_files": "papers.jsonl", "default": True},
            {"config_name": "mentions", "data_files": "mentions.jsonl"},
        ],
        "dataset_info": [
            {"config_name": "papers", "features": _yaml_features(PAPER_FEATURES)},
            {"config_name": "mentions", "features": _yaml_features(MENTION_ROW_FEATURES)},
        ],
    }
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True)
    body = f"""
# digestlake dataset

Papers named in research digests and note vaults, with what each digest said about them.

- `papers.jsonl` ({n_papers} rows): one paper (arXiv id, or `dl:<hash>` for papers without one)
  with its citation key, metadata, the tags digests gave it, and its `mentions` nested.
- `mentions.jsonl` ({n_mentions} rows): one row per digest entry or note that is still live.

Dates are ISO `YYYY-MM-DD` strings. Commentary is kept whole in `commentary` and split into
`commentary_ko` (Korean) and `commentary_en` (English translation) where the source marks
them. Every row has every field; a missing value is `null` (or `[]` for lists).

```python
from datasets import load_dataset
papers = load_dataset("json", data_files="papers.jsonl", split="train")
import polars as pl  # polars infers from the first rows unless told to read them all
mentions_df = pl.read_ndjson("mentions.jsonl", infer_schema_length=None)
mentions = load_dataset("<this folder>", "mentions", split="train")  # types from this card
```

Licence: descriptive arXiv metadata is CC0; the commentary belongs to the digest's authors.
"""
    return f"---\n{front}---\n{body}".encode()


def jsonl_files(
    records: list[dict], keys: dict[str, str], mentions: pl.DataFrame
) -> dict[str, bytes]:
    papers = paper_rows(records, keys)
    rows = mention_rows(mentions)
    return {
        "papers.jsonl": _lines(papers),
        "mentions.jsonl": _lines(rows),
        "README.md": dataset_card(len(papers), len(rows)),
    }
