"""The stripped-down Service, Endpoints, Pod and Namespace CoreDNS keeps in its cache.

Copied from coredns/coredns v1.13.1 plugin/kubernetes/object/service.go (ToService),
object/endpoint.go (EndpointSliceToEndpoints, endpointsliceReady), object/pod.go (ToPod),
object/namespace.go and plugin/kubernetes/kubernetes.go (endpointHostname). Labels are kept
because the plugin's `labels` and `namespace_labels` options filter what its informers list (not compared: equality and
hash leave them out). The classes are frozen records (svclab.records), not dataclasses: loaded at every cluster's start.
"""

from __future__ import annotations

from typing import Any

from svclab.records import Record, set_field

CLUSTER_IP_NONE = "None"
LABEL_SERVICE_NAME = "kubernetes.io/service-name"


_set = set_field
_NEW: Any = object()   # labels not given: a new empty dict, as field(default_factory=dict) made one


class Port(Record):
    """A Service or EndpointSlice port; port -1 is CoreDNS's "no ports" sentinel."""

    _fields = ("port", "name", "protocol")
    port: int
    name: str
    protocol: str

    def __init__(self, port: int, name: str, protocol: str) -> None:
        _set(self, "port", port)
        _set(self, "name", name)
        _set(self, "protocol", protocol)

    def _key(self) -> tuple[Any, ...]:
        return (self.port, self.name, self.protocol)


class Service(Record):
    """object.Service."""

    _fields = ("name", "namespace", "cluster_ips", "type", "external_name", "ports", "external_ips", "labels")
    name: str
    namespace: str
    cluster_ips: tuple[str, ...]
    type: str
    external_name: str
    ports: tuple[Port, ...]
    external_ips: tuple[str, ...]
    labels: dict[str, str]

    def __init__(self, name: str, namespace: str, cluster_ips: tuple[str, ...], type: str, external_name: str,
                 ports: tuple[Port, ...], external_ips: tuple[str, ...] = (), labels: dict[str, str] = _NEW) -> None:
        _set(self, "name", name)
        _set(self, "namespace", namespace)
        _set(self, "cluster_ips", cluster_ips)
        _set(self, "type", type)
        _set(self, "external_name", external_name)
        _set(self, "ports", ports)
        _set(self, "external_ips", external_ips)
        _set(self, "labels", {} if labels is _NEW else labels)

    def _key(self) -> tuple[Any, ...]:
        return (self.name, self.namespace, self.cluster_ips, self.type, self.external_name, self.ports, self.external_ips)

    @property
    def index(self) -> str:
        return service_key(self.name, self.namespace)

    @property
    def headless(self) -> bool:
        return self.cluster_ips[0] == CLUSTER_IP_NONE


class Address(Record):
    """object.EndpointAddress."""

    _fields = ("ip", "hostname", "node_name", "target_ref_name")
    ip: str
    hostname: str
    node_name: str
    target_ref_name: str

    def __init__(self, ip: str, hostname: str, node_name: str, target_ref_name: str) -> None:
        _set(self, "ip", ip)
        _set(self, "hostname", hostname)
        _set(self, "node_name", node_name)
        _set(self, "target_ref_name", target_ref_name)

    def _key(self) -> tuple[Any, ...]:
        return (self.ip, self.hostname, self.node_name, self.target_ref_name)


class Endpoints(Record):
    """object.Endpoints built from one EndpointSlice (a single subset)."""

    _fields = ("name", "namespace", "index", "addresses", "ports", "labels")
    name: str
    namespace: str
    index: str
    addresses: tuple[Address, ...]
    ports: tuple[Port, ...]
    labels: dict[str, str]

    def __init__(self, name: str, namespace: str, index: str, addresses: tuple[Address, ...], ports: tuple[Port, ...],
                 labels: dict[str, str] = _NEW) -> None:
        _set(self, "name", name)
        _set(self, "namespace", namespace)
        _set(self, "index", index)
        _set(self, "addresses", addresses)
        _set(self, "ports", ports)
        _set(self, "labels", {} if labels is _NEW else labels)

    def _key(self) -> tuple[Any, ...]:
        return (self.name, self.namespace, self.index, self.addresses, self.ports)

    @property
    def index_ips(self) -> tuple[str, ...]:
        """IndexIP: the address of every ready endpoint, in order (duplicates kept)."""
        return tuple(a.ip for a in self.addresses)


class Pod(Record):
    """object.Pod."""

    _fields = ("name", "namespace", "pod_ip", "labels")
    name: str
    namespace: str
    pod_ip: str
    labels: dict[str, str]

    def __init__(self, name: str, namespace: str, pod_ip: str, labels: dict[str, str] = _NEW) -> None:
        _set(self, "name", name)
        _set(self, "namespace", namespace)
        _set(self, "pod_ip", pod_ip)
        _set(self, "labels", {} if labels is _NEW else labels)

    def _key(self) -> tuple[Any, ...]:
        return (self.name, self.namespace, self.pod_ip)


class Namespace(Record):
    """object.Namespace."""

    _fields = ("name", "labels")
    name: str
    labels: dict[str, str]

    def __init__(self, name: str, labels: dict[str, str] = _NEW) -> None:
        _set(self, "name", name)
        _set(self, "labels", {} if labels is _NEW else labels)

    def _key(self) -> tuple[Any, ...]:
        return (self.name,)


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
