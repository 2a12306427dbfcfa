"""The stripped-down Service, Endpoints, Pod and Namespace CoreDNS keeps in its cache.

Copied from coredns/coredns v1.13.1 plugin/kubernetes/object/service.go (ToService),
object/endpoint.go (EndpointSliceToEndpoints, endpointsliceReady), object/pod.go (ToPod),
object/namespace.go and plugin/kubernetes/kubernetes.go (endpointHostname). Labels are kept
because the plugin's `labels` and `namespace_labels` options filter what its informers list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
    external_ips: tuple[str, ...] = ()
    labels: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

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
    labels: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def index_ips(self) -> tuple[str, ...]:
        """IndexIP: the address of every ready endpoint, in order (duplicates kept)."""
        return tuple(a.ip for a in self.addresses)


@dataclass(frozen=True)
class Pod:
    """object.Pod."""

    name: str
    namespace: str
    pod_ip: str
    labels: dict[str, str] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class Namespace:
    """object.Namespace."""

    name: str
    labels: dict[str, str] = field(default_factory=dict, compare=False, hash=False)


def service_key(name: str, namespace: str) -> str:
    """object.ServiceKey / object.EndpointsKey."""
    return f"{name}.{namespace}"


def _meta(obj: dict[str, Any]) -> dict[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}


def _labels(meta: dict[str, Any]) -> dict[str, str]:
    labels = meta.get("labels")
    return dict(labels) if isinstance(labels, dict) else {}


def to_service(obj: dict[str, Any]) -> Service:
    """object.ToService."""
    meta = _meta(obj)
    spec = obj.get("spec") or {}
    cluster_ips = tuple(spec.get("clusterIPs") or ()) or (spec.get("clusterIP") or "",)
    ports = tuple(
        Port(int(p.get("port", 0)), p.get("name") or "", p.get("protocol") or "TCP")
        for p in spec.get("ports") or ()
    ) or (Port(-1, "", ""),)
    ingress = ((obj.get("status") or {}).get("loadBalancer") or {}).get("ingress") or ()
    external_ips = (*(spec.get("externalIPs") or ()), *((i.get("ip") or i.get("hostname") or "") for i in ingress))
    return Service(
        name=meta.get("name", ""),
        namespace=meta.get("namespace", ""),
        cluster_ips=cluster_ips,
        type=spec.get("type") or "ClusterIP",
        external_name=spec.get("externalName") or "",
        ports=ports,
        external_ips=tuple(external_ips),
        labels=_labels(meta),
    )


def _ready(endpoint: dict[str, Any]) -> bool:
    """endpointsliceReady: a nil ready condition means unknown, treated as ready."""
    ready = (endpoint.get("conditions") or {}).get("ready")
    return True if ready is None else bool(ready)


def to_endpoints(obj: dict[str, Any]) -> Endpoints:
    """EndpointSliceToEndpoints: only ready endpoints; a slice without ports gets the -1 sentinel."""
    meta = _meta(obj)
    labels = _labels(meta)
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
        labels=labels,
    )


def to_pod(obj: dict[str, Any]) -> Pod | None:
    """object.ToPod; None for a terminating pod, which the informer ignores (errPodTerminating)."""
    meta = _meta(obj)
    if meta.get("deletionTimestamp"):
        return None
    return Pod(
        name=meta.get("name", ""),
        namespace=meta.get("namespace", ""),
        pod_ip=(obj.get("status") or {}).get("podIP") or "",
        labels=_labels(meta),
    )


def to_namespace(obj: dict[str, Any]) -> Namespace:
    meta = _meta(obj)
    return Namespace(name=meta.get("name", ""), labels=_labels(meta))


def endpoint_hostname(addr: Address, endpoint_name_mode: bool = False) -> str:
    """kubernetes.go endpointHostname."""
    if addr.hostname:
        return addr.hostname
    if endpoint_name_mode and addr.target_ref_name:
        return addr.target_ref_name
    if "." in addr.ip:
        return addr.ip.replace(".", "-")
    if ":" in addr.ip:
        name = addr.ip.replace(":", "-")
        return name + "0" if name.endswith("-") else name
    return ""
