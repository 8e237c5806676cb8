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
_UNICODE_TABLE = str.maketrans({**_SPECIALS}) | _CONTROL | _WHITESPACE  # keep UTF-8 as is
_NEEDS_WORK = re.compile(r"[\\{}&%$#_~^<>|\x00-\x1f\x7f]")
_MATH = re.compile(r"(?<!\\)\$(?:[^$\\\n]|\\.){1,300}?(?<!\\)\$")
_SPACES = re.compile(r" {2,}")
# A word with a capital after its first character (LLM, GPT-4, DeepSeek, MoE, iPhone, 3D).
_PROTECT = re.compile(r"(?<![\w\\{$])((?:\w*[A-Z]\w*[\w-]*){1,})(?![\w}])")


@dataclass
class LatexReport:
    """What had to be simplified while encoding, for the run report."""

    kept_utf8: set[str] = field(default_factory=set)  # characters with no LaTeX form
    simplified: list[str] = field(default_factory=list)  # fields whose math was not balanced


def _balanced(text: str) -> bool:
    """Brace balance as BibTeX counts it: a backslash does not escape a brace."""
    depth = 0
    for ch in text:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def _encode_text(text: str, table: dict[int, str], report: LatexReport | None) -> str:
    if text.isascii():
        return text.translate(table)
    # Decomposed accents and styled letters (𝛾, ｆｕｌｌｗｉｄｔｈ) have a plain form: use it.
    out = unicodedata.normalize("NFC", text).translate(table)
    leftover = {ch for ch in out if ord(ch) > 127 and ord(ch) not in table}
    for ch in leftover:
        plain = unicodedata.normalize("NFKC", ch)
        if plain != ch and all(ord(c) < 128 or ord(c) in table for c in plain):
            out = out.replace(ch, plain.translate(table))
    if report is not None and table is not _UNICODE_TABLE:
        report.kept_utf8.update(ch for ch in out if ord(ch) > 127)
    return out


def _protect_case(text: str) -> str:
    def wrap(m: re.Match[str]) -> str:
        word = m.group(1)
        tail = word[1:]
        return f"{{{word}}}" if tail != tail.lower() else word

    return _PROTECT.sub(wrap, text)


def to_latex(
    text: str | None,
    *,
    unicode: bool = False,
    protect_case: bool = False,
    report: LatexReport | None = None,
    name: str = "",
) -> str:
    """``text`` as a BibTeX field value: specials escaped, ``$...$`` math kept when balanced.

    ``unicode`` keeps accented letters as UTF-8 (for biber/biblatex users) instead of
    ``{\\"o}`` commands; ``protect_case`` wraps acronyms and CamelCase words in braces so
    styles that lowercase titles leave them alone.
    """
    if not text:
        return ""
    table = _UNICODE_TABLE if unicode else _FULL_TABLE
    if text.isascii() and not _NEEDS_WORK.search(text):
        out = text.strip()
        if "  " in out:
            out = _SPACES.sub(" ", out)
        return _protect_case(out) if protect_case else out
    pieces: list[str] = []
    pos = 0
    for m in _MATH.finditer(text) if "$" in text else ():
        math = m.group(0)
        if not _balanced(math[1:-1]):
            if report is not None:
                report.simplified.append(f"{name}: unbalanced braces in math {math[:40]!r}")
            continue
        before = text[pos : m.start()]
        pieces.append(
            _protect_case(_encode_text(before, table, report))
            if protect_case
            else _encode_text(before, table, report)
        )
        pieces.append(math.replace("\n", " "))
        pos = m.end()
    rest = _encode_text(text[pos:], table, report)
    pieces.append(_protect_case(rest) if protect_case else rest)
    return _SPACES.sub(" ", "".join(pieces).strip())


_URL_UNSAFE = re.compile(r"[{}\\\s\x00-\x1f\x7f]")


def verbatim(value: str | None) -> str:
    """``url``/``doi``/``eprint`` as written, except what would break the entry or the URL:
    braces, backslashes, whitespace and control characters are percent-encoded."""
    if not value:
        return ""
    return _URL_UNSAFE.sub(
        lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), value.strip()
    )
