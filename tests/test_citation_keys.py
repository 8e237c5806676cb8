"""Citation keys: readable, ASCII, unique, and never changed once issued."""

from __future__ import annotations

from datetime import UTC, datetime

from conftest import config_for

from digestlake.lake.store import Lake
from digestlake.pipeline.citation_keys import issue_citation_keys
from digestlake.transforms.citation_keys import assign_keys, key_base


def test_key_base_like_google_scholar() -> None:
    title = "Autoregressive Image Generation without Vector Quantization"
    assert key_base(["Tianhong Li", "Yonglong Tian"], 2024, title) == "li2024autoregressive"
    assert key_base(["Jürgen Müller"], 2023, "The Über Model") == "muller2023uber"
    assert key_base(["Ludwig van Beethoven Jr."], 2020, "On a Theme") == "beethoven2020theme"
    assert key_base(["OpenAI"], 2025, "gpt-oss") == "openai2025gpt"
    assert key_base([], None, "$\\infty$Bench") == "anonbench"
    assert key_base(["김민수"], 2024, "한국어 데이터") == "anon2024"


def test_collisions_settled_in_paper_id_order_case_insensitively() -> None:
    bases = {"2401.00002": "li2024scaling", "2401.00001": "li2024scaling", "x": "Li2024Scaling"}
    assert assign_keys(bases, {}) == {
        "2401.00001": "li2024scaling",
        "2401.00002": "li2024scalinga",
        "x": "Li2024Scalingb",
    }


def test_issued_keys_never_change_when_later_papers_collide(tmp_path) -> None:
    lake = Lake(tmp_path)
    t1, t2 = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC)
    registry, issued = issue_citation_keys(lake, {"2402.00009": "li2024scaling"}, t1)
    assert issued == 1
    # A paper sorting before it arrives with the same base: the old key stays put.
    registry, issued = issue_citation_keys(
        lake, {"2401.00001": "li2024scaling", "2402.00009": "li2024scaling"}, t2
    )
    keys = dict(zip(registry["paper_id"], registry["key"], strict=True))
    assert keys == {"2402.00009": "li2024scaling", "2401.00001": "li2024scalinga"}
    assert issued == 1
    before = lake.location.state()
    _, issued = issue_citation_keys(lake, {"2401.00001": "zzz", "2402.00009": "zzz"}, t2)
    assert issued == 0 and lake.location.state() == before


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
