"""The site's search index: one entry per paper (its page, title, authors, tags, sources,
days and commentary), as a script that sets ``window.DIGESTLAKE_INDEX``.

A script rather than a JSON file because a page opened from ``file://`` may load scripts
beside it but not fetch files; the same file serves any static host. The commentary is
capped per paper (``COMMENTARY_CHARS``) so the index stays small enough to load at once.
"""

from __future__ import annotations

import json

from digestlake.transforms.site_papers import SitePaper

COMMENTARY_CHARS = 1000  # per paper, of all its mentions' commentary together


def _commentary(paper: SitePaper) -> str:
    texts = [
        " ".join(" ".join(lines) for lines in block.paragraphs)
        for mention in paper.mentions
        for block in mention.commentary
        if not block.machine
    ]
    return " ".join(texts)[:COMMENTARY_CHARS]


def search_entries(papers: list[SitePaper]) -> list[dict]:
    """One entry per paper: ``u`` page, ``t`` title, ``a`` authors, ``g`` tags, ``s`` sources,
    ``d`` digest days (ISO, oldest first), ``c`` commentary."""
    return [
        {
            "u": f"papers/{p.slug}.html",
            "t": p.title,
            "a": ", ".join(p.authors),
            "g": list(p.tags),
            "s": list(p.sources),
            "d": [d.isoformat() for d in p.days],
            "c": _commentary(p),
        }
        for p in papers
    ]


def search_index_script(papers: list[SitePaper]) -> bytes:
    """``search-index.js``: the entries, newest paper first, with ``<`` and the line
    separators JavaScript once refused escaped, so no text can end the script early."""
    entries = sorted(search_entries(papers), key=lambda e: (e["d"][-1:], e["u"]), reverse=True)
    text = json.dumps({"docs": entries}, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    text = text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f"window.DIGESTLAKE_INDEX = {text};\n".encode()
