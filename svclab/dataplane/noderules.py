"""``lab.node_rules`` and ``svclab iptables-save``: one node's kube-proxy rules on either backend.

- kind: the node's own ``iptables-save`` (:mod:`svclab.dataplane.kind`).
- embedded: the rules kube-proxy would write on that node, computed with its algorithm
  (:mod:`svclab.dataplane.proxier`) from the cluster's Services, EndpointSlices and Nodes, printed
  as ``iptables-save`` prints them. Only kube-proxy's rules exist there: the chains kindnet
  (``KIND-MASQ-AGENT``) and Docker's DNS (``DOCKER_OUTPUT``/``DOCKER_POSTROUTING``) add on a kind node
  are not rendered.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable

from svclab.dataplane import kind as kind_path
from svclab.dataplane import proxier, ruleset
from svclab.dataplane.ruleset import Ruleset

Obj = dict[str, Any]
EMBEDDED_NOTE = ("# svclab embedded cluster: kube-proxy's rules on {node} as iptables-save prints them, computed from the "
                 "cluster's Services, EndpointSlices and Nodes with kube-proxy's algorithm (v1.35, iptables mode); "
                 "kind's other chains (kindnet, Docker DNS) are not shown")
KIND_NOTE = "# kind: `{command}` on the node (kube-proxy's chains next to kindnet's and Docker's)"


class NodeRulesError(RuntimeError):
    pass


@dataclass
class NodeRules:
    """One node's rules: ``print(rules)`` for the text, ``rules.frame()`` for the jump chain as a table."""

    node: str
    backend: str
    service: str | None
    tables: tuple[str, ...]
    rules: Ruleset
    note: str
    restore: str | None = None  # embedded only: kube-proxy's iptables-restore input, in its write order

    @property
    def text(self) -> str:
        return f"{self.note}\n{self.rules.save_text(self.tables)}"

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return self.text

    def frame(self, table: str = "nat") -> Any:
        """The rules as a DataFrame, chain by chain in the order a packet meets them."""
        return ruleset.jump_frame(self.rules, table)

    def lines(self, table: str = "nat") -> list[str]:
        return [line for line in self.rules.save_text((table,)).splitlines() if line.startswith("-A ")]


def default_tables(service: str | None, table: str | None) -> tuple[str, ...]:
    """One table when asked; else nat, plus filter for a Service (its REJECT/DROP rules live there)."""
    if table is not None:
        if table not in kind_path.TABLES:
            raise NodeRulesError(f"table must be one of {', '.join(kind_path.TABLES)}, not {table!r}")
        return (table,)
    return ("nat", "filter") if service else ("nat",)


def settings_for(node: Obj) -> proxier.NodeSettings:
    meta, status = node.get("metadata") or {}, node.get("status") or {}
    node_ip = next((a["address"] for a in status.get("addresses") or [] if a.get("type") == "InternalIP"), "")
    return proxier.NodeSettings(node_name=meta.get("name", ""), node_ip=node_ip, node_labels=meta.get("labels") or {})


def embedded_rules(services: Iterable[Obj], slices: Iterable[Obj], nodes: Iterable[Obj], node: str,
                   service: str | None = None, table: str | None = None) -> NodeRules:
    nodes = list(nodes)
    found = next((n for n in nodes if (n.get("metadata") or {}).get("name") == node), None)
    if found is None:
        known = ", ".join(sorted((n.get("metadata") or {}).get("name", "") for n in nodes))
        raise NodeRulesError(f'nodes "{node}" not found (the nodes are: {known})')
    settings = settings_for(found)
    restore = proxier.sync_proxy_rules(list(services), list(slices), settings)
    rules = ruleset.from_restore(restore, proxier.jump_rules(settings))
    if service:
        rules = ruleset.for_service(rules, service)
    return NodeRules(node, "embedded", service, default_tables(service, table), rules, EMBEDDED_NOTE.format(node=node), restore.text())


def kind_rules(node: str, service: str | None = None, table: str | None = None, runner: Any = None) -> NodeRules:
    tables = default_tables(service, table)
    try:
        rules = kind_path.read_rules(node, tables, runner)
    except RuntimeError as exc:
        raise NodeRulesError(str(exc)) from exc
    if service:
        rules = ruleset.for_service(rules, service)
    command = " ; ".join(" ".join(kind_path.save_command(node, t)) for t in tables)
    return NodeRules(node, "kind", service, tables, rules, KIND_NOTE.format(command=command))


def fetch_objects(get: Callable[[str], Obj]) -> tuple[list[Obj], list[Obj], list[Obj]]:
    """Services, EndpointSlices and Nodes through the API (``get(path)`` returns the decoded list)."""
    def items(path: str) -> list[Obj]:
        return list((get(path) or {}).get("items") or [])

    return (items("/api/v1/services"), items("/apis/discovery.k8s.io/v1/endpointslices"), items("/api/v1/nodes"))


def qualified(service: str | None, namespace: str) -> str | None:
    """``name`` in the lesson's namespace, or ``namespace/name`` as given."""
    if not service:
        return None
    return service if "/" in service else f"{namespace}/{service}"
