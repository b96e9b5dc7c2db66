"""The import graph keeps the declared layering: every module of the apps imports (README,
"Architecture"), each module has a floor (the layers of the `floors` contract in pyproject's
[tool.importlinter]), no module imports one on a higher floor, and the module graph has no
cycle."""

from __future__ import annotations

import importlib
import tomllib
from collections.abc import Iterator
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("tricircle_site", "pods", "routing", "jobs", "networking", "gateway")
# tricircle_site/__init__.py loads the Celery app (as Celery's Django setup asks): it stands on
# the ground floor, with the Celery app it imports.
GROUND_PACKAGE_INIT = "tricircle_site"


def declared_floors() -> list[tuple[str, ...]]:
    """The layers of the `floors` contract, top first; each a tuple of module names."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (contract,) = [c for c in config["contracts"] if c["id"] == "floors"]
    return [
        tuple(name.strip() for name in layer.replace("|", ":").split(":"))
        for layer in contract["layers"]
    ]


FLOORS = declared_floors()


def floor_of(module: str) -> int | None:
    """Index of the module's floor (0 is the top), by the longest declared name containing it."""
    if module == GROUND_PACKAGE_INIT:
        return len(FLOORS) - 1
    best: tuple[int, int] | None = None
    for index, layer in enumerate(FLOORS):
        for name in layer:
            if (module == name or module.startswith(name + ".")) and (
                best is None or len(name) > best[0]
            ):
                best = (len(name), index)
    return best[1] if best else None


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(*PACKAGES, include_external_packages=False)


def imports_of(graph: grimp.ImportGraph) -> Iterator[tuple[str, str]]:
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            yield importer, imported


def describe(graph: grimp.ImportGraph, importer: str, imported: str) -> str:
    lines = [
        f"line {detail['line_number']}: {detail['line_contents']}"
        for detail in graph.get_import_details(importer=importer, imported=imported)
    ]
    return f"{importer} -> {imported} ({'; '.join(lines) or 'no details'})"


def test_every_module_imports(graph):
    broken = []
    for module in sorted(graph.modules):
        try:
            importlib.import_module(module)
        except Exception as exc:
            broken.append(f"{module}: {type(exc).__name__}: {exc}")
    assert not broken, "\n".join(broken)


def test_every_module_has_a_floor(graph):
    assert not sorted(module for module in graph.modules if floor_of(module) is None)


def test_no_module_imports_one_on_a_higher_floor(graph):
    upward = []
    for importer, imported in imports_of(graph):
        importer_floor, imported_floor = floor_of(importer), floor_of(imported)
        if importer_floor is None or imported_floor is None:
            continue  # test_every_module_has_a_floor names it
        if imported_floor < importer_floor:
            upward.append(describe(graph, importer, imported))
    assert not upward, "Upward imports:\n" + "\n".join(upward)


def strongly_connected(edges: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative: the components of more than one module, and modules that
    import themselves."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(edges):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(edges[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in edges[node]:
                    found.append(sorted(component))
    return found


def test_tarjan_finds_each_cycle():
    edges = {"a": ["b"], "b": ["c"], "c": ["a", "d"], "d": ["e"], "e": ["d"], "f": ["f"], "g": []}
    assert sorted(strongly_connected(edges)) == [["a", "b", "c"], ["d", "e"], ["f"]]


def test_the_module_graph_has_no_cycle(graph):
    edges = {
        module: sorted(graph.find_modules_directly_imported_by(module))
        for module in sorted(graph.modules)
    }
    cycles = strongly_connected(edges)
    report = []
    for cycle in cycles:
        members = set(cycle)
        report.append(" <-> ".join(cycle))
        report.extend(
            "    " + describe(graph, importer, imported)
            for importer in cycle
            for imported in edges[importer]
            if imported in members
        )
    assert not cycles, "Import cycles:\n" + "\n".join(report)
