"""The dataset as a dataset builder loads it: the real vault and corpus digests published, then
read with Hugging Face ``datasets`` (offline) and polars with default arguments, every column's
type checked against the card; the language split on our own lines."""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from conftest import MEASUREMENTS
from published_corpus import LAKE_VERSIONS, RUN_ID, published_corpus

from digestlake.exports.dataset_schema import CONFIGS, arrow_schema
from digestlake.exports.parquet import parquet_shards
from digestlake.transforms.commentary import reference_kind, split_commentary
from digestlake.transforms.note import title_from_note_name


@pytest.fixture(scope="module")
def dataset(bundle: Path, corpus: Path, tmp_path_factory: pytest.TempPathFactory):
    lake, exports = published_corpus(bundle, corpus, tmp_path_factory)
    card = (exports / "README.md").read_text(encoding="utf-8")
    meta = yaml.safe_load(card.split("---\n")[1])
    return lake, exports, card, meta


def _features(meta: dict, config: str):
    import datasets

    info = next(i for i in meta["dataset_info"] if i["config_name"] == config)
    return datasets.Features._from_yaml_list(info["features"])


def _json_type(t: pa.DataType) -> pl.DataType:
    """What a JSON reader can know of a declared type: dates and timestamps are strings,
    counts 64-bit; lists and structs keep their shape."""
    if pa.types.is_list(t):
        return pl.List(_json_type(t.value_type))
    if pa.types.is_struct(t):
        return pl.Struct({f.name: _json_type(f.type) for f in t})
    if pa.types.is_date(t) or pa.types.is_timestamp(t) or pa.types.is_string(t):
        return pl.String
    return {pa.int32(): pl.Int64, pa.int64(): pl.Int64, pa.bool_(): pl.Boolean}[t]


def test_loaders_give_the_types_the_card_declares(dataset, monkeypatch, tmp_path: Path) -> None:
    datasets = pytest.importorskip("datasets")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    lake, out, card, meta = dataset
    cache = str(tmp_path / "hf-cache")
    assert [c["config_name"] for c in meta["configs"]] == ["papers", "mentions"]
    empty_in_card = card.split("(JSON readers type them `null`):\n")[1].split(".\n")[0]
    for config in ("papers", "mentions"):
        declared = _features(meta, config)
        assert declared.arrow_schema == arrow_schema(CONFIGS[config])
        folder = datasets.load_dataset(str(out), config, split="train", cache_dir=cache)
        assert folder.features == declared
        shards = sorted((out / "parquet" / config).glob("*.parquet"))
        for shard in shards:
            one = datasets.load_dataset("parquet", data_files=str(shard), split="train",
                                        cache_dir=cache)  # fmt: skip
            assert one.features == declared
        jsonl = str(out / "jsonl" / f"{config}.jsonl")
        typed = datasets.load_dataset("json", data_files=jsonl, features=declared,
                                      split="train", cache_dir=cache)  # fmt: skip
        assert typed.features == declared and len(typed) == len(folder)
        assert typed.data.table.slice(0, 200).equals(folder.data.table.slice(0, 200))

        parquet = pl.read_parquet(out / "parquet" / config)  # default arguments
        assert parquet.to_arrow().schema.equals(
            pa.schema([pa.field(f.name, _large(f.type)) for f in declared.arrow_schema])
        )
        lines = pl.read_ndjson(jsonl)  # default arguments: types from the first 100 rows
        assert lines.height == parquet.height == len(folder)
        for field in declared.arrow_schema:
            got = lines.schema[field.name]
            if f"`{config}.{field.name}`" in empty_in_card:  # no value anywhere in this release
                assert parquet[field.name].is_null().all() or _all_empty(parquet[field.name])
            else:
                assert got == _json_type(field.type), (config, field.name, got)
    mentions = pl.read_parquet(out / "parquet" / "mentions")
    assert mentions.schema["digest_date"] == pl.Date
    assert mentions.schema["first_seen_at"] == pl.Datetime("us", "UTC")
    live = lake.read("mentions").filter(~pl.col("deleted"))
    assert mentions.height == live.height
    MEASUREMENTS.append(
        f"dataset: {len(folder)} mentions, every column as declared through datasets (folder, "
        "each shard, JSONL with the card's features) and polars defaults"
    )


def _large(t: pa.DataType) -> pa.DataType:  # polars hands Arrow its large_* types
    if pa.types.is_list(t):
        return pa.large_list(_large(t.value_type))
    if pa.types.is_struct(t):
        return pa.struct([pa.field(f.name, _large(f.type)) for f in t])
    return pa.large_string() if pa.types.is_string(t) else t


def _all_empty(column: pl.Series) -> bool:
    return isinstance(column.dtype, pl.List) and bool((column.list.len() == 0).all())


