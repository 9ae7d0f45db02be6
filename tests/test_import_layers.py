"""Imports go one way: no module of the `edge` package imports, at its top level, a module that
imports it back, and its packages (config, runtime, upstream, cache, pipeline, server, ...) form
layers: none reaches a package that reaches it back. Imports inside functions and under
`TYPE_CHECKING` are not counted (they are how a lower layer names a higher one's types)."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import edge

ROOT = Path(edge.__file__).parent


def _modules() -> dict[str, Path]:
    found = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _graph() -> dict[str, set[str]]:
    """Module -> the edge modules it imports at its top level."""
    modules = _modules()
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Import):
                graph[name].update(alias.name for alias in node.names if alias.name in modules)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    source = ".".join(base + ([node.module] if node.module else []))
                else:
                    source = node.module or ""
                submodules = {f"{source}.{alias.name}" for alias in node.names} & modules.keys()
                graph[name] |= submodules
                if len(submodules) < len(node.names) and source in modules:
                    graph[name].add(source)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one member (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def test_no_module_imports_one_that_imports_it_back():
    assert _cycles(_graph()) == []


def test_the_packages_form_layers():
    packages: dict[str, set[str]] = defaultdict(set)
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for module, imported in _graph().items():
        for other in imported:
            a, b = _package(module), _package(other)
            if a != b:
                packages[a].add(b)
                edges[(a, b)].append(f"{module} -> {other}")
    cycles = _cycles(packages)
    assert cycles == [], [(cycle, [e for (a, b), es in edges.items() if a in cycle and b in cycle for e in es])
                          for cycle in cycles]


def test_the_check_sees_imports():
    graph = _graph()
    assert "edge.config.cache_policy" in graph["edge.cache.key"]  # a `from ..x.y import` in a module
    assert "edge.wire" in graph["edge.upstream.h1"]
    assert "edge.pipeline.flow" in graph["edge.server.handler"]
