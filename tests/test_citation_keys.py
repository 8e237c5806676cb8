"""Citation keys: readable, ASCII, unique; provisional until a paper's metadata is final,
then never changed; the user's own keys kept."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path

import bibtexparser
import polars as pl
import pytest
from conftest import config_for
from standin_arxiv import Paper, serve_standin
from test_publish import compile_bibliography

from digestlake.lake.store import Lake
from digestlake.pipeline.config import ArxivConfig, ExportsConfig, SourceConfig
from digestlake.pipeline.enrich import enrich
from digestlake.pipeline.ingest import ingest
from digestlake.pipeline.publish import publish
from digestlake.transforms.authors import parse_authors
from digestlake.transforms.citation_keys import (
    FINAL,
    PROVISIONAL,
    KeyRow,
    PaperIdentity,
    UserEntry,
    Wanted,
    candidates,
    key_base,
    key_parts,
    match_user_keys,
    settle_keys,
)
from digestlake.transforms.names import listed_names

T0 = datetime(2026, 1, 1, tzinfo=UTC)
WAIT = timedelta(days=14)


def key_of(raw_authors: str | None, year: int | None, title: str, key_format="digestlake") -> str:
    """The first key a paper gets, from its author list as a digest writes it."""
    authors = parse_authors(raw_authors)
    people = listed_names(authors.names, authors.organisation)
    return next(candidates(key_parts(people, year, title), key_format))


def test_key_base_like_google_scholar() -> None:
    title = "Autoregressive Image Generation without Vector Quantization"
    assert key_base(["Tianhong Li", "Yonglong Tian"], 2024, title) == "li2024autoregressive"
    assert key_base(["Jürgen Müller"], 2023, "The Über Model") == "muller2023uber"
    assert key_base(["Ludwig van Beethoven Jr."], 2020, "On a Theme") == "beethoven2020theme"
    assert key_base(["Michele Del Vecchio"], 2021, "Learning") == "delvecchio2021learning"
    assert key_base(["OpenAI"], 2025, "gpt-oss") == "openai2025gptoss"
    assert key_base([], None, "$\\infty$Bench") == "anonbench"
    assert key_base(["김민수"], 2024, "한국어 데이터") == "anon2024"
    assert key_base(["김민수", "Jane Doe"], 2024, "X") == "doe2024x"  # the first Latin name


@pytest.mark.parametrize(
    ("authors", "year", "title", "key"),
    [
        # The real vault's cases (issue 11): an organisation's whole name, never a generic word.
        ("Mistral AI", 2024, "MathΣtral, Codestral Mamba", "mistral2024mathtral"),
        ("Hazy Research", 2024, "ThunderKittens", "hazy2024thunderkittens"),
        ("Qwen Team", 2025, "Qwen3 Technical Report", "qwen2025qwen3"),
        ("The LCM team, Loïc Barrault", 2024, "Large Concept Models", "lcm2024large"),
        ("Tencent Hunyuan Team", 2025, "Hunyuan-TurboS", "tencenthunyuan2025hunyuanturbos"),
        ("01.AI, Alex Young", 2024, "Yi: Open Foundation Models", "01ai2024yiopen"),
        ("Codefuse, Ling Team: Wenting Cai, Yuchen Cao", 2025, "Every Sample Matters",
         "codefuse2025every"),
        # Hyphenated names whole, so one letter or a version alone still says which.
        ("Ruize Wang, Duyu Tang", 2020, "K-Adapter: Infusing Knowledge", "wang2020kadapter"),
        ("Marah Abdin", 2024, "Phi-3 Technical Report", "abdin2024phi3"),
        ("Marah Abdin", 2024, "Phi-4 Technical Report", "abdin2024phi4"),
        # A word shorter than three letters takes the next one too.
        ("Ann Lee", 2024, "Go: A Language", "lee2024golanguage"),
        # arXiv-style affiliation markers are not names: no 12025gpu.
        ("Khaled Hamidouche (1), John Bachan (1) ((1) NVIDIA Corporation)", 2025,
         "GPU-Initiated Networking", "hamidouche2025gpuinitiated"),
        ("Wei Sun1, Li Li2*", 2024, "Marks", "sun2024marks"),
    ],
)  # fmt: skip
def test_keys_name_the_first_author_or_the_whole_organisation(authors, year, title, key) -> None:
    assert key_of(authors, year, title) == key


def test_taken_keys_take_more_title_words_before_letters() -> None:
    parts = key_parts([("Ling Team", True)], 2025, "Every Step Evolves: Scaling")
    assert list(islice(candidates(parts), 6)) == [
        "ling2025every", "ling2025everystep", "ling2025everystepevolves",
        "ling2025everystepevolvesscaling", "ling2025everystepevolvesscalinga",
        "ling2025everystepevolvesscalingb",
    ]  # fmt: skip


def test_better_bibtex_format() -> None:
    """Better BibTeX's default: auth.lower + shorttitle(3,3) + year."""
    assert key_of("Ashish Vaswani", 2017, "Attention Is All You Need", "betterbibtex") == (
        "vaswaniAttentionAllYou2017"
    )
    parts = key_parts([("Ann Lee", False)], 2024, "A Study of K-Adapter")
    assert list(islice(candidates(parts, "betterbibtex"), 3)) == [
        "leeStudyKAdapter2024", "leeStudyKAdapter2024a", "leeStudyKAdapter2024b",
    ]  # fmt: skip


