"""EndpointSlice and Namespace validation.

Mirrors pkg/apis/discovery/validation/validation.go and ValidateNamespace in
pkg/apis/core/validation/validation.go.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from svclab.validation import field as f
from svclab.validation import messages as m
from svclab.validation.errors import Cause
from svclab.validation.meta import validate_labels, validate_object_meta, validate_object_meta_update
from svclab.validation.names import (
    is_dns1123_label,
    is_dns1123_subdomain,
    is_qualified_name,
    name_is_dns_label,
    name_is_dns_subdomain,
    parse_ip_sloppy,
)
from svclab.validation.service import PROTOCOLS, validate_non_special_ip

ADDRESS_TYPES = ("FQDN", "IPv4", "IPv6")
MAX_ENDPOINTS = 1000
MAX_ADDRESSES = 100
MAX_PORTS = 20000
MAX_TOPOLOGY_LABELS = 16


def _fqdn(address: str, path: str) -> list[Cause]:
    """IsFullyQualifiedDomainName."""
    if not address:
        return [f.required(path)]
    name = address.removesuffix(".")
    msgs = is_dns1123_subdomain(name)
    if msgs:
        return [f.invalid(path, name, ",".join(msgs))]
    if len(name.split(".")) < 2:
        return [f.invalid(path, name, m.FQDN_TWO_SEGMENTS)]
    for label in name.split("."):
        msgs = is_dns1123_label(label)
        if msgs:
            return [f.invalid(path, label, ",".join(msgs))]
    return []


def _address(address: str, address_type: str, path: str) -> list[Cause]:
    if address_type == "FQDN":
        return _fqdn(address, path)
    addr = parse_ip_sloppy(address)
    if address_type == "IPv4" and not isinstance(addr, ipaddress.IPv4Address):
        return [f.invalid(path, address, m.VALID_IPV4)]
    if address_type == "IPv6" and (addr is None or isinstance(addr, ipaddress.IPv4Address) or "." in address):
        return [f.invalid(path, address, m.VALID_IPV6)]
    if address_type in ("IPv4", "IPv6"):
        return validate_non_special_ip(address, path)
    return []


def _endpoints(endpoints: list[dict[str, Any]], address_type: str) -> list[Cause]:
    if len(endpoints) > MAX_ENDPOINTS:
        return [f.too_many("endpoints", len(endpoints), MAX_ENDPOINTS)]
    causes: list[Cause] = []
    for i, endpoint in enumerate(endpoints):
        path = f"endpoints[{i}]"
        addresses = endpoint.get("addresses") or []
        if not addresses:
            causes.append(f.required(f"{path}.addresses", m.EPS_AT_LEAST_ONE_ADDRESS))
        elif len(addresses) > MAX_ADDRESSES:
            causes.append(f.too_many(f"{path}.addresses", len(addresses), MAX_ADDRESSES))
        for j, address in enumerate(addresses):
            causes += _address(address, address_type, f"{path}.addresses[{j}]")
        if endpoint.get("nodeName") is not None:
            node = endpoint["nodeName"]
            causes += [f.invalid(f"{path}.nodeName", node, msg) for msg in name_is_dns_subdomain(node)]
        topology = endpoint.get("deprecatedTopology") or {}
        if len(topology) > MAX_TOPOLOGY_LABELS:
            causes.append(f.too_many(f"{path}.deprecatedTopology", len(topology), MAX_TOPOLOGY_LABELS))
        causes += validate_labels(topology, f"{path}.deprecatedTopology")
        if endpoint.get("zone") is not None:
            zone = endpoint["zone"]
            causes += [f.invalid(f"{path}.zone", zone, msg) for msg in is_dns1123_subdomain(zone)]
        if endpoint.get("hostname") is not None:
            host = endpoint["hostname"]
            causes += [f.invalid(f"{path}.hostname", host, msg) for msg in is_dns1123_label(host)]
    return causes


def _ports(ports: list[dict[str, Any]]) -> list[Cause]:
    if len(ports) > MAX_PORTS:
        return [f.too_many("ports", len(ports), MAX_PORTS)]
    causes: list[Cause] = []
    names: set[str] = set()
    for i, port in enumerate(ports):
        path = f"ports[{i}]"
        name = port.get("name") or ""
        if name:
            causes += [f.invalid(f"{path}.name", name, msg) for msg in is_dns1123_label(name)]
        if name in names:
            causes.append(f.duplicate(f"{path}.name", name))
        else:
            names.add(name)
        protocol = port.get("protocol")
        if protocol is None:
            causes.append(f.required(f"{path}.protocol"))
        elif protocol not in PROTOCOLS:
            causes.append(f.not_supported(f"{path}.protocol", protocol, PROTOCOLS))
        if port.get("appProtocol") is not None:
            app = port["appProtocol"]
            causes += [f.invalid(f"{path}.appProtocol", app, msg) for msg in is_qualified_name(app)]
    return causes


def validate_endpointslice(obj: dict[str, Any]) -> list[Cause]:
    """ValidateEndpointSlice."""
    causes = validate_object_meta(obj.get("metadata") or {}, True, name_is_dns_subdomain)
    address_type = obj.get("addressType") or ""
    if not address_type:
        causes.append(f.required("addressType"))
    elif address_type not in ADDRESS_TYPES:
        causes.append(f.not_supported("addressType", address_type, ADDRESS_TYPES))
    causes += _endpoints(obj.get("endpoints") or [], address_type)
    causes += _ports(obj.get("ports") or [])
    return causes


def validate_endpointslice_update(obj: dict[str, Any], old: dict[str, Any]) -> list[Cause]:
    causes = validate_object_meta_update(obj.get("metadata") or {}, old.get("metadata") or {})
    causes += [c for c in validate_endpointslice(obj) if not c.field.startswith("metadata.")]
    if obj.get("addressType") != old.get("addressType"):
        causes.append(f.invalid("addressType", obj.get("addressType") or "", m.FIELD_IMMUTABLE))
    return causes


def validate_namespace(obj: dict[str, Any]) -> list[Cause]:
    """ValidateNamespace: cluster-scoped, name is a DNS-1123 label."""
    causes = validate_object_meta(obj.get("metadata") or {}, False, name_is_dns_label)
    for finalizer in (obj.get("spec") or {}).get("finalizers") or []:
        causes += [f.invalid("spec.finalizers", finalizer, msg) for msg in is_qualified_name(finalizer)]
    return causes


def validate_namespace_update(obj: dict[str, Any], old: dict[str, Any]) -> list[Cause]:
    """ValidateNamespaceUpdate: metadata only (spec changes go through /finalize)."""
    return validate_object_meta_update(obj.get("metadata") or {}, old.get("metadata") or {})
