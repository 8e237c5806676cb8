"""Digest text (the seed format) into entries.

A digest is a ``2024년 6월 18일`` date line followed by entries written back to back with no
blank lines: title, ``(authors)``, a one-line abstract, commentary lines, a ``#tag`` line.
Any part but the title may be missing, and a few entries have no title either, so entries are
found by their title+authors pair and by their tag lines; see docs/digest-formats.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from digestlake.transforms.commentary import has_hangul, is_marker
from digestlake.transforms.entry import Entry, ParseIssue, build_entry
from digestlake.transforms.limits import MAX_ENTRIES_PER_FILE
from digestlake.transforms.tags import parse_tag_line

_KOREAN_DATE = re.compile(r"^\s*(\d{4})\s*년\s*(\d{1,2})\s*월\s*(\d{1,2})\s*일\s*$")
# Possessive runs (``*+``): ``\s*#*\s*`` could split a run of spaces between its two ``\s*``
# in every way before failing, quadratic in the run.
_ISO_DATE = re.compile(r"^\s*+#*+\s*+(\d{4})-(\d{2})-(\d{2})\s*$")
_NAME_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
# Head lines ending in ``(authors)``: these find the ``*`` + ``(`` that opens the authors (the
# last one after an italic title, the first one on a wrapped title's second line) and the
# caller checks the final ``)``; a pattern that also matched ``(.*)\)$`` would rescan the rest
# of the line from every ``*(``, quadratic in it.
_ITALIC_HEAD = re.compile(r"\*(.+)\*\s*+\(")
_WRAPPED_TAIL = re.compile(r"(.*?)\*\s*+\(")
# A line without whitespace holding a URL; checking "no whitespace" first (the lookahead)
# keeps a line of many ``http://`` from being rescanned to its end from each of them.
_BARE_URL = re.compile(r"(?=\S*+$).*?https?://\S")
_MAX_TITLE = 300


@dataclass(frozen=True, slots=True)
class ParsedDigest:
    entries: list[Entry]
    issues: list[ParseIssue]


Line = tuple[int, str]  # (1-based line number, text)


def _date_line(text: str) -> tuple[int, int, int] | None:
    m = _KOREAN_DATE.match(text) or _ISO_DATE.match(text)
    return (int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None


def date_from_name(name: str) -> date | None:
    """The ``YYYY-MM-DD`` in a digest's file name, the date of a digest without a date line."""
    m = _NAME_DATE.search(name)
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None
    except ValueError:
        return None


def _is_authors(text: str) -> bool:
    return len(text) > 2 and text[0] == "(" and text[-1] == ")" and not has_hangul(text)


_NAME = re.compile(r"^[A-Z\u00c0-\u024f][\w.'’-]*(?: [\w.'’-]+){0,4}$")


