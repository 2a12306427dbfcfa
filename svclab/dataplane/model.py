"""What kube-proxy knows about Services and endpoints on one node (state, no rules).

Ported from Kubernetes v1.35 ``pkg/proxy``:

- :func:`service_ports`: ``servicechangetracker.go`` (``serviceToServiceMap``) and ``serviceport.go``
  (``newBaseServiceInfo``): headless and ExternalName Services are skipped; one entry per port; the
  LoadBalancer ingress IPs in VIP mode, external IPs, source ranges, session affinity, and the two
  traffic policies as ``pkg/api/v1/service`` decides them.
- :func:`endpoints_by_port`: ``endpointslicecache.go`` (``addEndpoints``): the first address of each
  endpoint, ready/serving/terminating with their API defaults, local when ``nodeName`` is this node,
  duplicates merged, sorted by ``"ip:port"`` as ``endpointsMapFromEndpointInfo`` sorts them.
- :func:`categorize`: ``topology.go`` (``CategorizeEndpoints``): Cluster and Local endpoints with the
  serving-terminating fallback and same-node/same-zone hints.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any, Iterable

from svclab.dataplane import names

Obj = dict[str, Any]
SERVICE_NAME_LABEL = "kubernetes.io/service-name"
ZONE_LABEL = "topology.kubernetes.io/zone"
DEFAULT_STICKY_SECONDS = 10800  # v1.DefaultClientIPServiceAffinitySeconds


def _ipv4(value: str) -> bool:
    try:
        return ipaddress.ip_address(value.strip()).version == 4
    except ValueError:
        return False


@dataclass(frozen=True)
class ServicePort:
    """``proxy.BaseServicePortInfo`` plus the names ``newServiceInfo`` precomputes."""

    namespace: str
    name: str
    port_name: str
    protocol: str  # "TCP", "UDP", "SCTP"
    cluster_ip: str
    port: int
    node_port: int = 0
    external_ips: tuple[str, ...] = ()
    load_balancer_vips: tuple[str, ...] = ()
    load_balancer_source_ranges: tuple[str, ...] = ()
    client_ip_affinity: bool = False
    sticky_seconds: int = DEFAULT_STICKY_SECONDS
    external_policy_local: bool = False
    internal_policy_local: bool = False
    health_check_node_port: int = 0

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.namespace, self.name, self.port_name, self.protocol)

    @property
    def name_string(self) -> str:
        return names.service_port_name(self.namespace, self.name, self.port_name)

    @property
    def proto(self) -> str:
        return self.protocol.lower()

    @property
    def cluster_chain(self) -> str:
        return names.cluster_chain(self.name_string, self.proto)

    @property
    def local_chain(self) -> str:
        return names.local_chain(self.name_string, self.proto)

    @property
    def external_chain(self) -> str:
        return names.external_chain(self.name_string, self.proto)

    @property
    def firewall_chain(self) -> str:
        return names.firewall_chain(self.name_string, self.proto)

    def externally_accessible(self) -> bool:
        return self.node_port != 0 or bool(self.load_balancer_vips) or bool(self.external_ips)

    def uses_cluster_endpoints(self) -> bool:
        return not self.internal_policy_local or (self.externally_accessible() and not self.external_policy_local)

    def uses_local_endpoints(self) -> bool:
        return self.internal_policy_local or (self.external_policy_local and self.externally_accessible())


@dataclass(frozen=True)
class Endpoint:
    """``proxy.BaseEndpointInfo``."""

    ip: str
    port: int
    is_local: bool = False
    ready: bool = True
    serving: bool = True
    terminating: bool = False
    zone_hints: frozenset[str] = field(default_factory=frozenset)
    node_hints: frozenset[str] = field(default_factory=frozenset)

    def __str__(self) -> str:
        return f"{self.ip}:{self.port}"

    def chain(self, svc: ServicePort) -> str:
        return names.endpoint_chain(svc.name_string, svc.proto, str(self))


def _externally_accessible_service(svc: Obj) -> bool:
    """``pkg/api/v1/service.ExternallyAccessible``."""
    spec = svc.get("spec") or {}
    kind = spec.get("type") or "ClusterIP"
    return kind in ("LoadBalancer", "NodePort") or (kind == "ClusterIP" and bool(spec.get("externalIPs")))


def service_ports(services: Iterable[Obj]) -> list[ServicePort]:
    """Every proxied Service port (IPv4), in namespace/name/port order.

    kube-proxy keeps them in a Go map, so the order it writes Services in changes from sync to
    sync; the order here is fixed so that the output is repeatable.
    """
    found: list[ServicePort] = []
    for svc in services:
        meta, spec = svc.get("metadata") or {}, svc.get("spec") or {}
        cluster_ip = spec.get("clusterIP") or ""
        if cluster_ip in ("", "None") or (spec.get("type") == "ExternalName"):
            continue  # proxyutil.ShouldSkipService
        ips = [ip for ip in (spec.get("clusterIPs") or [cluster_ip]) if _ipv4(ip)]
        if not ips:
            continue
        external_local = _externally_accessible_service(svc) and spec.get("externalTrafficPolicy") == "Local"
        internal_local = spec.get("internalTrafficPolicy") == "Local"
        vips = tuple(
            ing["ip"] for ing in ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
            if ing.get("ip") and ing.get("ipMode", "VIP") in (None, "VIP") and _ipv4(ing["ip"])
        )
        ranges = []
        for cidr in spec.get("loadBalancerSourceRanges") or []:
            try:
                network = ipaddress.ip_network(cidr.strip(), strict=False)
            except ValueError:
                continue
            if network.version == 4:
                ranges.append(str(network))
        affinity = spec.get("sessionAffinity") == "ClientIP"
        timeout = ((spec.get("sessionAffinityConfig") or {}).get("clientIP") or {}).get("timeoutSeconds")
        health = int(spec.get("healthCheckNodePort") or 0) if (spec.get("type") == "LoadBalancer" and external_local) else 0
        for port in spec.get("ports") or []:
            found.append(ServicePort(
                namespace=meta.get("namespace", "default"),
                name=meta.get("name", ""),
                port_name=port.get("name") or "",
                protocol=(port.get("protocol") or "TCP").upper(),
                cluster_ip=ips[0],
                port=int(port.get("port") or 0),
                node_port=int(port.get("nodePort") or 0),
                external_ips=tuple(ip.strip() for ip in spec.get("externalIPs") or [] if _ipv4(ip)),
                load_balancer_vips=vips,
                load_balancer_source_ranges=tuple(ranges),
                client_ip_affinity=affinity,
                sticky_seconds=int(timeout) if affinity and timeout is not None else DEFAULT_STICKY_SECONDS,
                external_policy_local=external_local,
                internal_policy_local=internal_local,
                health_check_node_port=health,
            ))
    return sorted(found, key=lambda sp: (sp.namespace, sp.name, sp.port_name, sp.protocol))


def endpoints_by_port(slices: Iterable[Obj], node_name: str) -> dict[tuple[str, str, str, str], list[Endpoint]]:
    """Endpoints per (namespace, service, port name, protocol), as ``EndpointSliceCache`` merges them."""
    merged: dict[tuple[str, str, str, str], dict[str, Endpoint]] = {}
    for slice_ in slices:
        meta = slice_.get("metadata") or {}
        service = (meta.get("labels") or {}).get(SERVICE_NAME_LABEL)
        if not service or slice_.get("addressType", "IPv4") != "IPv4":
            continue
        for port in slice_.get("ports") or []:
            if port.get("port") is None:
                continue
            key = (meta.get("namespace", "default"), service, port.get("name") or "", (port.get("protocol") or "TCP").upper())
            bucket = merged.setdefault(key, {})
            for endpoint in slice_.get("endpoints") or []:
                addresses = endpoint.get("addresses") or []
                if not addresses or not _ipv4(addresses[0]):
                    continue
                conditions = endpoint.get("conditions") or {}
                hints = endpoint.get("hints") or {}
                info = Endpoint(
                    ip=str(ipaddress.ip_address(addresses[0])),
                    port=int(port["port"]),
                    is_local=endpoint.get("nodeName") == node_name and bool(node_name),
                    ready=conditions.get("ready") is not False,
                    serving=conditions.get("serving") is not False,
                    terminating=conditions.get("terminating") is True,
                    zone_hints=frozenset(z.get("name", "") for z in hints.get("forZones") or []),
                    node_hints=frozenset(n.get("name", "") for n in hints.get("forNodes") or []),
                )
                if str(info) not in bucket or info.is_local:
                    bucket[str(info)] = info
    return {key: sorted(bucket.values(), key=str) for key, bucket in merged.items() if bucket}


def _topology_mode(endpoints: list[Endpoint], node_name: str, zone: str) -> str:
    """``topologyModeFromHints`` (PreferSameTrafficDistribution enabled, as in v1.35)."""
    for_node = for_zone = False
    all_node = all_zone = True
    for ep in endpoints:
        if not ep.ready:
            continue
        if not ep.node_hints:
            all_node = False
        elif node_name in ep.node_hints:
            for_node = True
        if not ep.zone_hints:
            all_zone = False
        elif zone in ep.zone_hints:
            for_zone = True
    if all_node and for_node:
        return "PreferSameNode"
    if all_zone and for_zone:
        return "PreferSameZone"
    return ""


def _available(ep: Endpoint, mode: str, node_name: str, zone: str) -> bool:
    if mode == "PreferSameNode":
        return node_name in ep.node_hints
    if mode == "PreferSameZone":
        return zone in ep.zone_hints
    return True


@dataclass(frozen=True)
class Categorized:
    cluster: list[Endpoint]
    local: list[Endpoint]
    reachable: list[Endpoint]
    has_any: bool


def categorize(endpoints: list[Endpoint], svc: ServicePort, node_name: str, node_labels: dict[str, str] | None = None) -> Categorized:
    """``CategorizeEndpoints``: which endpoints this node's Cluster and Local chains use."""
    zone = (node_labels or {}).get(ZONE_LABEL, "")
    mode = ""
    cluster: list[Endpoint] = []
    local: list[Endpoint] = []
    has_any = False
    use_terminating = False
    if svc.uses_cluster_endpoints():
        mode = _topology_mode(endpoints, node_name, zone)
        cluster = [ep for ep in endpoints if ep.ready and _available(ep, mode, node_name, zone)]
        if not cluster:
            cluster = [ep for ep in endpoints if ep.serving and ep.terminating]
        has_any = bool(cluster)
    if not svc.uses_local_endpoints():
        return Categorized(cluster, local, cluster, has_any)
    local_ready = local_terminating = False
    for ep in endpoints:
        if ep.ready:
            has_any = True
            local_ready = local_ready or ep.is_local
        elif ep.serving and ep.terminating:
            has_any = True
            local_terminating = local_terminating or ep.is_local
    if local_ready:
        local = [ep for ep in endpoints if ep.is_local and ep.ready]
    elif local_terminating:
        use_terminating = True
        local = [ep for ep in endpoints if ep.is_local and ep.serving and ep.terminating]
    if not svc.uses_cluster_endpoints():
        return Categorized(cluster, local, local, has_any)
    if mode == "" and not use_terminating:
        return Categorized(cluster, local, cluster, has_any)
    # kube-proxy merges the two lists through a Go map (random order); keep the sorted order instead.
    union = {str(ep): ep for ep in [*cluster, *local]}
    return Categorized(cluster, local, sorted(union.values(), key=str), has_any)
