"""Server-side printers, one per kind, ported from pkg/printers/internalversion/printers.go (v1.35)."""

from __future__ import annotations

from . import apps, event, node, pod, service, simple
from .base import Printer, Row
from .columns import Column
from .duration import human_duration, short_human_duration, translate_timestamp_since

# Keyed by (API group, kind): the apiserver prints one storage's objects with one handler, whatever the version.
PRINTERS: dict[tuple[str, str], Printer] = {
    ("", "Pod"): pod.PRINTER,
    ("", "Service"): service.SERVICE,
    ("", "Endpoints"): service.ENDPOINTS,
    ("discovery.k8s.io", "EndpointSlice"): service.ENDPOINT_SLICE,
    ("", "Node"): node.PRINTER,
    ("", "Namespace"): simple.NAMESPACE,
    ("", "ConfigMap"): simple.CONFIG_MAP,
    ("", "ServiceAccount"): simple.SERVICE_ACCOUNT,
    ("", "Event"): event.PRINTER,
    ("events.k8s.io", "Event"): event.PRINTER,
    ("apps", "Deployment"): apps.DEPLOYMENT,
    ("apps", "ReplicaSet"): apps.REPLICA_SET,
    ("apps", "StatefulSet"): apps.STATEFUL_SET,
}


def printer_for(group: str, kind: str) -> Printer | None:
    """The registered printer, or None when the apiserver would use the default table convertor."""
    return PRINTERS.get((group, kind))


__all__ = [
    "Column",
    "PRINTERS",
    "Printer",
    "Row",
    "human_duration",
    "printer_for",
    "short_human_duration",
    "translate_timestamp_since",
]
