"""Exports share their folder with the user's files (issue 16): digestlake removes only what
it wrote (its manifest), and no tag names a file Windows cannot hold."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from digestlake.core.location import Location
from digestlake.exports.files import MANIFEST, sync_folder, tag_slugs

FEEDS = (".xml", ".atom", ".opml")
USERS = {"feeds/my-subscriptions.xml": b"<opml>mine</opml>", "bibtex/thesis.bib": b"@thesis{me}"}


def publish(out: Location, tags: list[str]) -> list[str]:
    """One publish's worth of syncing: the feed and BibTeX folders for ``tags``."""
    feeds = {f"{tag}.xml": f"<rss>{tag}</rss>".encode() for tag in ["all", *tags]}
    bib = {"all.bib": "".join(tags).encode()}
    changes = sync_folder(out, "feeds", feeds, FEEDS)
    changes.extend(sync_folder(out, "bibtex", bib, (".bib",)))
    return sorted(Path(p).relative_to(out.root).as_posix() for p in changes.removed)


def place(root: Path, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)


def kept(root: Path, files: dict[str, bytes]) -> bool:
    return all((root / rel).read_bytes() == data for rel, data in files.items())


def owned(root: Path) -> list[str]:
    return json.loads((root / MANIFEST).read_text())["files"]


def test_the_first_publish_keeps_the_users_files(tmp_path: Path) -> None:
    place(tmp_path, USERS)
    out = Location(tmp_path)
    assert publish(out, ["llm", "rl"]) == []
    assert kept(tmp_path, USERS)
    assert owned(tmp_path) == ["bibtex/all.bib", "feeds/all.xml", "feeds/llm.xml", "feeds/rl.xml"]


def test_later_publishes_remove_only_what_digestlake_wrote(tmp_path: Path) -> None:
    out = Location(tmp_path)
    publish(out, ["llm", "rl"])
    later = {"feeds/later.xml": b"<rss>placed after the first publish</rss>"}
    place(tmp_path, USERS | later)
    assert publish(out, ["llm"]) == ["feeds/rl.xml"]  # a tag gone: its feed goes
    assert kept(tmp_path, USERS | later)
    assert owned(tmp_path) == ["bibtex/all.bib", "feeds/all.xml", "feeds/llm.xml"]
    assert publish(out, []) == ["feeds/llm.xml"]
    assert kept(tmp_path, USERS | later)


def test_an_unchanged_publish_writes_nothing_not_even_the_manifest(tmp_path: Path) -> None:
    out = Location(tmp_path)
    publish(out, ["llm"])
    before = out.state() | {MANIFEST: (tmp_path / MANIFEST).stat().st_ino}
    assert publish(out, ["llm"]) == []
    assert out.state() | {MANIFEST: (tmp_path / MANIFEST).stat().st_ino} == before
    assert MANIFEST not in out.state()  # hidden: not an export itself


def test_a_publish_killed_halfway_still_owns_what_it_wrote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = Location(tmp_path)
    write = Location.write_bytes

    def killed_at_rl(self: Location, rel: str, data: bytes, **how: bool) -> None:
        if rel == "feeds/rl.xml":
            raise KeyboardInterrupt
        write(self, rel, data, **how)

    monkeypatch.setattr(Location, "write_bytes", killed_at_rl)
    with pytest.raises(KeyboardInterrupt):
        publish(out, ["llm", "rl"])
    monkeypatch.undo()
    assert (tmp_path / "feeds/llm.xml").exists()
    assert publish(out, []) == ["feeds/llm.xml"]


def test_a_broken_manifest_removes_nothing(tmp_path: Path) -> None:
    out = Location(tmp_path)
    publish(out, ["llm", "rl"])
    (tmp_path / MANIFEST).write_text("{not json")
    assert publish(out, ["llm"]) == []
    assert (tmp_path / "feeds/rl.xml").exists()
    assert publish(out, []) == ["feeds/llm.xml"]  # owned again once rewritten


WINDOWS_RESERVED = re.compile(r"(con|prn|aux|nul|com[0-9]|lpt[0-9])", re.IGNORECASE)


def test_tag_slugs_are_never_windows_reserved_names() -> None:
    tags = ["CON", "con", "Aux", "nul", "PRN", "com1", "COM9", "lpt1", "Lpt9", "com0", "#aux"]
    slugs = tag_slugs([*tags, "com10", "console", "all", "index"])
    assert len(set(slugs.values())) == len(slugs)
    assert not any(WINDOWS_RESERVED.fullmatch(s) for s in slugs.values()), slugs
    assert not {"all", "index"} & set(slugs.values())
    assert slugs["com10"] == "com10" and slugs["console"] == "console"  # not reserved
    assert slugs["CON"].startswith("con-") and slugs["con"].startswith("con-")
