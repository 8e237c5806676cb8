"""Citation keys: readable (``li2024autoregressive``), ASCII, unique, and never reissued.

The default format is Google Scholar's and arXiv's family: the first author's family name
(a group's whole name, without its generic words: ``mistral`` for Mistral AI), the year, and
the first significant title word, hyphenated names whole (``kadapter``). A key already taken
(case-insensitively, as reference managers compare) takes the next title word, up to four
(arXiv's count), then ``a``, ``b``, ... . ``betterbibtex`` reproduces Better BibTeX's default
formula, ``auth.lower + shorttitle(3,3) + year``, with its ``a``, ``b``, ... postfix.

How a key lives (provisional until the paper's metadata is final, then never changed) is
``settle_keys``; reading the user's own libraries is the pipeline's.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import count

from digestlake.transforms.names import listed_names, split_name
from digestlake.transforms.titles import latex_to_text

KEY_FORMATS = ("digestlake", "betterbibtex")
STOPWORDS = frozenset(
    "a an the on of in for to and or with via from towards toward is are be do does how what "
    "why when where which can we you your our their its beyond by at as into through using "
    "not no yet all one".split()
)
# Better BibTeX's skip words for shorttitle (its default list).
BBT_SKIPWORDS = frozenset(
    "a ab aboard about above across after against al along amid among an and anti around as at "
    "before behind below beneath beside besides between beyond but by d da das de del dell dello "
    "dei degli della delle dem den der des despite die do down du during ein eine einem einen "
    "einer eines el en et except for from gli i il in inside into is l la las le les like lo los "
    "near nor of off on onto or over past per plus round save since so some sur than the "
    "through to toward towards un una unas under underneath une unlike uno unos until up upon "
    "versus via von while with within without yet zu zum".split()
)
# Words that say what kind of group a name is, not which one: never a key's name part.
GENERIC_ORG_WORDS = frozenset(
    "team teams ai research lab labs laboratory laboratories inc corp corporation company "
    "group foundation project consortium collaboration authors the and of".split()
)
MAX_TITLE_WORDS = 4  # arXiv's own key takes four significant words
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_NON_ALNUM_CASED = re.compile(r"[^A-Za-z0-9]+")
_DIGITS = re.compile(r"[0-9]+")
_LETTER = re.compile(r"[a-z]")
_ORG_SPLIT = re.compile(r"[\s\-_/.]+")


def ascii_fold(text: str, *, lower: bool = True) -> str:
    """ASCII letters and digits only (accents folded, other scripts dropped)."""
    decomposed = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _NON_ALNUM.sub("", decomposed.lower()) if lower else _NON_ALNUM_CASED.sub("", decomposed)


def family_name(name: str) -> str:
    """A person's family name folded: ``Ludwig van Beethoven Jr.`` gives beethoven,
    ``Michele Del Vecchio`` delvecchio, ``Doe, Jane`` doe."""
    return ascii_fold(split_name(name).last)


def name_part(name: str, organisation: bool | None = None) -> str:
    """The first author as a key starts: a person's family name, or a group's whole name
    without its generic words (``Mistral AI`` mistral, ``The LCM team`` lcm); never digits
    alone (an affiliation marker is not a name)."""
    parts = split_name(name, organisation)
    if not parts.organisation:  # a person's name has no digits: they are marks (Xie1)
        return _DIGITS.sub("", ascii_fold(parts.last))
    words = [w for w in _ORG_SPLIT.split(parts.last) if w.lower() not in GENERIC_ORG_WORDS]
    folded = ascii_fold("".join(words))
    whole = ascii_fold(parts.last)  # 01.AI: 01ai, not 01
    return folded if _LETTER.search(folded) else whole if _LETTER.search(whole) else ""


def title_words(
    title: str | None, skip: frozenset[str] = STOPWORDS, *, lower: bool = True
) -> list[str]:
    """Significant title words, each folded whole (``K-Adapter`` kadapter, ``Phi-3`` phi3);
    TeX read as text first (``$\\infty$Bench`` is ∞Bench: bench)."""
    if not title:
        return []
    text = latex_to_text(title) if ("\\" in title or "$" in title) else title
    words = []
    for raw in text.split():
        word = ascii_fold(raw, lower=lower)
        if word and word.lower() not in skip and not word.isdigit():
            words.append(word[:20])
    return words


@dataclass(frozen=True, slots=True)
class KeyParts:
    """What a paper's key is made of: who, when, what."""

    name: str  # '' when no author has a Latin-script name
    year: int | None
    words: tuple[str, ...]
    bbt_words: tuple[str, ...] = ()


