"""Plain text to LaTeX-safe BibTeX field values, fast, with braces always balanced.

Written by hand rather than with pylatexenc/bibtexparser's encoder: those wrap URLs in
``\\url``, escape case-protection braces, use ``{\\"\\i}`` forms biber chokes on, and run about
12x slower than a plain write (see ../shared/docs/landscape.md §9-10). Here a field is one
``str.translate`` pass outside ``$...$`` math, with accents as ``{\\"o}`` commands (or kept as
UTF-8 by option) and anything without a LaTeX form kept as UTF-8 and reported.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from digestlake.transforms.names import attach_marks

_SPECIALS = {
    "\\": r"\textbackslash{}",
    # BibTeX counts braces even after a backslash, so \{ would unbalance an entry.
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
}
_SYMBOL_ACCENTS = {"\u0301": "'", "\u0300": "`", "\u0302": "^", "\u0308": '"', "\u0303": "~",
                   "\u0304": "=", "\u0307": "."}  # fmt: skip
_LETTER_ACCENTS = {"\u0327": "c", "\u030c": "v", "\u0306": "u", "\u030b": "H", "\u0328": "k",
                   "\u030a": "r", "\u0323": "d"}  # fmt: skip
_LETTERS = {"ß": r"{\ss}", "æ": r"{\ae}", "Æ": r"{\AE}", "ø": r"{\o}", "Ø": r"{\O}",
            "œ": r"{\oe}", "Œ": r"{\OE}", "ł": r"{\l}", "Ł": r"{\L}", "ı": r"{\i}"}  # fmt: skip
_PUNCTUATION = {"–": "--", "—": "---", "‘": "`", "’": "'", "“": "``", "”": "''",
                "…": r"\ldots{}", "\u00a0": "~", "•": r"\textbullet{}", "°": r"\textdegree{}",
                "×": r"$\times$", "±": r"$\pm$", "≤": r"$\leq$", "≥": r"$\geq$",
                "→": r"$\rightarrow$", "∞": r"$\infty$", "€": r"\texteuro{}", "£": r"\pounds{}",
                "§": r"\S{}", "©": r"\textcopyright{}", "®": r"\textregistered{}",
                "™": r"\texttrademark{}", "«": r"\guillemotleft{}", "»": r"\guillemotright{}",
                "\u200b": "", "\ufeff": "", "−": "$-$", "∼": r"$\sim$", "≈": r"$\approx$",
                "·": r"$\cdot$", "⌈": r"$\lceil$", "⌉": r"$\rceil$", "≠": r"$\neq$",
                "∈": r"$\in$", "√": r"$\surd$", "∑": r"$\sum$"}  # fmt: skip
_GREEK = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa",
          "lambda", "mu", "nu", "xi", "o", "pi", "rho", "varsigma", "sigma", "tau", "upsilon",
          "phi", "chi", "psi", "omega"]  # fmt: skip


def _accent_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in range(0x00C0, 0x0250):
        decomposed = unicodedata.normalize("NFD", chr(code))
        if len(decomposed) != 2:
            continue
        base, mark = decomposed
        letter = "{i}" if base == "i" else base
        if mark in _SYMBOL_ACCENTS:
            table[code] = "{\\" + _SYMBOL_ACCENTS[mark] + (letter if base != "i" else "{i}") + "}"
        elif mark in _LETTER_ACCENTS:
            table[code] = "{\\" + _LETTER_ACCENTS[mark] + "{" + base + "}}"
    for i, name in enumerate(_GREEK):
        if name not in ("o", "varsigma"):
            table[0x03B1 + i] = f"$\\{name}$"
            capital = name.capitalize()
            if capital in ("Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon",
                           "Phi", "Psi", "Omega"):  # fmt: skip
                table[0x0391 + i] = f"$\\{capital}$"
    return table


_CONTROL = {c: None for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]}
_WHITESPACE = {0x09: " ", 0x0A: " ", 0x0D: " "}
_ASCII_TABLE = str.maketrans({**_SPECIALS, **_PUNCTUATION, **_LETTERS}) | _CONTROL | _WHITESPACE
_ACCENTS = _accent_table()
_FULL_TABLE = _ASCII_TABLE | _ACCENTS


# UTF-8 mode keeps the accented Latin letters that pdfLaTeX's inputenc (utf8, T1) reads and
# biber passes through; Greek, symbols and punctuation still become commands.
def _kept_utf8(ch: str) -> bool:
    return 0x00C0 <= ord(ch) <= 0x017F and ord(ch) not in (0x00D7, 0x00F7)


_UTF8_TABLE = {c: v for c, v in _FULL_TABLE.items() if not _kept_utf8(chr(c))}
# A field whose braces balance keeps them: they are TeX's groups (arXiv's ``{PixArt-}$α$``
# protects case with them). Unbalanced, every brace is escaped.
_GROUPS = {ord("{"): "{", ord("}"): "}"}
_TABLES = {
    (False, False): _FULL_TABLE,
    (True, False): _UTF8_TABLE,
    (False, True): _FULL_TABLE | _GROUPS,
    (True, True): _UTF8_TABLE | _GROUPS,
}
_BRACE = re.compile(r"[{}]")
_ESCAPED_BRACE = re.compile(r"\\[{}]")
_NEEDS_WORK = re.compile(r"[\\{}&%$#_~^<>|\x00-\x1f\x7f]")
_MATH = re.compile(r"(?<!\\)\$(?:[^$\\\n]|\\.){1,300}?(?<!\\)\$")
_SPACES = re.compile(r" {2,}")


_TEXT_COMMANDS = ("emph|textbf|textit|texttt|textsc|textsf|textrm|textsl|textup|underline|mbox|"
                  "textsuperscript|textsubscript")  # fmt: skip
_WORD_COMMANDS = ("LaTeX|LaTeXe|TeX|BibTeX|ldots|dots|textendash|textemdash|S|P|ss|ae|AE|oe|OE|"
                  "aa|AA|o|O|l|L|i|j|textbackslash|textasciitilde|textasciicircum|textbar|"
                  "textless|textgreater|textbullet|textdegree|textregistered|texttrademark|"
                  "textcopyright|euro|pounds")  # fmt: skip
_ACCENT_MARKS = {v: k for k, v in (_SYMBOL_ACCENTS | _LETTER_ACCENTS).items()}
# TeX a source already wrote, kept rather than escaped: escaped specials (\$10,000), braces
# (\{), accents in their usual forms ({\"o}, \"o, \"{o}, \c{c}, \k e), text commands
# around plain text (\emph{zero-shot}), and the common argument-less ones (\LaTeX, \ss).
_TEX = re.compile(
    r"\\(?P<special>[$%&#_])"
    r"|\\(?P<brace>[{}])"
    r"|\{\\(?P<acc1>['\"`^~=.cvuHkrd])\s*(?:\{(?P<let1>[A-Za-z])\}|(?P<let2>[A-Za-z]))\}"
    r"|\\(?P<acc2>['\"`^~=.])\s*(?:\{(?P<let3>[A-Za-z])\}|(?P<let4>[A-Za-z]))"
    r"|\\(?P<acc3>[cvuHkrd])(?:\{(?P<let5>[A-Za-z])\}|\s+(?P<let6>[A-Za-z]))"
    rf"|\\(?P<cmd>{_TEXT_COMMANDS})\{{(?P<arg>[^{{}}\\$]*)\}}"
    rf"|(?P<wb>\{{)?\\(?P<word>{_WORD_COMMANDS})(?![A-Za-z])(?:\{{\}})?(?(wb)\}})"
    r"|(?P<newline>\\\\)"
)
_MATH_SPECIALS = {"%": r"\%", "#": r"\#", "&": r"\&"}
_MATH_SPECIAL = re.compile(r"(?<!\\)[%#&]")
_MATH_TABLE = (
    str.maketrans(
        {chr(c): "{" + v[1:-1] + "}" for c, v in _FULL_TABLE.items() if v and v.startswith("$")}
        | {"−": "-", "′": "'", "∗": "*", "…": r"\ldots{}", "\u00a0": " "}
    )
    | _CONTROL
    | _WHITESPACE
)
# Stand for a source's math and for math the table wrote ($\\Sigma$ for Σ) while words are
# case-protected: a word with math in it is braced whole.
_PLACEHOLDER, _TABLE_PLACEHOLDER = "\ue000", "\ue001"
_TABLE_MATH = re.compile(r"(?<!\\)\$[^$]+\$")
# A word (letters, digits, placeholders, inner hyphens) with, after its first character, a
# capital, a placeholder or a non-ASCII letter (checked by ``wrap``): most words of a title
# in title case are not even matched.
_PROTECT = re.compile(
    r"(?<![\w\\{$\ue000\ue001-])"
    r"(?=[\ue000\ue001]|[\w\ue000\ue001][\w\ue000\ue001-]*?[A-Z\u00c0-\uffff])"
    r"[\w\ue000\ue001](?:[\w\ue000\ue001-]*[\w\ue000\ue001])?(?![\w}\ue000\ue001])"
)
NO_FORM = "?"  # written for a character with no LaTeX form


@dataclass
class LatexReport:
    """What had to be simplified while encoding, for the run report."""

    # key -> characters with no LaTeX form, written as NO_FORM
    no_form: dict[str, set[str]] = field(default_factory=dict)
    simplified: list[str] = field(default_factory=list)  # fields whose math was not balanced

    @property
    def kept_utf8(self) -> set[str]:
        return set().union(*self.no_form.values())


def _balanced(text: str) -> bool:
    """Brace balance as BibTeX counts it: a backslash does not escape a brace."""
    depth = 0
    for m in _BRACE.finditer(text):  # braces are few: a loop over them, not every character
        depth += 1 if m.group() == "{" else -1
        if depth < 0:
            return False
    return depth == 0


def _no_form(out: str, table: dict[int, str], report: LatexReport | None, name: str) -> str:
    """Characters the table has no form for: a plain (NFKC) form when it has one (𝛾,
    ｆｕｌｌｗｉｄｔｈ), else ``NO_FORM``, reported under ``name``."""
    for ch in {ch for ch in out if ord(ch) > 127 and ord(ch) not in table}:
        plain = unicodedata.normalize("NFKC", ch)
        if plain != ch and all(ord(c) < 128 or ord(c) in table for c in plain):
            out = out.replace(ch, plain.translate(table))
        elif not (_kept_utf8(ch) and ord(ch) in _FULL_TABLE):  # é in UTF-8 mode: kept
            out = out.replace(ch, NO_FORM)
            if report is not None:
                report.no_form.setdefault(name, set()).add(ch)
    return out


def _plain(text: str, table: dict[int, str], report: LatexReport | None, name: str) -> str:
    """Text with no TeX in it."""
    if text.isascii():
        return text.translate(table)
    out = attach_marks(text).translate(table)
    return out if out.isascii() else _no_form(out, table, report, name)


def _encode_text(text: str, table: dict[int, str], report: LatexReport | None, name: str) -> str:
    """A piece outside math: specials escaped, TeX the source wrote kept (see ``_TEX``)."""
    if "\\" not in text:
        return _plain(text, table, report, name)
    pieces, pos = [], 0
    for m in _TEX.finditer(text):
        pieces.append(_plain(text[pos : m.start()], table, report, name))
        pos = m.end()
        if m["special"]:
            pieces.append(m.group())
        elif m["brace"]:
            pieces.append(_SPECIALS[m["brace"]])
        elif m["cmd"]:
            pieces.append(f"\\{m['cmd']}{{{_plain(m['arg'], table, report, name)}}}")
        elif m["word"]:
            pieces.append(f"{{\\{m['word']}}}")
        elif m["newline"]:
            pieces.append(" ")
        else:  # an accent: read as the letter it makes, written as this table writes it
            mark = m["acc1"] or m["acc2"] or m["acc3"]
            letter = next(g for g in m.group("let1", "let2", "let3", "let4", "let5", "let6") if g)
            accented = unicodedata.normalize("NFC", letter + _ACCENT_MARKS[mark])
            pieces.append(_plain(accented, table, report, name))
    pieces.append(_plain(text[pos:], table, report, name))
    return "".join(pieces)


def _encode_math(math: str, report: LatexReport | None, name: str) -> str:
    """``$...$`` kept, Unicode inside it as commands (``$ΔL$`` is ``${\\Delta}L$``): no
    engine's math reads UTF-8 by default. A letter only text has (é) goes in ``\\mbox``."""
    inner = math[1:-1]
    if _MATH_SPECIAL.search(inner):
        inner = _MATH_SPECIAL.sub(lambda m: _MATH_SPECIALS[m.group()], inner)
    if "\n" in inner or "\\textbackslash" in inner:
        inner = inner.replace("\n", " ").replace("\\textbackslash", "\\backslash")
    if not inner.isascii():
        inner = attach_marks(inner).translate(_MATH_TABLE)
        for ch in {ch for ch in inner if ord(ch) > 127}:
            text = _FULL_TABLE.get(ord(ch))
            form = "\\mbox{" + text + "}" if text else _no_form(ch, _FULL_TABLE, report, name)
            inner = inner.replace(ch, form)
    return f"${inner}$"


