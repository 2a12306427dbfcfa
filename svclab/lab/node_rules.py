"""``lab.node_rules``: a node's iptables rules as kube-proxy (iptables mode) programs them.

    rules = lab.node_rules("svclab-worker")                  # the node's nat table
    rules = lab.node_rules("svclab-worker", "web-service")   # only what one Service's traffic meets
    print(rules); rules.frame()                              # iptables-save text; the jumps as a table

On kind this is the node's own ``iptables-save``; on the embedded cluster it is computed from the
Services and EndpointSlices with kube-proxy's algorithm (see :mod:`svclab.dataplane.noderules`).
"""

from __future__ import annotations

from typing import Any

from svclab.dataplane.noderules import NodeRules, NodeRulesError, embedded_rules, fetch_objects, kind_rules, qualified
from svclab.lab import manifests
from svclab.lab.errors import LabError


def node_rules(node: str, service: str | None = None, table: str | None = None, namespace: str | None = None) -> NodeRules:
    """The rules of ``node`` (e.g. ``svclab-worker``); ``service`` (``name`` in the lesson's namespace,
    or ``namespace/name``) keeps that Service's chains and the jumps that lead to them; ``table`` is
    ``nat`` or ``filter`` (default: nat, and filter too for a Service — its REJECT lives there)."""
    from svclab.lab import session

    s = session()
    wanted = qualified(service, namespace or s.namespace)
    try:
        if s.backend == "kind":
            return kind_rules(node, wanted, table)

        def get(path: str) -> Any:
            status, body = manifests.request(s.api, "GET", path)
            if status != 200:
                raise LabError(f"GET {path}: {status}")
            return body

        services, slices, nodes = fetch_objects(get)
        return embedded_rules(services, slices, nodes, node, wanted, table)
    except NodeRulesError as exc:
        raise LabError(str(exc)) from exc
