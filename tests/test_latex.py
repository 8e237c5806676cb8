"""LaTeX-safe field values: specials, math, accents, case protection, verbatim URLs."""

from __future__ import annotations

import pytest

from digestlake.exports.latex import LatexReport, to_latex, verbatim


def balanced(text: str) -> bool:
    """Brace balance as BibTeX counts it: a backslash does not escape a brace."""
    depth = 0
    for ch in text:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Cost & 100% of data_sets #1", r"Cost \& 100\% of data\_sets \#1"),
        ("a {brace} b", "a {brace} b"),  # balanced: TeX's own grouping braces, kept
        ("a {brace b", r"a \textbraceleft{}brace b"),
        ("path\\to ~x^y", r"path\textbackslash{}to \textasciitilde{}x\textasciicircum{}y"),
        ("Réseaux naïve Müller ł", r"R{\'e}seaux na{\"{i}}ve M{\"u}ller {\l}"),
        ("A — B – C “q”", "A --- B -- C ``q''"),
        ("PIXART-δ", r"PIXART-$\delta$"),
        (
            "<script>alert(1)</script>",
            r"\textless{}script\textgreater{}alert(1)\textless{}/script\textgreater{}",
        ),
        ("tab\tand\x0bcontrol\x00", "tab andcontrol"),
    ],
)
def test_text_fields(text: str, expected: str) -> None:
    assert to_latex(text) == expected


def test_math_is_kept_when_balanced_and_escaped_when_not() -> None:
    assert to_latex("$\\infty$Bench and $x^{2}$ cost $5") == "$\\infty$Bench and $x^{2}$ cost \\$5"
    report = LatexReport()
    out = to_latex("Bad $x^{2$ math", report=report, name="k")
    assert "$x" not in out.replace("\\$x", "") and balanced(out)
    assert report.simplified and "k: unbalanced" in report.simplified[0]


def test_case_protection_wraps_acronyms_and_camel_case_only() -> None:
    assert to_latex("DeepSeek-V2: A Strong MoE Model for LLM Use", protect_case=True) == (
        "{DeepSeek-V2}: A Strong {MoE} Model for {LLM} Use"
    )
    assert (
        to_latex("$\\mathcal{O}(N)$ Attention", protect_case=True)
        == "{$\\mathcal{O}(N)$} Attention"
    )


def test_unicode_option_and_scripts_without_latex_form() -> None:
    report = LatexReport()
    assert to_latex("Müller 한국 & x", unicode=True, report=report, name="k1") == "Müller ?? \\& x"
    # No LaTeX form: pdfLaTeX would stop on it, so it is written as ? and reported by key.
    assert to_latex("עב 한", report=report, name="k2") == "?? ?"
    assert report.no_form == {"k1": {"한", "국"}, "k2": {"ע", "ב", "한"}}


@pytest.mark.parametrize("text", ["{{{", "}}}", "a}b{c", "\\{", "$}$", "$$", "${$}", "{$\\}$}"])
def test_braces_are_always_balanced(text: str) -> None:
    assert balanced(to_latex(text))
    assert balanced(to_latex(text, protect_case=True, unicode=True))