def test_the_card_describes_every_column_and_where_the_data_came_from(dataset) -> None:
    lake, out, card, meta = dataset
    for config, columns in CONFIGS.items():
        for c in columns:
            assert f"| `{c.name}` |" in card and c.about, (config, c.name)
    assert "| `digest_date` | `date32` |" in card
    assert "| `first_seen_at` | `timestamp[us, tz=UTC]` |" in card
    assert meta["size_categories"] == ["1K<n<10K"] and meta["license"] == "other"
    versions = ", ".join(f"`{t}` {v}" for t, v in sorted(LAKE_VERSIONS.items()))
    assert f"run `{RUN_ID}`, from lake versions:\n  {versions}." in card
    for source in lake.read("sources").iter_rows(named=True):
        assert f"| `{source['source_id']}` | {source['kind']} |" in card
        assert f"`{source['cursor']}`" in card
    mentions = pl.read_parquet(out / "parquet" / "mentions")
    days = mentions["digest_date"].drop_nulls()
    assert f"Digest days: {days.min()} to {days.max()}." in card
    per_year = mentions.group_by("source_id", y=pl.col("digest_date").dt.year()).len()
    for source, year, n in per_year.rows():
        assert f"| {source} | {year or 'undated'} | {n} |" in card
    for language, n in mentions.group_by("language").len().rows():
        assert f"| `{language}` | {n} |" in card
    assert "no licence is granted for this text" in card and "CC0" in card


def test_shards_are_bounded_and_named_as_the_hub_names_them(dataset) -> None:
    _, out, _, _ = dataset
    table = pl.read_parquet(out / "parquet" / "mentions")
    schema = arrow_schema(CONFIGS["mentions"])
    shards = parquet_shards(table, schema, 1000)
    count = math.ceil(table.height / 1000)
    assert list(shards) == [f"train-{k:05d}-of-{count:05d}.parquet" for k in range(count)]
    parts = [pq.read_table(pa.BufferReader(data)) for data in shards.values()]
    assert all(p.num_rows <= 1000 for p in parts) and all(p.schema.equals(schema) for p in parts)
    assert pa.concat_tables(parts).equals(table.to_arrow().cast(schema))
    assert parquet_shards(table, schema, 1000) == shards  # the same rows, the same bytes


def test_reference_lines_are_never_english() -> None:
    references = {
        "| 2005.06117": "fragment",
        "| Flowtron: an Autoregressive Flow-based Network - 2005.05957": "fragment",
        "https://arxiv.org/pdf/1902.01096v2.pdf": "url",
        "(https://a.org/x), https://b.org/y": "url",
        "[[200129 Reformer]] [[VoVNet]]": "wikilink",
    }
    assert {line: reference_kind(line) for line in references} == references
    for prose in ("XLNet https://arxiv.org/abs/1906.08237", "Logit Lens", "| a table | row |",
                  "See (https://arxiv.org/abs/2411.02038)."):  # fmt: skip
        assert reference_kind(prose) is None, prose
    links = split_commentary(["https://a.org/x", "| 2005.06117"])
    assert (links.text, links.ko, links.en) == ("https://a.org/x\n| 2005.06117", None, None)
    tail = split_commentary(["한국어 코멘트.", "https://arxiv.org/abs/2401.00001v2/with/long/path"])
    assert tail.en is None and tail.ko == tail.text
    both = split_commentary(
        ["한국어.", "This is the English translation of it.", "https://a.org/x", "[[Note]]"]
    )
    assert (both.ko, both.en) == ("한국어.", "This is the English translation of it.")
    block = split_commentary(["한국어.", "<english>", "English, in a block.", "| 2005.06117"])
    assert block.en == "English, in a block."


def test_no_english_commentary_of_the_corpus_is_a_reference_line(dataset) -> None:
    _, out, _, _ = dataset
    mentions = pl.read_parquet(out / "parquet" / "mentions")
    english = mentions["commentary_en"].drop_nulls().str.split("\n").explode()
    assert english.len() > 2000
    assert [line for line in english if reference_kind(line)] == []
    whole = mentions["commentary"].drop_nulls().str.split("\n").explode()
    kinds = [reference_kind(line) for line in whole]
    MEASUREMENTS.append(
        f"language split: {kinds.count('url')} URL-only lines, {kinds.count('fragment')} "
        f"'| id' fragments, {kinds.count('wikilink')} wikilink lines, none English; "
        + ", ".join(f"{k} {n}" for k, n in sorted(mentions.group_by("language").len().rows()))
    )


def test_reference_rules_run_in_linear_time() -> None:
    n = 200_000
    for line in ("| " + "x " * n + "2005.0611", "https://a " * n, "[[a]] " * n + "x", "|" * n):
        reference_kind(line)


def test_every_note_mention_has_a_title(dataset) -> None:
    """A note whose head names no title (211 of the vault's) is titled by its file name."""
    lake, out, _, _ = dataset
    notes = lake.read("mentions").filter(pl.col("kind") == "note")
    untitled = notes.filter(pl.col("title").is_null())["file"].to_list()
    assert [f for f in untitled if title_from_note_name(f)] == []
    yasa = notes.filter(pl.col("file") == "arXiv/2023/231004 Yasa-1.md")
    assert yasa["title"].to_list() == ["Yasa-1"]
    assert title_from_note_name("arXiv/2024/Idefics2.md") == "Idefics2"
    assert title_from_note_name("arXiv/2020/200128.md") is None
    rows = pl.read_parquet(out / "parquet" / "mentions").filter(pl.col("kind") == "note")
    assert rows["title"].null_count() == len(untitled)
