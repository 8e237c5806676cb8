"""``README.md``, the dataset card: the YAML a loader reads (``configs``, ``dataset_info``
features, ``size_categories``), then what a dataset builder needs to trust the data: every
column, where the data came from, statistics, how the language split is made, the licence.

Nothing in it depends on when it was written: the same lake gives the same bytes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

import polars as pl
import yaml

from digestlake.exports.dataset_schema import (
    CONFIGS,
    NESTED_MENTION,
    Column,
    arrow_schema,
    hf_feature,
)
from digestlake.transforms.commentary import REFERENCE_KINDS, reference_kind

_SIZES = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"))


@dataclass(frozen=True, slots=True)
class Provenance:
    """What wrote the data. ``run_id`` and ``lake_versions`` name the run that committed the
    lake state published and each table's version: a publish of an unchanged lake names the
    same ones, so the card does not change."""

    digestlake_version: str
    sources: pl.DataFrame  # the lake's sources table
    run_id: str | None = None
    lake_versions: dict[str, int] = field(default_factory=dict)


def size_category(rows: int) -> str:
    return next((name for bound, name in _SIZES if rows < bound), "n>1M")


def _configs(tables: dict[str, pl.DataFrame]) -> dict:
    """The Parquet shards as the configs (``datasets`` takes one file format per card: the
    JSON Lines copies are loaded by file, typed with these features)."""
    configs, info = [], []
    for name in tables:
        files = [{"split": "train", "path": f"parquet/{name}/*.parquet"}]
        default = {"default": True} if name == "papers" else {}
        configs.append({"config_name": name, "data_files": files} | default)
        features = [hf_feature(f.name, f.type) for f in arrow_schema(CONFIGS[name])]
        info.append({"config_name": name, "features": features})
    return {"configs": configs, "dataset_info": info}


def _table(header: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(v).replace("|", "\\|") for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _type(column: Column) -> str:
    feature = hf_feature(column.name, arrow_schema([column]).field(0).type)
    if "dtype" in feature:
        return f"`{feature['dtype']}`"
    inner = feature["list"]
    return "list of `" + (inner if isinstance(inner, str) else "struct") + "`"


def _columns(columns: list[Column]) -> str:
    rows = [[f"`{c.name}`", _type(c), c.about] for c in columns]
    return _table(["column", "type", "what it holds"], rows)


def _empty(table: pl.DataFrame) -> list[str]:
    """Columns with no value in any row (JSON readers cannot type them: JSON has no typed null)."""
    empty = []
    for name, dtype in table.schema.items():
        column = table[name]
        filled = column.list.len() > 0 if isinstance(dtype, pl.List) else column.is_not_null()
        if not filled.any():
            empty.append(name)
    return empty


def _when(at: datetime | None) -> str:
    return at.isoformat(timespec="seconds") if at else "never"


def _sources(provenance: Provenance) -> str:
    rows = [
        [
            f"`{r['source_id']}`",
            r["kind"],
            r["uri"],
            f"`{r['cursor']}`",
            _when(r["last_success_at"]),
        ]
        for r in provenance.sources.sort("source_id").iter_rows(named=True)
    ]
    return _table(["source", "kind", "location", "cursor", "cursor last advanced"], rows)


def _per_source_year(mentions: pl.DataFrame) -> str:
    counts = (
        mentions.group_by("source_id", year=pl.col("digest_date").dt.year())
        .len()
        .sort("source_id", "year", nulls_last=True)
    )
    rows = [[source, year or "undated", n] for source, year, n in counts.rows()]
    return _table(["source", "year", "mentions"], rows)


def _language(mentions: pl.DataFrame) -> str:
    split = mentions.group_by("language").len()
    counts = dict(split.rows())
    rows = [[f"`{k}`", counts.get(k, 0)] for k in ("ko", "en", "ko+en", "none")]
    lines = Counter()
    notes = Counter()
    for text in mentions["commentary"].drop_nulls():
        kinds = {reference_kind(line) for line in text.split("\n")}
        for line in text.split("\n"):
            lines[reference_kind(line)] += 1
        for kind in kinds - {None}:
            notes[kind] += 1
    refs = [[f"`{k}`", lines[k], notes[k]] for k in REFERENCE_KINDS]
    return (
        _table(["commentary has", "mentions"], rows)
        + "\n\nReference lines (commentary in no language), by kind:\n\n"
        + _table(["kind", "lines", "mentions with one"], refs)
    )


LICENCE = """\
The collection is not released under one licence, because its parts are not ours to license:

