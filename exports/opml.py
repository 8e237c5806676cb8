"""``feeds/index.opml``: one outline per feed, for a reader to subscribe to them all at once.

Every outline is ``type="rss"`` whatever the feed's format: OPML 2.0 names subscription lists
so, and readers' importers (newsboat's among them) look for that type and ``xmlUrl``.
"""

from __future__ import annotations

from xml.etree import ElementTree as ET

# Feed formats (``[exports] opml_format``) and their file suffixes.
FORMATS = {"rss": ".xml", "atom": ".atom", "json": ".json"}


def opml(feeds: list[tuple[str, str]], *, title: str) -> bytes:
    """An OPML 2.0 subscription list of ``(title, url)`` feeds."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    body = ET.SubElement(root, "body")
    for feed_title, url in feeds:
        ET.SubElement(body, "outline", type="rss", text=feed_title, title=feed_title, xmlUrl=url)
    ET.indent(root)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8") + b"\n"
