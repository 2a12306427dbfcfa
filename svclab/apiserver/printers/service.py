"""printService, printEndpoints and printEndpointSlice: the Service-discovery tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from . import columns as c
from .base import Printer, Row, meta, name_of
from .duration import translate_timestamp_since
from .labels import format_labels

LOAD_BALANCER_WIDTH = 16

SERVICE_COLUMNS = (
    c.name_col(),
    c.col("Type", "string", c.SERVICE_SPEC_TYPE),
    c.col("Cluster-IP", "string", c.SERVICE_SPEC_CLUSTER_IP),
    c.col("External-IP", "string", c.SERVICE_SPEC_EXTERNAL_IPS),
    c.col("Port(s)", "string", c.SERVICE_SPEC_PORTS),
    c.age_col(),
    c.col("Selector", "string", c.SERVICE_SPEC_SELECTOR, priority=1),
)

ENDPOINTS_COLUMNS = (c.name_col(), c.col("Endpoints", "string", c.ENDPOINTS_SUBSETS), c.age_col())

ENDPOINT_SLICE_COLUMNS = (
    c.name_col(),
    c.col("AddressType", "string", c.ENDPOINT_SLICE_ADDRESS_TYPE),
    c.col("Ports", "string", c.ENDPOINT_SLICE_PORTS),
    c.col("Endpoints", "string", c.ENDPOINT_SLICE_ENDPOINTS),
    c.age_col(),
)


def load_balancer_status_stringer(lb_status: dict[str, Any] | None, wide: bool) -> str:
    """loadBalancerStatusStringer: sorted unique ingress IPs/hostnames, clipped unless wide."""
    result: set[str] = set()
    for ingress in (lb_status or {}).get("ingress") or []:
        if ingress.get("ip"):
            result.add(str(ingress["ip"]))
        elif ingress.get("hostname"):
            result.add(str(ingress["hostname"]))
    text = ",".join(sorted(result))
    if not wide and len(text) > LOAD_BALANCER_WIDTH:
        text = text[: LOAD_BALANCER_WIDTH - 3] + "..."
    return text


def service_external_ip(svc: dict[str, Any], wide: bool) -> str:
    """getServiceExternalIP."""
    spec: dict[str, Any] = svc.get("spec") or {}
    external_ips: list[str] = list(spec.get("externalIPs") or [])
    svc_type = spec.get("type") or ""
    if svc_type in ("ClusterIP", "NodePort"):
        return ",".join(external_ips) if external_ips else "<none>"
    if svc_type == "LoadBalancer":
        lb_ips = load_balancer_status_stringer((svc.get("status") or {}).get("loadBalancer"), wide)
        if external_ips:
            results = lb_ips.split(",") if lb_ips else []
            return ",".join(results + external_ips)
        return lb_ips or "<pending>"
    if svc_type == "ExternalName":
        return str(spec.get("externalName") or "")
    return "<unknown>"


def make_port_string(ports: list[dict[str, Any]] | None) -> str:
    """makePortString: `80/TCP`, or `80:30080/TCP` with a node port."""
    pieces = []
    for port in ports or []:
        number, protocol = int(port.get("port") or 0), port.get("protocol") or ""
        node_port = int(port.get("nodePort") or 0)
        pieces.append(f"{number}:{node_port}/{protocol}" if node_port > 0 else f"{number}/{protocol}")
    return ",".join(pieces)


def print_service(svc: dict[str, Any], now: datetime) -> Row:
    spec: dict[str, Any] = svc.get("spec") or {}
    cluster_ips = spec.get("clusterIPs") or []
    ports = make_port_string(spec.get("ports")) or "<none>"
    cells: list[Any] = [
        name_of(svc),
        str(spec.get("type") or ""),
        str(cluster_ips[0]) if cluster_ips else "<none>",
        service_external_ip(svc, True),
        ports,
        translate_timestamp_since(meta(svc).get("creationTimestamp"), now),
        format_labels(spec.get("selector")),
    ]
    return Row(cells)


def join_host_port(host: str, port: int) -> str:
    """net.JoinHostPort: IPv6 literals get brackets."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def format_endpoints(endpoints: dict[str, Any], port_names: set[str] | None = None) -> str:
    """formatEndpoints: at most three `ip:port` entries, then `+ N more...`."""
    subsets = endpoints.get("subsets") or []
    if not subsets:
        return "<none>"
    items: list[str] = []
    limit, more, count = 3, False, 0
    for ss in subsets:
        addresses = ss.get("addresses") or []
        ports = ss.get("ports") or []
        if not ports:
            count += len(addresses)
            for addr in addresses:
                if len(items) == limit:
                    more = True
                    break
                items.append(str(addr.get("ip") or ""))
            continue
        for port in ports:
            if port_names is None or (port.get("name") or "") in port_names:
                count += len(addresses)
                for addr in addresses:
                    if len(items) == limit:
                        more = True
                        break
                    items.append(join_host_port(str(addr.get("ip") or ""), int(port.get("port") or 0)))
    text = ",".join(items)
    return f"{text} + {count - limit} more..." if more else text


def print_endpoints(endpoints: dict[str, Any], now: datetime) -> Row:
    cells: list[Any] = [
        name_of(endpoints),
        format_endpoints(endpoints),
        translate_timestamp_since(meta(endpoints).get("creationTimestamp"), now),
    ]
    return Row(cells)


def list_with_more_string(items: list[str], more: bool, count: int, limit: int) -> str:
    """listWithMoreString: `<unset>` when empty."""
    text = ",".join(items)
    if more:
        return f"{text} + {count - limit} more..."
    return text or "<unset>"


def format_discovery_ports(ports: list[dict[str, Any]] | None) -> str:
    """formatDiscoveryPorts: port numbers (or names, or `*`), three at most."""
    items: list[str] = []
    limit, more, count = 3, False, 0
    for port in ports or []:
        if len(items) < limit:
            if port.get("port") is not None:
                items.append(str(int(port["port"])))
            elif port.get("name") is not None:
                items.append(str(port["name"]))
            else:
                items.append("*")
        elif len(items) == limit:
            more = True
        count += 1
    return list_with_more_string(items, more, count, limit)


def format_discovery_endpoints(endpoints: list[dict[str, Any]] | None) -> str:
    """formatDiscoveryEndpoints: addresses of every endpoint, three at most."""
    items: list[str] = []
    limit, more, count = 3, False, 0
    for endpoint in endpoints or []:
        for address in endpoint.get("addresses") or []:
            if len(items) < limit:
                items.append(str(address))
            elif len(items) == limit:
                more = True
            count += 1
    return list_with_more_string(items, more, count, limit)


def print_endpoint_slice(eps: dict[str, Any], now: datetime) -> Row:
    cells: list[Any] = [
        name_of(eps),
        str(eps.get("addressType") or ""),
        format_discovery_ports(eps.get("ports")),
        format_discovery_endpoints(eps.get("endpoints")),
        translate_timestamp_since(meta(eps).get("creationTimestamp"), now),
    ]
    return Row(cells)


SERVICE = Printer(SERVICE_COLUMNS, print_service)
ENDPOINTS = Printer(ENDPOINTS_COLUMNS, print_endpoints)
ENDPOINT_SLICE = Printer(ENDPOINT_SLICE_COLUMNS, print_endpoint_slice)
