"""The stripped-down Service and Endpoints CoreDNS keeps in its cache.

Copied from coredns/coredns plugin/kubernetes/object/service.go (ToService) and
object/endpoint.go (endpointSliceToEndpoints, endpointsliceReady), and
plugin/kubernetes/kubernetes.go (endpointHostname).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

CLUSTER_IP_NONE = "None"
LABEL_SERVICE_NAME = "kubernetes.io/service-name"


@dataclass(frozen=True)
class Port:
    """A Service or EndpointSlice port; port -1 is CoreDNS's "no ports" sentinel."""

    port: int
    name: str
    protocol: str


@dataclass(frozen=True)
class Service:
    """object.Service."""

    name: str
    namespace: str
    cluster_ips: tuple[str, ...]
    type: str
    external_name: str
    ports: tuple[Port, ...]

    @property
    def index(self) -> str:
        return service_key(self.name, self.namespace)

    @property
    def headless(self) -> bool:
        return self.cluster_ips[0] == CLUSTER_IP_NONE


@dataclass(frozen=True)
class Address:
    """object.EndpointAddress."""

    ip: str
    hostname: str
    node_name: str
    target_ref_name: str


@dataclass(frozen=True)
class Endpoints:
    """object.Endpoints built from one EndpointSlice (a single subset)."""

    name: str
    namespace: str
    index: str
    addresses: tuple[Address, ...]
    ports: tuple[Port, ...]


def service_key(name: str, namespace: str) -> str:
    """object.ServiceKey / object.EndpointsKey."""
    return f"{name}.{namespace}"


def to_service(obj: dict[str, Any]) -> Service:
    """object.ToService."""
    meta = obj.get("metadata") or {}
    spec = obj.get("spec") or {}
    cluster_ips = tuple(spec.get("clusterIPs") or ()) or (spec.get("clusterIP") or "",)
    ports = tuple(
        Port(int(p.get("port", 0)), p.get("name") or "", p.get("protocol") or "TCP")
        for p in spec.get("ports") or ()
    ) or (Port(-1, "", ""),)
    return Service(
        name=meta.get("name", ""),
        namespace=meta.get("namespace", ""),
        cluster_ips=cluster_ips,
        type=spec.get("type") or "ClusterIP",
        external_name=spec.get("externalName") or "",
        ports=ports,
    )


def _ready(endpoint: dict[str, Any]) -> bool:
    """endpointsliceReady: a nil ready condition means unknown, treated as ready."""
    ready = (endpoint.get("conditions") or {}).get("ready")
    return True if ready is None else bool(ready)


def to_endpoints(obj: dict[str, Any]) -> Endpoints:
    """endpointSliceToEndpoints with the default options (no zones, no terminating)."""
    meta = obj.get("metadata") or {}
    labels = meta.get("labels") or {}
    namespace = meta.get("namespace", "")
    ports = tuple(
        Port(
            int(p["port"]) if p.get("port") is not None else -1,
            p.get("name") or "",
            p.get("protocol") or "TCP",  # the API server defaults protocol to TCP
        )
        for p in obj.get("ports") or ()
    ) or (Port(-1, "", ""),)
    addresses: list[Address] = []
    for ep in obj.get("endpoints") or ():
        if not _ready(ep):
            continue
        ref = ep.get("targetRef") or {}
        ref_name = ref.get("name") or ""
        for ip in ep.get("addresses") or ():
            addresses.append(
                Address(
                    ip=ip,
                    hostname=ep.get("hostname") or "",
                    node_name=ep.get("nodeName") or "",
                    # ignore pod names that are too long to be a valid label
                    target_ref_name=ref_name if len(ref_name) < 64 else "",
                )
            )
    return Endpoints(
        name=meta.get("name", ""),
        namespace=namespace,
        index=service_key(labels.get(LABEL_SERVICE_NAME, ""), namespace),
        addresses=tuple(addresses),
        ports=ports,
    )


def endpoint_hostname(addr: Address) -> str:
    """kubernetes.go endpointHostname with endpoint_pod_names off."""
    if addr.hostname:
        return addr.hostname
    if "." in addr.ip:
        return addr.ip.replace(".", "-")
    if ":" in addr.ip:
        return addr.ip.replace(":", "-")
    return ""
