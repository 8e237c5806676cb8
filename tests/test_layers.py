"""The layers of DESIGN.md §2, checked on the source: dependencies point one way, only flows/
imports Prefect, transforms/ does no I/O, exports/ and lake/ call no web service, and every
import of the project goes through the one package name, ``digestlake``."""

from __future__ import annotations

import ast

import pytest
from conftest import ROOT

# Each layer and the layers it may import (the bottom, core/, may be imported by all).
ALLOWED = {
    "core": set(),
    "transforms": {"core"},
    "sources": {"core", "transforms"},
    "lake": {"core"},
    "exports": {"core", "transforms"},
    "pipeline": {"core", "transforms", "sources", "lake", "exports"},
    "flows": {"core", "transforms", "sources", "lake", "exports", "pipeline"},
}
# What a layer must not import at all, whatever the layer rules say.
FORBIDDEN = {
    # transforms/ does no I/O: no files, processes, network, clocks of its own, or Location.
    "transforms": {
        "os",
        "io",
        "shutil",
        "tempfile",
        "subprocess",
        "socket",
        "httpx",
        "fsspec",
        "duckdb",
        "urllib.request",
        "time",
        "digestlake.core.location",
    },
    "exports": {"httpx", "urllib.request", "requests"},  # reads tables, writes files
    "lake": {"httpx", "urllib.request", "requests"},
}
MAX_LINES = 400  # a file that grows past this is two concepts
# transforms/ may name paths (PurePosixPath) but never touch them.
NO_IO_NAMES = {"transforms": {"open", "Path"}}


def imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    """Every module an import statement names, anywhere in the file (functions included)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def violations(layer: str, source: str, where: str) -> list[str]:
    tree = ast.parse(source)
    problems = []
    for line, module in imported_modules(tree):
        top = module.split(".")[0]
        if top in ALLOWED:
            problems.append(f"{where}:{line}: import {module} (write digestlake.{module})")
            continue
        if top == "prefect" and layer != "flows":
            problems.append(f"{where}:{line}: only flows/ imports prefect ({module})")
        if top == "digestlake":
            target = module.split(".")[1] if "." in module else ""
            if target != layer and target not in ALLOWED[layer]:
                problems.append(f"{where}:{line}: {layer}/ may not import {module}")
        if any(module == f or module.startswith(f + ".") for f in FORBIDDEN.get(layer, ())):
            problems.append(f"{where}:{line}: {layer}/ may not import {module}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in NO_IO_NAMES.get(layer, ()):
            problems.append(f"{where}:{node.lineno}: {layer}/ does no I/O ({node.id})")
    if source.count("\n") > MAX_LINES:
        problems.append(f"{where}: {source.count(chr(10))} lines, more than {MAX_LINES}")
    return problems


def test_every_module_keeps_to_its_layer() -> None:
    problems = []
    for layer in ALLOWED:
        for path in sorted((ROOT / layer).glob("*.py")):
            problems += violations(layer, path.read_text(), str(path.relative_to(ROOT)))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("layer", "planted"),
    [
        ("transforms", "from digestlake.lake.store import Lake"),
        ("transforms", "from digestlake.sources.git import mirror"),
        ("lake", "from digestlake.transforms.titles import normalise_title"),
        ("sources", "from digestlake.lake.store import Lake"),
        ("pipeline", "from digestlake.flows.runner import PREFECT"),
        ("exports", "import httpx"),
        ("pipeline", "from prefect import flow"),
        ("transforms", "import os"),
        ("transforms", "def f():\n    return open('x').read()"),
        ("core", "def f():\n    from digestlake.transforms.titles import normalise_title"),
        ("flows", "from pipeline.run import run"),
    ],
)
def test_a_planted_wrong_import_is_caught(layer: str, planted: str) -> None:
    assert violations(layer, planted + "\n", f"{layer}/planted.py")


def test_the_right_imports_pass() -> None:
    assert not violations(
        "flows", "from prefect import flow\nfrom digestlake.pipeline.run import run\n", "f"
    )
    assert not violations("pipeline", "from digestlake.sources.kinds import READERS\n", "p")
    assert not violations("transforms", "from digestlake.core.tables import PAPERS\n", "t")