def wanted(name: str, title: str, final: bool, user: str | None = None) -> Wanted:
    return Wanted(key_parts([(name, False)] if name else [], 2019, title), final, user)


def test_a_provisional_key_changes_once_when_the_metadata_is_final() -> None:
    t1, t2, t3 = T0, T0 + timedelta(days=1), T0 + timedelta(days=2)
    first = settle_keys({}, {"1910.10683": wanted("", "T5", final=False)}, t1, wait=WAIT)
    row = first.rows["1910.10683"]
    assert (row.key, row.state, first.issued) == ("anon2019t5", PROVISIONAL, 1)
    # arXiv's metadata arrives: the final key, the provisional one kept as a previous key.
    exploring = wanted("Colin Raffel", "Exploring the Limits of Transfer", final=True)
    second = settle_keys(first.rows, {"1910.10683": exploring}, t2, wait=WAIT)
    row = second.rows["1910.10683"]
    assert (row.key, row.state, row.previous_keys) == ("raffel2019exploring", FINAL, ["anon2019t5"])
    assert second.changed == [("anon2019t5", "raffel2019exploring")] and second.issued == 0
    # Never again, whatever the metadata says; and nobody else gets the old key.
    later = {"1910.10683": wanted("Someone Else", "Other", final=True),
             "2001.00001": wanted("", "T5", final=True)}  # fmt: skip
    third = settle_keys(second.rows, later, t3, wait=WAIT)
    assert third.rows["1910.10683"].key == "raffel2019exploring"
    assert third.rows["2001.00001"].key == "anon2019t5a"


def test_a_provisional_key_is_final_after_the_wait_and_old_keys_are_final() -> None:
    first = settle_keys({}, {"x": wanted("", "T5", final=False)}, T0, wait=WAIT)
    waiting = settle_keys(first.rows, {"x": wanted("A B", "T5", final=False)}, T0 + WAIT / 2,
                          wait=WAIT)  # fmt: skip
    assert waiting.rows["x"].state == PROVISIONAL and waiting.rows["x"].key == "anon2019t5"
    done = settle_keys(first.rows, {"x": wanted("A B", "T5", final=False)}, T0 + WAIT, wait=WAIT)
    assert done.rows["x"].state == FINAL and done.rows["x"].key == "b2019t5"
    legacy = {"y": KeyRow("y", "anon2019t5", T0, None)}  # issued before keys had states
    kept = settle_keys(legacy, {"y": wanted("A B", "T5", final=True)}, T0 + WAIT, wait=WAIT)
    assert kept.rows["y"].key == "anon2019t5" and kept.changed == []


def test_user_keys_are_issued_and_conflicts_reported_never_renamed() -> None:
    rows = settle_keys({}, {"a": wanted("Ann Lee", "Alpha", final=True)}, T0, wait=WAIT).rows
    papers = {
        "a": wanted("Ann Lee", "Alpha", final=True, user="mine:alpha"),  # final already
        "b": wanted("Bo Kim", "Beta", final=False, user="mine:beta"),
        "c": wanted("Cy Park", "Gamma", final=True, user="lee2019alpha"),  # a's key
        "d": wanted("Lee Ann", "Alpha", final=True),
    }
    settled = settle_keys(rows, papers, T0, wait=WAIT, reserved=frozenset({"ann2019alpha"}))
    keys = {p: r.key for p, r in settled.rows.items()}
    assert keys == {"a": "lee2019alpha", "b": "mine:beta", "c": "park2019gamma",
                    "d": "ann2019alphaa"}  # fmt: skip
    assert settled.rows["b"].state == FINAL
    assert len(settled.conflicts) == 2
    assert "mine:alpha" in settled.conflicts[0] and "lee2019alpha (kept)" in settled.conflicts[0]
    assert "issued to a" in settled.conflicts[1]


