"""Helpers ported from Kubernetes v1.35 ``pkg/proxy/iptables/proxier_test.go`` so that its expected
``iptables-restore`` outputs can be compared with ours the way the upstream test compares them."""

from __future__ import annotations

import textwrap
from typing import Any, Callable

Obj = dict[str, Any]


def make_service(namespace: str, name: str, tweak: Callable[[Obj], None]) -> Obj:
    """``makeTestService``."""
    svc: Obj = {"metadata": {"name": name, "namespace": namespace, "annotations": {}}, "spec": {}, "status": {}}
    tweak(svc)
    return svc


def make_slice(namespace: str, name: str, number: int, endpoints: list[Obj], ports: list[Obj]) -> Obj:
    """``makeTestEndpointSlice`` with AddressType IPv4."""
    return {
        "metadata": {"name": f"{name}-{number}", "namespace": namespace, "labels": {"kubernetes.io/service-name": name}},
        "addressType": "IPv4",
        "endpoints": endpoints,
        "ports": ports,
    }


def _comment_service(line: str) -> str | None:
    """``orderByCommentServiceName``: the comment up to the first space or colon."""
    words = line.split()
    if "--comment" not in words:
        return None
    rest = line.split("--comment ", 1)[1]
    value = rest[1:].split('"', 1)[0] if rest.startswith('"') else rest.split(" ", 1)[0]
    for stop in (" ", ":"):
        value = value.split(stop, 1)[0]
    return value


def _chain_key(name: str) -> tuple[int, str]:
    if name == "KUBE-NODEPORTS":
        return (0, "")
    if name == "KUBE-SERVICES":
        return (1, "")
    return (2 if name.startswith("KUBE-") else 3, name)


def sort_rules(data: str) -> str:
    """``sortIPTablesRules``: tables by name, chains KUBE-NODEPORTS, KUBE-SERVICES, then KUBE-* and the
    rest by name; rules grouped per chain; KUBE-NODEPORTS and KUBE-SERVICES rules stably sorted by the
    Service in their comment (the nat "must be the last rule" rule kept last)."""
    tables: dict[str, tuple[list[str], dict[str, list[str]]]] = {}
    current = ""
    for line in data.strip("\n").splitlines():
        line = line.strip()
        if line.startswith("*"):
            current = line[1:]
            tables[current] = ([], {})
        elif line == "COMMIT" or not line:
            continue
        elif line.startswith(":"):
            chain = line[1:].split()[0]
            if chain not in tables[current][0]:
                tables[current][0].append(chain)
        else:
            chain = line.split()[1]
            tables[current][1].setdefault(chain, []).append(line)
    out: list[str] = []
    for name in sorted(tables):
        chains, rules = tables[name]
        chains = sorted(chains, key=_chain_key)
        out.append(f"*{name}")
        out += [f":{c} - [0:0]" for c in chains]
        for chain in chains:
            lines = rules.get(chain, [])
            if chain in ("KUBE-NODEPORTS", "KUBE-SERVICES"):
                last = [l for l in lines if "must be the last rule" in l] if name == "nat" else []
                rest = [l for l in lines if l not in last]
                rest = sorted(rest, key=lambda l: _comment_service(l) or "")
                lines = rest + last
            out += lines
        out.append("COMMIT")
    return "\n".join(out) + "\n"


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")