def _protect_case(text: str) -> str:
    """Words with a capital after their first letter (LLM, DeepSeek-V2, MoE, iPhone, 3D) or
    math in them (``Math$\\Sigma$tral``, ``u-$\\mu$P``) braced, so that styles which lower-case
    titles leave them as written."""

    def wrap(m: re.Match[str]) -> str:
        word = m.group()
        tail = word[1:]
        math = _PLACEHOLDER in word or _TABLE_PLACEHOLDER in word
        return f"{{{word}}}" if math or tail != tail.lower() else word

    if "$" not in text:
        return _PROTECT.sub(wrap, text)
    made = iter(_TABLE_MATH.findall(text))
    text = _PROTECT.sub(wrap, _TABLE_MATH.sub(_TABLE_PLACEHOLDER, text))
    return re.sub(_TABLE_PLACEHOLDER, lambda _: next(made), text)


def to_latex(
    text: str | None,
    *,
    unicode: bool = False,
    protect_case: bool = False,
    report: LatexReport | None = None,
    name: str = "",
) -> str:
    """``text`` as a BibTeX field value: specials escaped, TeX already there kept, ``$...$``
    math kept when balanced (Unicode in it as commands).

    ``unicode`` keeps accented Latin letters as UTF-8 (for biber/biblatex users) instead of
    ``{\\"o}`` commands; ``protect_case`` braces acronyms, CamelCase words and math so styles
    that lowercase titles leave them alone. A character with no LaTeX form (Hangul, CJK,
    emoji) is written as ``NO_FORM`` and reported under ``name``: pdfLaTeX would stop on it.
    """
    if not text:
        return ""
    if text.isascii():
        if not _NEEDS_WORK.search(text):
            out = text.strip()
            if "  " in out:
                out = _SPACES.sub(" ", out)
            return _protect_case(out) if protect_case else out
    elif _PLACEHOLDER in text or _TABLE_PLACEHOLDER in text:
        text = text.replace(_PLACEHOLDER, "").replace(_TABLE_PLACEHOLDER, "")
    groups = ("{" in text or "}" in text) and _balanced(_ESCAPED_BRACE.sub("", text))
    table = _TABLES[unicode, groups]
    texts: list[str] = []
    maths: list[str] = []
    pos = 0
    for m in _MATH.finditer(text) if "$" in text else ():
        math = m.group(0)
        if not _balanced(math[1:-1]):
            if report is not None:
                report.simplified.append(f"{name}: unbalanced braces in math {math[:40]!r}")
            continue
        texts.append(_encode_text(text[pos : m.start()], table, report, name))
        maths.append(_encode_math(math, report, name))
        pos = m.end()
    texts.append(_encode_text(text[pos:], table, report, name))
    if protect_case:
        texts = _protect_case(_PLACEHOLDER.join(texts)).split(_PLACEHOLDER)
    out = texts[0] + "".join(m + t for m, t in zip(maths, texts[1:], strict=True))
    return _SPACES.sub(" ", out.strip())


_URL_UNSAFE = re.compile(r"[{}\\\s\x00-\x1f\x7f]")


def verbatim(value: str | None) -> str:
    """``url``/``doi``/``eprint`` as written, except what would break the entry or the URL:
    braces, backslashes, whitespace and control characters are percent-encoded."""
    if not value:
        return ""
    if not _URL_UNSAFE.search(value):
        return value
    return _URL_UNSAFE.sub(
        lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), value.strip()
    )
