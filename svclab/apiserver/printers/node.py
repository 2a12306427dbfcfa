"""printNode: STATUS from the Ready condition, ROLES from node-role labels, the wide system info."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from . import columns as c
from .base import Printer, Row, meta, name_of
from .duration import translate_timestamp_since

LABEL_NODE_ROLE_PREFIX = "node-role.kubernetes.io/"
NODE_LABEL_ROLE = "kubernetes.io/role"

COLUMNS = (
    c.name_col(),
    c.col("Status", "string", "The status of the node"),
    c.col("Roles", "string", "The roles of the node"),
    c.age_col(),
    c.col("Version", "string", c.NODE_INFO_KUBELET_VERSION),
    c.col("Internal-IP", "string", c.NODE_STATUS_ADDRESSES, priority=1),
    c.col("External-IP", "string", c.NODE_STATUS_ADDRESSES, priority=1),
    c.col("OS-Image", "string", c.NODE_INFO_OS_IMAGE, priority=1),
    c.col("Kernel-Version", "string", c.NODE_INFO_KERNEL_VERSION, priority=1),
    c.col("Container-Runtime", "string", c.NODE_INFO_CONTAINER_RUNTIME_VERSION, priority=1),
)


def find_node_roles(node: dict[str, Any]) -> list[str]:
    """findNodeRoles: `node-role.kubernetes.io/<role>` keys and `kubernetes.io/role=<role>`, sorted."""
    roles: set[str] = set()
    for key, value in (meta(node).get("labels") or {}).items():
        if key.startswith(LABEL_NODE_ROLE_PREFIX):
            role = key[len(LABEL_NODE_ROLE_PREFIX) :]
            if role:
                roles.add(role)
        elif key == NODE_LABEL_ROLE and value != "":
            roles.add(value)
    return sorted(roles)


def _address(node: dict[str, Any], kind: str) -> str:
    for address in (node.get("status") or {}).get("addresses") or []:
        if address.get("type") == kind:
            return str(address.get("address") or "")
    return "<none>"


def print_node(node: dict[str, Any], now: datetime) -> Row:
    status: dict[str, Any] = node.get("status") or {}
    by_type = {cond.get("type"): cond for cond in status.get("conditions") or []}
    states: list[str] = []
    ready = by_type.get("Ready")
    if ready is not None:
        states.append("Ready" if ready.get("status") == "True" else "NotReady")
    if not states:
        states.append("Unknown")
    if (node.get("spec") or {}).get("unschedulable"):
        states.append("SchedulingDisabled")
    info: dict[str, Any] = status.get("nodeInfo") or {}
    cells: list[Any] = [
        name_of(node),
        ",".join(states),
        ",".join(find_node_roles(node)) or "<none>",
        translate_timestamp_since(meta(node).get("creationTimestamp"), now),
        str(info.get("kubeletVersion") or ""),
        _address(node, "InternalIP"),
        _address(node, "ExternalIP"),
        str(info.get("osImage") or "") or "<unknown>",
        str(info.get("kernelVersion") or "") or "<unknown>",
        str(info.get("containerRuntimeVersion") or "") or "<unknown>",
    ]
    return Row(cells)


PRINTER = Printer(COLUMNS, print_node)