def split_inline_head(text: str) -> tuple[str, str] | None:
    """``Title (A, B)`` on one line (the older note style): (title, authors_raw) or None.

    The last balanced parenthetical group is the author list when it reads as names.
    """
    if not text.endswith(")") or has_hangul(text):
        return None
    depth = 0
    for k in range(len(text) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(text[k], 0)
        if depth == 0:
            break
    else:
        return None
    title, inner = text[:k].strip().strip("*").strip(), text[k + 1 : -1].strip()
    if not title or len(title) > _MAX_TITLE or "http" in inner or not inner:
        return None
    parts = [p.strip() for p in re.split(r",| and ", inner.split(":", 1)[-1]) if p.strip()]
    if len(parts) < 2 or not all(_NAME.match(p) for p in parts):
        return None
    return title, inner


def _split_authors(pattern: re.Pattern[str], text: str) -> tuple[str, str] | None:
    """(text before, authors) of a line ending in ``(authors)`` that ``pattern`` splits."""
    if not text.endswith(")") or not (m := pattern.match(text)):
        return None
    return m.group(1), text[m.end() : -1].strip()


def _head_at(lines: list[Line], i: int) -> tuple[str, str, int] | None:
    """(title, authors_raw, index after the head) when an entry starts at line i."""
    text = lines[i][1]
    if italic := _split_authors(_ITALIC_HEAD, text):
        return italic[0].strip(), italic[1], i + 1
    if (inline := split_inline_head(text)) and not (
        i + 1 < len(lines) and _is_authors(lines[i + 1][1])
    ):
        return inline[0], inline[1], i + 1
    if i + 1 >= len(lines) or len(text) > _MAX_TITLE or _is_authors(text):
        return None
    if text.startswith("## ") or parse_tag_line(text) is not None or is_marker(text):
        return None
    if _BARE_URL.match(text):
        return None
    following = lines[i + 1][1]
    if _is_authors(following):
        return text, following[1:-1].strip(), i + 2
    if (
        text.startswith("*")
        and "*" not in text[1:]
        and (wrapped := _split_authors(_WRAPPED_TAIL, following))
    ):
        return f"{text[1:]} {wrapped[0]}".strip(), wrapped[1], i + 2
    return None


def _looks_like_title(text: str) -> bool:
    if len(text) > _MAX_TITLE or has_hangul(text) or text.endswith("."):
        return False
    return not text.startswith("#") and not _BARE_URL.match(text)


def _looks_like_abstract(text: str) -> bool:
    if has_hangul(text) or is_marker(text) or parse_tag_line(text) is not None:
        return False
    return len(text.split()) >= 8


def _is_late_translation(text: str) -> bool:
    """An English paragraph after a tag line: the translation of the entry above it (2024-01
    and -02 posts) rather than the first line of an entry without authors."""
    if has_hangul(text):
        return False
    return text.endswith((".", "!", "?", ")", '"')) or len(text.split()) >= 12


@dataclass(slots=True)
class _Draft:
    start: int
    title: str | None = None
    authors_raw: str | None = None
    body: list[str] = field(default_factory=list)
    tags: list[str] | None = None
    trailing: list[str] = field(default_factory=list)
    source_urls: list[str] = field(default_factory=list)

    def finish(self, day: date, position: int) -> Entry | ParseIssue:
        title, body = self.title, self.body
        abstract = None
        if self.authors_raw is None and title is None and len(body) > 1:
            if _looks_like_title(body[0]):
                title, body = body[0], body[1:]
        elif self.authors_raw is not None and body and _looks_like_abstract(body[0]):
            # A two-paragraph abstract shows as more English lines before Korean commentary.
            n = 1
            while n < len(body) and _looks_like_abstract(body[n]):
                n += 1
            if n == 1 or n == len(body) or not has_hangul(body[n]):
                n = 1
            abstract, body = "\n".join(body[:n]), body[n:]
        commentary = body + self.trailing
        if title is None and not commentary:
            return ParseIssue(self.start, "entry with neither title nor commentary", "")
        return build_entry(
            line=self.start,
            title=title,
            authors_raw=self.authors_raw,
            abstract=abstract,
            commentary_lines=commentary,
            tags=self.tags or [],
            source_urls=self.source_urls,
            digest_date=day,
            position=position,
        )


def _parse_section(lines: list[Line], day: date) -> tuple[list[Entry], list[ParseIssue]]:
    """Entries start at a title+authors head, or at the first line after a tag line that is
    not a late translation; a tag line closes the entry it follows."""
    drafts: list[_Draft] = []
    issues: list[ParseIssue] = []
    urls: list[str] = []  # bare URL lines between entries: the next entry's own links
    i = 0
    while i < len(lines):
        lineno, text = lines[i]
        head = _head_at(lines, i)
        if head:
            drafts.append(_Draft(lineno, head[0], head[1], source_urls=urls))
            urls = []
            i = head[2]
            continue
        i += 1
        tags = parse_tag_line(text)
        cur = drafts[-1] if drafts else None
        if cur is None and _BARE_URL.match(text):
            urls.append(text[text.index("http") :])
            continue
        if tags is not None:
            if cur is None or cur.tags is not None:
                issues.append(ParseIssue(lineno, "tag line with no entry before it", text))
            else:
                cur.tags = tags
        elif cur is None or (
            cur.tags is not None
            and not cur.trailing
            and not _is_late_translation(text)
            and not _BARE_URL.match(text)
        ):
            drafts.append(_Draft(lineno, body=[text], source_urls=urls))
            urls = []
        elif cur.tags is None:
            cur.body.append(text)
        elif has_hangul(text) and not _BARE_URL.match(cur.trailing[0]):
            # Korean after a late translation opens the next entry (one without authors).
            drafts.append(_Draft(lineno, body=[text], source_urls=urls))
            urls = []
        else:
            cur.trailing.append(text)
    entries: list[Entry] = []
    for draft in drafts:
        result = draft.finish(day, len(entries) + 1)
        if isinstance(result, ParseIssue):
            issues.append(result)
        else:
            entries.append(result)
    return entries, issues


def parse_digest(text: str, name: str = "", default_date: date | None = None) -> ParsedDigest:
    """Entries of a digest file; problems are returned as issues, never raised.

    ``name`` supplies the date of a file without a date line (``2024-06-18.txt``).
    """
    text = text.removeprefix("\ufeff")
    issues: list[ParseIssue] = []
    sections: list[tuple[int, date | None, list[Line]]] = []
    current: list[Line] | None = None
    fallback = default_date or date_from_name(name)
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip(" \t\r")
        if not line.strip():
            continue
        if ymd := _date_line(line):
            try:
                day = date(*ymd)
            except ValueError:
                issues.append(ParseIssue(lineno, f"invalid date line {line.strip()!r}", line))
                day = None
            current = []
            sections.append((lineno, day, current))
            continue
        if current is None:
            current = []
            sections.append((lineno, fallback, current))
        current.append((lineno, line))
    entries: list[Entry] = []
    per_day: dict[date, int] = {}  # entries of a day so far: its next section's positions follow
    for start, day, lines in sections:
        if day is None:
            if lines:
                reason = "entries with no date: no valid date line and no date in the file name"
                issues.append(ParseIssue(start, reason, lines[0][1][:200]))
            continue
        section_entries, section_issues = _parse_section(lines, day)
        earlier = per_day.get(day, 0)
        for entry in section_entries:
            entry.position += earlier
        per_day[day] = earlier + len(section_entries)
        entries.extend(section_entries)
        issues.extend(section_issues)
    if len(entries) > MAX_ENTRIES_PER_FILE:
        first = entries[MAX_ENTRIES_PER_FILE]
        reason = f"{len(entries)} entries; at most {MAX_ENTRIES_PER_FILE} per digest file"
        issues.append(ParseIssue(first.line, f"{reason}, the rest left out", first.title or ""))
        entries = entries[:MAX_ENTRIES_PER_FILE]
    return ParsedDigest(entries, issues)