def key_parts(people: list[tuple[str, bool]], year: int | None, title: str | None) -> KeyParts:
    """``people`` as the entry lists them, each with whether it is a group's name; the first
    with a Latin-script name names the key (``anon`` only when none has one)."""
    name = next((n for n in (name_part(p, org) for p, org in people) if n), "")
    bbt = title_words(title, BBT_SKIPWORDS, lower=False)[:3]
    return KeyParts(name, year, tuple(title_words(title)), tuple(w[0].upper() + w[1:] for w in bbt))


def candidates(parts: KeyParts, key_format: str = "digestlake") -> Iterator[str]:
    """The keys a paper may take, best first: for ``digestlake`` one title word (two when
    the first is shorter than 3 letters), then more words up to four, then letters; for
    ``betterbibtex`` its formula, then letters."""
    year = str(parts.year or "")
    if key_format == "betterbibtex":
        base = f"{parts.name}{''.join(parts.bbt_words)}{year}" or "anon"
        yield base
        yield from _lettered(base)
        return
    prefix = f"{parts.name or 'anon'}{year}"
    words = parts.words
    start = 2 if words and len(words[0]) < 3 and len(words) > 1 else 1
    stems = [
        prefix + "".join(words[:n]) for n in range(start, min(len(words), MAX_TITLE_WORDS) + 1)
    ] or [prefix]
    yield from stems
    yield from _lettered(stems[-1])


def key_base(authors: list[str] | None, year: int | None, title: str | None) -> str:
    """The first key a paper would get: ``li2024autoregressive``."""
    return next(candidates(key_parts(listed_names(authors or [], None), year, title)))


def _lettered(base: str) -> Iterator[str]:
    """``base`` with a, b, ..., z, aa, ab, ...: the collision suffix."""
    for n in count(0):
        letters, width = "", n
        while True:
            letters = chr(ord("a") + width % 26) + letters
            width = width // 26 - 1
            if width < 0:
                break
        yield base + letters


PROVISIONAL, FINAL = "provisional", "final"


@dataclass(slots=True)
class KeyRow:
    """One row of the registry. ``state`` None is a key issued before keys had states:
    final. ``previous_keys`` were this paper's before (biblatex ``ids``): never reissued."""

    paper_id: str
    key: str
    assigned_at: datetime
    state: str | None = FINAL
    previous_keys: list[str] = field(default_factory=list)

    @property
    def final(self) -> bool:
        return self.state != PROVISIONAL


@dataclass(frozen=True, slots=True)
class Wanted:
    """A published paper as its key is decided: what its key would be made of, whether its
    metadata is final, and the key a user's own library gives it."""

    parts: KeyParts
    final: bool
    user_key: str | None = None


@dataclass(slots=True)
class Settled:
    rows: dict[str, KeyRow]
    issued: int = 0  # papers that got their first key
    changed: list[tuple[str, str]] = field(default_factory=list)  # (old, new) provisional keys
    finalised: int = 0
    conflicts: list[str] = field(default_factory=list)


