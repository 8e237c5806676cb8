"""Text out of what feeds and web digests carry: HTML made clean text with its links kept,
and control characters dropped, so no markup, script or terminal escape reaches the lake.

A link stays as ``label (url)`` when its target is http(s); any other scheme (``javascript:``,
``data:``, ``file:``) is dropped with its tag, its label kept as text. What a ``<script>``,
``<style>`` or embedded frame holds is never text.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# C0 and C1 controls but tab and newline, DEL, and the bidi overrides that reorder a terminal
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufffe\uffff]")
_SPACES = re.compile(r"[ \t\u00a0]+")
_HIDDEN = {"script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "head"}
_BLOCKS = {
    "p", "div", "br", "li", "ul", "ol", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6",
    "blockquote", "pre", "section", "article", "hr", "dd", "dt",
}  # fmt: skip


def strip_controls(text: str) -> str:
    """``text`` without control characters (CR LF and CR become LF)."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def clean_lines(text: str) -> str:
    """Controls dropped, runs of spaces made one, blank lines dropped, ends trimmed."""
    lines = (_SPACES.sub(" ", line).strip() for line in strip_controls(text).split("\n"))
    return "\n".join(line for line in lines if line)


def web_link(href: str | None) -> str | None:
    """``href`` if it is an http(s) URL, else None."""
    href = strip_controls(href or "").strip()
    return href if re.match(r"https?://[^\s<>\"']+$", href, re.IGNORECASE) else None


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0  # depth inside tags whose content is never text
        self.links: list[str | None] = []  # the href of each open <a>

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")
        elif tag == "a":
            self.links.append(web_link(dict(attrs).get("href")))
        elif tag == "img":
            self.parts.append(dict(attrs).get("alt") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n")
        elif tag == "a" and self.links:
            href = self.links.pop()
            if href and not self.hidden:
                self.parts.append(f" ({href})")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def html_to_text(html: str | None) -> str:
    """Clean text of an HTML fragment, links kept as ``label (url)``; plain text passes as it
    is (without controls). Malformed markup is read as far as it goes, never an error."""
    if not html:
        return ""
    if "<" not in html and "&" not in html:
        return clean_lines(html)
    parser = _Text()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    # A link whose label is its own URL is kept once.
    text = re.sub(r"(https?://\S+) \(\1\)", r"\1", text)
    return clean_lines(text)
