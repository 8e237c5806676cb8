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
        ("a {brace} b", r"a \textbraceleft{}brace\textbraceright{} b"),
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
        to_latex("$\\mathcal{O}(N)$ Attention", protect_case=True) == "$\\mathcal{O}(N)$ Attention"
    )


def test_unicode_option_and_scripts_without_latex_form() -> None:
    report = LatexReport()
    assert to_latex("Müller 한국어 & x", unicode=True, report=report) == "Müller 한국어 \\& x"
    assert to_latex("עברית 한국어", report=report) == "עברית 한국어"  # kept as UTF-8, reported
    assert {"한", "ע"} <= report.kept_utf8


@pytest.mark.parametrize("text", ["{{{", "}}}", "a}b{c", "\\{", "$}$", "$$", "${$}", "{$\\}$}"])
def test_braces_are_always_balanced(text: str) -> None:
    assert balanced(to_latex(text))
    assert balanced(to_latex(text, protect_case=True, unicode=True))


def test_verbatim_keeps_urls_but_not_what_breaks_them() -> None:
    assert verbatim("https://x.org/a_b%20c#f~g") == "https://x.org/a_b%20c#f~g"
    assert verbatim("https://x.org/{a} b\\c") == "https://x.org/%7Ba%7D%20b%5Cc"
