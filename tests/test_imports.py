"""The package's import structure: no module of `analyzer` imports, directly or through others, a module that
imports it back (imports inside functions and those only for type checking count too), and each layer imports
only from the layers below it: har (read) -> k8s (classify) -> analysis (derive and judge) -> fleet (many
captures into a dataset) -> gate (judge against a policy) -> render (show) -> cli (the command line)."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "analyzer"
# Lower layers first; a module may import from its own layer and the layers before it. Modules outside these
# folders (model, summary, settings, errors, redact, ...) are shared vocabulary, importable from anywhere.
LAYERS = ("har", "k8s", "analysis", "fleet", "gate", "render", "cli")
# Beside the pipeline, used by the CLI only: `record` drives a browser to write captures, `interop` hands a
# capture to haralyzer. Both may use the reading and classifying layers.
BESIDE = {"record": {"cli"}, "interop": {"cli"}}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


@cache
def imports_of(name: str, *, typing: bool = True) -> frozenset[str]:
    """The analyzer modules `name` imports (at the top, inside a function, and with `typing` those imported only
    for type checking)."""
    tree = ast.parse(modules()[name].read_text(encoding="utf-8"))
    skipped = set() if typing else {
        id(n) for node in ast.walk(tree) if isinstance(node, ast.If) and _is_type_checking(node)
        for child in node.body for n in ast.walk(child)
    }  # fmt: skip
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.update(f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in modules() else node.module
                         for alias in node.names)  # fmt: skip
    return frozenset(m for m in found if m in modules() and m != name)


def _cycle_through(start: str) -> list[str] | None:
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen: set[str] = set()
    while stack:
        name, path = stack.pop()
        for target in imports_of(name):
            if target == start:
                return [*path, start]
            if target not in seen:
                seen.add(target)
                stack.append((target, [*path, target]))
    return None


@pytest.mark.parametrize("name", sorted(modules()))
def test_no_import_cycle(name: str) -> None:
    assert _cycle_through(name) is None, " -> ".join(_cycle_through(name) or [])


def _layer(name: str) -> str | None:
    parts = name.split(".")
    return parts[1] if len(parts) >= 2 and parts[1] in (*LAYERS, *BESIDE) else None


@pytest.mark.parametrize("name", sorted(n for n in modules() if _layer(n)))
def test_layers_import_only_downwards(name: str) -> None:
    own = _layer(name)
    assert own is not None
    wrong = []
    for target in imports_of(name, typing=False):  # a type named in an annotation is not a dependency
        theirs = _layer(target)
        if theirs is None or theirs == own:
            continue
        if own in BESIDE or theirs in BESIDE:
            allowed = (theirs in BESIDE and own in BESIDE[theirs]) or (own in BESIDE and theirs in ("har", "k8s"))
        else:
            allowed = LAYERS.index(theirs) < LAYERS.index(own)
        if not allowed:
            wrong.append(target)
    assert wrong == [], f"{name} ({own}) imports from a later layer: {wrong}"


def test_shared_vocabulary_imports_no_layer_above_k8s() -> None:
    shared = [n for n in modules() if n.count(".") == 1 and _layer(n) is None and n != "analyzer.__main__"]
    wrong = {n: sorted(t for t in imports_of(n) if (_layer(t) or "har") not in ("har", "k8s")) for n in shared}
    assert {n: t for n, t in wrong.items() if t and n != "analyzer"} == {}