def test_verbatim_keeps_urls_but_not_what_breaks_them() -> None:
    assert verbatim("https://x.org/a_b%20c#f~g") == "https://x.org/a_b%20c#f~g"
    assert verbatim("https://x.org/{a} b\\c") == "https://x.org/%7Ba%7D%20b%5Cc"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Unicode inside math becomes commands: no engine's math mode reads it.
        ("$ΔL$ Normalization", r"{${\Delta}L$} Normalization"),
        ("{PixArt-}$α$", r"{PixArt-}{${\alpha}$}"),
        ("$μ$nit Scaling", r"{${\mu}$nit} Scaling"),
        ("Any $β_2$ and $50%$", r"Any {${\beta}_2$} and {$50\%$}"),
        # Math is braced with the word it is part of, so a style's lowercasing keeps it.
        ("Math$\\Sigma$tral, Codestral Mamba", r"{Math$\Sigma$tral}, Codestral Mamba"),
        ("MathΣtral", r"{Math$\Sigma$tral}"),
        ("Scaling via u-$\\mu$P", r"Scaling via {u-$\mu$P}"),
        ("Skip $\\textbackslash n$", r"Skip {$\backslash n$}"),
    ],
)
def test_math_is_converted_and_case_protected(text: str, expected: str) -> None:
    assert to_latex(text, protect_case=True) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # TeX the source wrote is kept, not escaped into \textbackslash{}.
        ("a prize of \\$10,000 and 5\\% \\& more", r"a prize of \$10,000 and 5\% \& more"),
        ("yields \\emph{zero-shot} transfer", r"yields \emph{zero-shot} transfer"),
        ("\\textbf{bold & brave}", r"\textbf{bold \& brave}"),
        (
            'M{\\"u}ller, \\"o, \\\'{e}, \\c{c}, \\k e, {\\ss}',
            r"M{\"u}ller, {\"o}, {\'e}, {\c{c}}, {\k{e}}, {\ss}",
        ),
        ("\\LaTeX{} and \\ldots", r"{\LaTeX} and {\ldots}"),
        ("line\\\\break", "line break"),
        # What is not TeX we know stays text.
        (
            "\\input{/etc/passwd} \\newcommand",
            r"\textbackslash{}input{/etc/passwd} \textbackslash{}newcommand",
        ),
    ],
)
def test_tex_already_there_is_kept(text: str, expected: str) -> None:
    assert to_latex(text) == expected


def test_combining_marks_are_attached_to_their_letter() -> None:
    """PDF text puts the mark before its letter with a space (Maja Tr ̨ebacz, Ngân V ̃u);
    decomposed text (e + U+0301) is composed: both become accent commands, never bare marks."""
    assert to_latex("Maja Tr \u0328ebacz") == r"Maja Tr{\k{e}}bacz"
    assert to_latex("Ngân V \u0303u") == r"Ng{\^a}n V{\~u}"
    assert to_latex("Se\u0301aghdha") == r"S{\'e}aghdha"
    assert to_latex("Maja Tr \u0328ebacz", unicode=True) == "Maja Trębacz"


HAZARDS = [
    "{PixArt-}$α$: Fast Training", "$ΔL$ Normalization", "Math$\\Sigma$tral", "MathΣtral",
    "Scaling via u-$\\mu$P", "$μ$-Parametrization", "Costs \\$10,000 in \\emph{zero-shot}",
    "Skip $\\textbackslash n$", "구글 달리기", "Tr \u0328ebacz and V \u0303u", "Ó Séaghdha's ∞ → ≤",
    "Bad $x^{2$ math & 100% {unbalanced", "a}b{c", "ⓒ 𝛾 ｆｕｌｌ 🙂 ∂ ∇ ⊗",
]  # fmt: skip


@pytest.mark.parametrize("style", ["bibtex", "biblatex"])
def test_hazards_compile_and_keep_their_case(style: str, tmp_path) -> None:
    """Every hazard as a title, through bibtex (plain) or biber, then pdfLaTeX: no error,
    and the math and CamelCase words survive plain's lowercasing of titles."""
    from test_publish import compile_bibliography

    from digestlake.exports.bibtex import PREAMBLE, bib_entry

    records = [
        {"paper_id": f"p{i}", "title": t, "people": [{"name": "Ann Lee", "organisation": False}],
         "year": 2024, "arxiv_id": f"2401.{i:05d}"}
        for i, t in enumerate(HAZARDS, 1)
    ]  # fmt: skip
    bib = PREAMBLE + "\n".join(
        bib_entry(r, f"k{i}", biblatex=style == "biblatex") for i, r in enumerate(records, 1)
    )
    (tmp_path / "all.bib").write_text(bib, encoding="utf-8")
    errors, bbl = compile_bibliography(tmp_path, style)
    assert errors == []
    if style == "bibtex":
        assert "{Math$\\Sigma$tral}" in bbl and "{u-$\\mu$P}" in bbl and "{PixArt-}" in bbl
