"""Layers: the pod network and the API server are handed what they need and never import the
cluster that builds them (no cycle through svclab.cluster). Checked on the import graph of the
package's source, every import statement counted (inside functions and under TYPE_CHECKING too)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "svclab"
FORBIDDEN = "svclab.cluster"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_names(source: str, module: str, is_package: bool = False) -> set[str]:
    """Every module an import statement in SOURCE names (relative imports resolved against MODULE;
    for ``from X import Y`` both X and X.Y, since Y may be a submodule)."""
    names: set[str] = set()
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def import_graph() -> dict[str, set[str]]:
    """svclab module -> the svclab modules it imports."""
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found = imported_names(path.read_text(), name, path.name == "__init__.py")
        graph[name] = {n for n in found if n in modules}
    return graph


def reachable(graph: dict[str, set[str]], start: str) -> dict[str, list[str]]:
    """Every module START reaches, with one import chain leading to it."""
    paths = {start: [start]}
    todo = [start]
    while todo:
        current = todo.pop()
        for nxt in sorted(graph.get(current, ())):
            if nxt not in paths:
                paths[nxt] = [*paths[current], nxt]
                todo.append(nxt)
    return paths


def test_network_and_apiserver_never_reach_the_cluster() -> None:
    graph = import_graph()
    starts = [m for m in graph if m.startswith(("svclab.network", "svclab.apiserver"))]
    assert "svclab.network.runtime" in starts and "svclab.apiserver.exec_ws" in starts
    offenders = {}
    for start in starts:
        for module, chain in reachable(graph, start).items():
            if module == FORBIDDEN or module.startswith(FORBIDDEN + "."):
                offenders[start] = " -> ".join(chain)
                break
    assert offenders == {}


def test_the_cluster_wires_the_network() -> None:
    # the edge the rule keeps one-way: the cluster builds the network and its exec endpoint
    graph = import_graph()
    assert {"svclab.network.runtime", "svclab.apiserver.exec_ws"} <= graph["svclab.cluster.embedded"]


def test_the_check_sees_every_kind_of_import() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from svclab.cluster.embedded import EmbeddedCluster\n"
        "def later():\n    import svclab.cluster.control\n"
        "from .. import cluster\n"
        "from ..cluster import kind\n"
    )
    names = imported_names(source, "svclab.network.runtime")
    assert {"svclab.cluster.embedded", "svclab.cluster.control", "svclab.cluster", "svclab.cluster.kind"} <= names
    graph = {"a": {"b"}, "b": {"svclab.cluster.x"}, "svclab.cluster.x": set()}
    assert reachable(graph, "a")["svclab.cluster.x"] == ["a", "b", "svclab.cluster.x"]