- **arXiv metadata** (titles, authors, abstracts, identifiers, categories, dates): arXiv makes
  its descriptive metadata available under CC0 1.0. It is the part you may reuse freely.
- **The papers** are not included, only their metadata; each paper's own licence is its
  `license` column (the licence of the paper, not of this row).
- **Commentary, tags and digest text** (`commentary*`, `tags`, `title` and `abstract` as a
  digest wrote them): written by the digests' authors. The note vault states no licence, so
  no licence is granted for this text here: by default its authors keep every right. Ask them
  before redistributing it or training on it.
- **Signals** (upvotes, stars, Hugging Face summaries and keywords) are as the sources reported
  them, under those services' terms.

The card's `license: other` says this: there is no single licence to name."""

SPLIT = """\
`commentary` is the digest author's whole text. `commentary_ko` and `commentary_en` split it:
the English part is what an `<english>` block holds, or else the English paragraphs (five or
more Latin-letter words) after the last Korean line, or the whole commentary when it has no
Hangul at all; the Korean part is the rest. A *reference line* is English in no sense and is
never in `commentary_en`: a line of URLs only, a `| 2005.06117` fragment (a row of a pasted
listing), or a line of `[[wikilinks]]` only. It stays in `commentary` (and in `commentary_ko`
when it follows Korean text with no English after it). `language` says which parts a mention
has. Counts for this release:"""


def dataset_card(tables: dict[str, pl.DataFrame], provenance: Provenance) -> bytes:
    papers, mentions = tables["papers"], tables["mentions"]
    biggest = max(t.height for t in tables.values())
    meta = {
        "pretty_name": "digestlake: papers and digest mentions",
        "language": ["ko", "en"],
        "license": "other",
        "size_categories": [size_category(biggest)],
        "tags": ["arxiv", "papers", "digests"],
        **_configs(tables),
    }
    days = mentions["digest_date"].drop_nulls()
    span = f"{days.min()} to {days.max()}" if len(days) else "no dated mentions"
    versions = ", ".join(f"`{t}` {v}" for t, v in sorted(provenance.lake_versions.items()))
    empty = [f"`{name}.{c}`" for name, table in tables.items() for c in _empty(table)]
    run = provenance.run_id or "not recorded"
    arxiv = papers.filter(pl.col("arxiv_id").is_not_null()).height
    body = f"""
# digestlake: papers and digest mentions

Papers named in research digests and note vaults, with what each digest said about them: one
row per paper (`papers`, its mentions nested) and one per mention (`mentions`).

| config | rows | Parquet (typed) | JSON Lines (the same rows) |
|---|---|---|---|
| `papers` (default) | {papers.height} | `parquet/papers/*.parquet` | `jsonl/papers.jsonl` |
| `mentions` | {mentions.height} | `parquet/mentions/*.parquet` | `jsonl/mentions.jsonl` |

```python
from datasets import load_dataset, load_dataset_builder
papers = load_dataset("<this folder>", "papers", split="train")  # the Parquet shards
features = load_dataset_builder("<this folder>", "mentions").info.features
mentions = load_dataset("json", data_files="jsonl/mentions.jsonl", features=features)
import polars as pl
mentions_df = pl.read_parquet("parquet/mentions/")
```

Parquet carries the types below; so does JSON Lines read with this card's features. In JSON
Lines alone a date is a `YYYY-MM-DD` string and a timestamp an RFC 3339 string with its offset:
`polars.read_ndjson` reads both as `String` (and counts as `Int64`), and
`load_dataset("json", data_files=...)` without features guesses `timestamp[s]` for dates.
Every key is in every row; a missing value is `null`, an empty list `[]`.
Columns with no value in this release (JSON readers type them `null`):
{", ".join(empty) or "none"}.

## Columns

`papers`:

{_columns(CONFIGS["papers"])}

Each of `papers.mentions`:

{_columns(NESTED_MENTION)}

`mentions`:

{_columns(CONFIGS["mentions"])}

## Provenance

- Written by digestlake {provenance.digestlake_version}, run `{run}`, from lake versions:
  {versions or "not recorded"}.
- Digest days: {span}. Papers: {papers.height} ({arxiv} with an arXiv id, {papers.height - arxiv}
  provisional `dl:` ids).
- Sources, with the cursor each was read to:

{_sources(provenance)}

## Statistics

Mentions per source and year:

{_per_source_year(mentions)}

## Language split

{SPLIT}

{_language(mentions)}

## Licence

{LICENCE}
"""
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1000)
    return f"---\n{front}---\n{body}".encode()