def test_user_entries_match_by_arxiv_id_doi_or_title_and_author() -> None:
    papers = [
        PaperIdentity("2406.11838", "2406.11838", None, "autoregressive image", "li"),
        PaperIdentity("2401.00001", "2401.00001", "10.1/x", "other", "kim"),
        PaperIdentity("dl:1", None, None, "a blog post", "doe"),
        PaperIdentity("dl:2", None, None, "twice", "roe"),
        PaperIdentity("dl:3", None, None, "twice", "roe"),
    ]
    entries = [
        UserEntry("Li24", "refs.bib:1", "2406.11838", None, None, ""),
        UserEntry("Kim", "refs.bib:9", None, "10.1/X", None, ""),
        UserEntry("doe:blog", "refs.bib:20", None, None, "a blog post", "doe"),
        UserEntry("roe", "refs.bib:30", None, None, "twice", "roe"),
        UserEntry("Li24b", "more.bib:1", "2406.11838", None, None, ""),
    ]
    keys, conflicts = match_user_keys(entries, papers)
    assert keys == {"2401.00001": "Kim", "dl:1": "doe:blog"}
    assert conflicts == [
        "refs.bib:30: roe matches 2 papers (dl:2, dl:3)",
        "2406.11838 is in your libraries under several keys: Li24 (refs.bib:1), Li24b (more.bib:1)",
    ]


def note(folder: Path, day: int, arxiv_id: str, title: str, authors: str = "") -> None:
    """A vault note about an arXiv paper, as the real vault writes them."""
    head = f"{title} ({authors})" if authors else title
    (folder / f"1910{day:02d} {title[:20]}.md").write_text(
        f"https://arxiv.org/abs/{arxiv_id}\n\n{head}\n\n코멘트.\n\n#nlp\n"
    )


def test_lifecycle_arxiv_off_then_on_ten_runs_and_the_users_own_keys(tmp_path: Path) -> None:
    """A paper exported provisionally (arXiv off, no authors: anon2019t5) gets its final key
    once the stand-in arXiv's metadata is in, biblatex lists the old key in ``ids``; then 10
    runs that add papers change no final key; a key from keys_from is issued and kept."""
    lake, folder = Lake(tmp_path / "lake"), tmp_path / "notes"
    folder.mkdir()
    note(folder, 1, "1910.10683", "T5")
    note(folder, 2, "1706.03762", "Attention Is All You Need", "Ashish Vaswani, Noam Shazeer")
    refs = tmp_path / "refs.bib"
    refs.write_text(
        "@article{vaswani:attention,\n  title = {Attention is All you Need},\n"
        "  author = {Vaswani, Ashish and Shazeer, Noam},\n  journal = {NeurIPS},\n"
        "  year = {2017}\n}\n@misc{broken, title = {no closing brace}\n"
    )
    exports = ExportsConfig(keys_from=(str(refs),))
    sources = [SourceConfig("n", "vault", path=str(folder))]

    def run(now: datetime, arxiv: ArxivConfig | None = None):
        config = config_for(lake, sources, cache=tmp_path / "cache", exports=tmp_path / "out",
                            arxiv=arxiv, exports_config=exports)  # fmt: skip
        ingest(config, now=now)
        if arxiv is not None:
            enrich(config, now=now)
        report = publish(config, now=now, biblatex=True)
        rows = lake.read("citation_keys")
        return report, {r["paper_id"]: (r["key"], r["state"]) for r in rows.iter_rows(named=True)}

    report, keys = run(T0)
    assert keys == {"1910.10683": ("anon2019t5", PROVISIONAL),
                    "1706.03762": ("vaswani:attention", FINAL)}  # fmt: skip
    assert report.quality.provisional == ["anon2019t5"]
    assert any("refs.bib:7: not a BibTeX entry" in p for p in report.quality.key_problems)
    [row] = lake.read("quarantine").to_dicts()  # the broken entry; the good one was read
    assert row["source_id"] == "[exports] keys_from" and row["location"] == f"{refs}:7"

    t5 = Paper("1910.10683", "Exploring the Limits of Transfer Learning with a Unified "
               "Text-to-Text Transformer", [("Colin Raffel", []), ("Noam Shazeer", [])],
               published=datetime(2019, 10, 23, tzinfo=UTC))  # fmt: skip
    with serve_standin() as standin:
        standin.add(t5)
        arxiv = ArxivConfig(api_url=standin.api_url, oai_url=standin.api_url,
                            min_interval_s=0.0, cache=str(tmp_path / "arxiv"))  # fmt: skip
        report, keys = run(T0 + timedelta(days=1), arxiv)
        final = dict(keys)
        assert final["1910.10683"] == ("raffel2019exploring", FINAL)
        assert report.quality.changed_keys == ["anon2019t5 -> raffel2019exploring"]
        latex = bibtexparser.parse_string((tmp_path / "out/biblatex/all.bib").read_text())
        entry = next(e for e in latex.entries if e.key == "raffel2019exploring")
        assert entry.fields_dict["ids"].value == "anon2019t5"
        # A document written while the key was provisional still compiles, citing it.
        (tmp_path / "tex").mkdir()
        shutil.copy(tmp_path / "out/biblatex/all.bib", tmp_path / "tex/all.bib")
        errors, bbl = compile_bibliography(tmp_path / "tex", "biblatex", "\\cite{anon2019t5}")
        assert errors == [] and "raffel2019exploring" in bbl
        # Ten runs, each adding a paper that competes for the same keys.
        for n in range(10):
            arxiv_id = f"1910.{20000 + n}"
            standin.add(Paper(arxiv_id, "Exploring the Limits", [("Colin Raffel", [])],
                              published=datetime(2019, 10, 24, tzinfo=UTC)))  # fmt: skip
            note(folder, 3 + n, arxiv_id, "Exploring the Limits")
            report, keys = run(T0 + timedelta(days=2 + n), arxiv)
            assert {p: keys[p] for p in final} == final and report.keys_issued == 1
    assert len(keys) == 12 and len({k for k, _ in keys.values()}) == 12
    assert "raffel2019explorings" not in {k for k, _ in keys.values()}
    assert pl.Series([s for _, s in keys.values()]).eq(FINAL).all()


