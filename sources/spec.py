"""A ``[[sources]]`` entry as the readers see it (``pipeline/config.py`` reads and checks it)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SourceConfig:
    name: str
    kind: str
    path: str | None = None  # a local file or folder (or git repository for a vault)
    url: str | None = None  # http(s) digest, or a git URL for a vault
    encoding: str | None = None
    rev: str = "HEAD"  # vault: the branch or commit to ingest
    enabled: bool = True
    set_spec: str | None = None  # oai: the OAI-PMH set (cs, physics:hep-th, ...)
    metadata_prefix: str = "arXivRaw"  # oai: arXivRaw (every version) or arXiv (affiliations)

    @property
    def location(self) -> str:
        return self.url or self.path or ""