def settle_keys(
    registry: dict[str, KeyRow],
    wanted: dict[str, Wanted],
    now: datetime,
    *,
    wait: timedelta,
    reserved: frozenset[str] = frozenset(),
    key_format: str = "digestlake",
) -> Settled:
    """Every published paper's key. A new paper gets one now, final when its metadata is,
    else provisional; a provisional key is settled once, when the metadata is final or
    ``wait`` has passed since it was issued (its old key kept as a previous key); a final key
    never changes. A user's key (``Wanted.user_key``) is issued as a final key unless another
    paper holds it or this paper's key is final already (a conflict, reported). ``reserved``
    (the user's libraries' keys, lower-cased) is never generated for another paper."""
    rows = dict(registry)
    taken = {k.lower(): pid for pid, r in rows.items() for k in (r.key, *r.previous_keys)}
    taken.update({k: "" for k in reserved if k not in taken})
    out = Settled(rows)
    for paper_id in sorted(wanted):
        want, row = wanted[paper_id], rows.get(paper_id)
        user = _user_key(paper_id, want.user_key, row, taken, out.conflicts)
        if row is not None and row.final:
            continue
        settles = user or want.final or want.user_key == (row.key if row else None)
        if row is not None and not (settles or now - row.assigned_at >= wait):
            continue
        key = user or next(
            k
            for k in candidates(want.parts, key_format)
            if taken.get(k.lower(), paper_id) == paper_id
        )
        taken[key.lower()] = paper_id
        if row is None:
            rows[paper_id] = KeyRow(
                paper_id, key, now, FINAL if want.final or user else PROVISIONAL
            )
            out.issued += 1
            continue
        if key != row.key:
            out.changed.append((row.key, key))
            row.previous_keys = [*row.previous_keys, row.key]
            row.key, row.assigned_at = key, now
        row.state = FINAL
        out.finalised += 1
    return out


def _user_key(
    paper_id: str, user: str | None, row: KeyRow | None, taken: dict[str, str], conflicts: list[str]
) -> str | None:
    """The user's key for this paper when it can be issued; a reason in ``conflicts`` when
    it cannot (it is never issued under another name)."""
    if not user or (row is not None and row.key == user):
        return None
    holder = taken.get(user.lower())
    if holder and holder != paper_id:
        conflicts.append(f"{user}: your library's key for {paper_id} is issued to {holder}")
        return None
    if row is not None and row.final:
        conflicts.append(
            f"{user}: your library's key for {paper_id}, whose final key is {row.key} (kept)"
        )
        return None
    return user


@dataclass(frozen=True, slots=True)
class UserEntry:
    """An entry of the user's own BibTeX library, as it is matched to papers."""

    key: str
    where: str  # file:line, for the conflict report
    arxiv_id: str | None
    doi: str | None
    title: str | None  # normalised
    family: str  # the first author's, folded


@dataclass(frozen=True, slots=True)
class PaperIdentity:
    paper_id: str
    arxiv_id: str | None
    doi: str | None
    title: str | None  # normalised
    family: str


def match_user_keys(
    entries: list[UserEntry], papers: list[PaperIdentity]
) -> tuple[dict[str, str], list[str]]:
    """paper_id -> the user's key for it: the same arXiv id, else the same DOI, else the same
    normalised title and first author. An entry two papers match, or a paper two entries with
    different keys match, is a conflict: reported, and no key is taken from it."""
    by_arxiv = {p.arxiv_id: p.paper_id for p in papers if p.arxiv_id}
    by_doi = {p.doi.lower(): p.paper_id for p in papers if p.doi}
    by_title: dict[tuple[str, str], list[str]] = {}
    for p in papers:
        if p.title and p.family:
            by_title.setdefault((p.title, p.family), []).append(p.paper_id)
    found: dict[str, list[UserEntry]] = {}
    conflicts = []
    for e in entries:
        if e.arxiv_id and e.arxiv_id in by_arxiv:
            matched = [by_arxiv[e.arxiv_id]]
        elif e.doi and e.doi.lower() in by_doi:
            matched = [by_doi[e.doi.lower()]]
        else:
            matched = by_title.get((e.title or "", e.family), [])
        if len(matched) > 1:
            conflicts.append(
                f"{e.where}: {e.key} matches {len(matched)} papers ({', '.join(matched)})"
            )
            continue
        for paper_id in matched:
            found.setdefault(paper_id, []).append(e)
    keys = {}
    for paper_id, matches in found.items():
        if len({e.key for e in matches}) > 1:
            names = ", ".join(f"{e.key} ({e.where})" for e in matches)
            conflicts.append(f"{paper_id} is in your libraries under several keys: {names}")
        else:
            keys[paper_id] = matches[0].key
    return keys, conflicts