def test_a_provisional_paper_hands_its_key_to_the_arxiv_paper_it_turns_out_to_be(
    tmp_path,
) -> None:
    """Cited while provisional (no arXiv id yet), the paper keeps its key once a note links
    it to arXiv: the BibTeX key in the user's LaTeX still resolves."""
    from digestlake.pipeline.config import SourceConfig
    from digestlake.pipeline.ingest import ingest
    from digestlake.pipeline.publish import publish

    lake, t0 = Lake(tmp_path / "lake"), datetime(2026, 1, 1, tzinfo=UTC)
    digests = tmp_path / "digests"
    digests.mkdir()
    (digests / "2024-01-02.txt").write_text(
        "2024년 1월 2일\nSparse Mixtures of Tiny Experts\n(Hana Kim, Bo Lee)\n"
        "An abstract long enough to be an abstract here.\n코멘트.\n#moe\n"
    )
    notes = tmp_path / "notes"
    notes.mkdir()
    sources = [SourceConfig("d", "digest", path=str(digests))]

    def run(sources: list[SourceConfig]) -> dict[str, str]:
        config = config_for(lake, sources, cache=tmp_path / "cache", exports=tmp_path / "exports")
        ingest(config, now=t0)
        publish(config, now=t0)
        keys = lake.read("citation_keys")
        return dict(zip(keys["paper_id"], keys["key"], strict=True))

    first = run(sources)
    (provisional, key), *_ = first.items()
    assert provisional.startswith("dl:") and key == "kim2024sparse"
    (notes / "240302 Sparse Mixtures.md").write_text(
        "https://arxiv.org/abs/2403.90001\n\nSparse Mixtures of Tiny Experts (Hana Kim, Bo Lee)\n\n"
        "작은 전문가들.\n\n#moe\n"
    )
    second = run([*sources, SourceConfig("n", "vault", path=str(notes))])
    assert second == {"2403.90001": "kim2024sparse"}
    bib = (tmp_path / "exports" / "bibtex" / "all.bib").read_text()
    assert "{kim2024sparse," in bib and "kim2024sparsea" not in bib


def test_the_key_options_are_checked_at_start(tmp_path: Path) -> None:
    from digestlake.pipeline.config import ConfigError, load_config

    (tmp_path / "refs.bib").write_text("@misc{mine, title = {T}}\n")
    config = tmp_path / "digestlake.toml"
    config.write_text('[exports]\nkeys_from = ["refs.bib"]\nkey_format = "betterbibtex"\n')
    loaded = load_config(config).exports
    assert loaded.keys_from == (str(tmp_path / "refs.bib"),)
    assert loaded.key_format == "betterbibtex"
    for bad, said in [
        ('keys_from = ["nope.bib"]', "keys_from: no such file"),
        ('key_format = "zotero"', "key_format must be one of digestlake, betterbibtex"),
        ("key_wait_days = -1.0", "key_wait_days must be a number >= 0"),
        ('keys_from = "refs.bib"', "expected a list of strings"),
    ]:
        config.write_text(f"[exports]\n{bad}\n")
        with pytest.raises(ConfigError, match=said):
            load_config(config)
