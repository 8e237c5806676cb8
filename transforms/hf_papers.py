"""One day of Hugging Face Daily Papers (``/api/daily_papers?date=``) as mentions.

A mention per paper and day, known by both (``hf:<arXiv id>@<day>``), so reading a day again
updates its upvotes and comments instead of adding a mention. HF's signals are kept per
mention (``core/tables.MENTION_SIGNALS``); ``paper.summary`` is the paper's own abstract, and
``paper.ai_summary`` is HF's machine-written summary, stored apart as ``machine_summary``:
no digest author wrote either, so the mention has no commentary.
"""

from __future__ import annotations

from datetime import date

from digestlake.transforms.entry import ParseIssue, build_entry
from digestlake.transforms.feed_text import clean_lines, web_link
from digestlake.transforms.mentions import MentionInput

PAPER_PAGE = "https://huggingface.co/papers/"


class _Wrong(ValueError):
    pass


def _get(obj: object, key: str, kind: type | tuple[type, ...], where: str) -> object:
    """``obj[key]`` when it has type ``kind`` (None when absent or null), else _Wrong."""
    if not isinstance(obj, dict):
        raise _Wrong(f"{where} is {type(obj).__name__}, not an object")
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise _Wrong(f"{where}.{key} is {type(value).__name__}: {value!r}"[:200])
    return value


def _text(value: object) -> str | None:
    return " ".join(clean_lines(value).split()) or None if isinstance(value, str) else None


def _organisation(item: dict, paper: dict) -> str | None:
    for owner, where in ((paper, "paper"), (item, "item")):
        org = _get(owner, "organization", dict, where)
        if org:
            return _text(_get(org, "name", str, f"{where}.organization"))
    return None


def hf_mention(item: object, day: date, file: str, position: int) -> MentionInput | ParseIssue:
    """The mention of one record of the day's answer, or why it is quarantined."""
    try:
        paper = _get({"item": item}, "item", dict, "item") or {}
        paper = _get(paper, "paper", dict, "item") or {}
        arxiv_id = _get(paper, "id", str, "paper")
        if not arxiv_id:
            raise _Wrong("paper.id (the arXiv id) is missing")
        people = _get(paper, "authors", list, "paper") or []
        names = [_text(_get(a, "name", str, "paper.authors[]")) for a in people]
        if any(_get(a, "hidden", bool, "paper.authors[]") for a in people):
            names = [n for n, a in zip(names, people, strict=True) if not a.get("hidden")]
        submitter = _get(item, "submittedBy", dict, "item") or {}
        keywords = _get(paper, "ai_keywords", list, "paper") or []
        if not all(isinstance(k, str) for k in keywords):
            raise _Wrong("paper.ai_keywords is not a list of strings")
        signals = {
            "upvotes": _get(paper, "upvotes", int, "paper"),
            "comments": _get(item, "numComments", int, "item"),
            "github_repo": web_link(_get(paper, "githubRepo", str, "paper")),
            "github_stars": _get(paper, "githubStars", int, "paper"),
            "project_page": web_link(_get(paper, "projectPage", str, "paper")),
            "submitter": _text(_get(submitter, "name", str, "item.submittedBy")),
            "organization": _organisation(item, paper),
            "ai_keywords": [k for k in map(_text, keywords) if k] or None,
            "machine_summary": _text(_get(paper, "ai_summary", str, "paper")),
        }
        title = _text(_get(item, "title", str, "item")) or _text(_get(paper, "title", str, "paper"))
        abstract = _text(_get(paper, "summary", str, "paper"))
    except _Wrong as exc:
        return ParseIssue(position, str(exc), repr(item)[:200])
    entry = build_entry(
        line=position,
        title=title,
        authors_raw=", ".join(n for n in names if n) or None,
        abstract=abstract,
        commentary_lines=[],
        tags=[],
        source_urls=[PAPER_PAGE + arxiv_id],
        digest_date=day,
        position=position,
    )
    if isinstance(entry, ParseIssue):
        return entry
    if entry.arxiv_id is None:
        return ParseIssue(position, f"paper.id {arxiv_id!r} is no arXiv id", repr(item)[:200])
    identity = f"hf:{entry.arxiv_id}@{day.isoformat()}"
    return MentionInput(entry, file, identity, signals=signals)
