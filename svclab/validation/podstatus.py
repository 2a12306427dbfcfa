"""Pod status writes (the pods/status subresource): the conversion of ``podIP``/``hostIP`` into their
lists, the status strategy's backfill, and ValidatePodStatusUpdate (pkg/apis/core/validation).

A status written through the API is what the kubelet would write: its addresses must be addresses
(``status.podIPs[0]: Invalid value: "not-an-ip": must be a valid IP address, ...``), a pod's QoS class
and node never change this way.
"""

from __future__ import annotations

from typing import Any

from svclab.validation import field as f
from svclab.validation import messages as m
from svclab.validation.errors import Cause
from svclab.validation.meta import validate_object_meta_update
from svclab.validation.names import is_ipv6, is_qualified_name, name_is_dns_subdomain, parse_ip_sloppy

SYSTEM_CONDITIONS = ("PodScheduled", "Ready", "Initialized")


def _sync_ip_list(status: dict[str, Any], single: str, plural: str) -> None:
    """Convert_v1_PodStatus_To_core_PodStatus and back: the single field is authoritative; the list
    starts with it."""
    first = status.get(single)
    items = status.get(plural)
    items = items if isinstance(items, list) else []
    if first and (not items or not isinstance(items[0], dict) or items[0].get("ip") != first):
        status[plural] = [{"ip": first}]
    elif items and isinstance(items[0], dict) and items[0].get("ip"):
        status[single] = items[0]["ip"]


def prepare_pod_status_update(pod: dict[str, Any], old: dict[str, Any]) -> None:
    """podStatusStrategy.PrepareForUpdate plus the v1 conversion, in place."""
    status = pod.setdefault("status", {})
    if not isinstance(status, dict):
        pod["status"] = status = {}
    _sync_ip_list(status, "podIP", "podIPs")
    _sync_ip_list(status, "hostIP", "hostIPs")
    if not status.get("qosClass"):
        old_qos = (old.get("status") or {}).get("qosClass")
        if old_qos:
            status["qosClass"] = old_qos


def _ip_list(items: list[Any], path: str) -> list[Cause]:
    causes: list[Cause] = []
    ips = [item.get("ip", "") if isinstance(item, dict) else "" for item in items]
    for i, ip in enumerate(ips):
        if parse_ip_sloppy(ip) is None:
            causes.append(f.invalid(f.index(path, i), ip, m.VALID_IP))
    if causes or len(ips) < 2:
        return causes
    families = [is_ipv6(ip) for ip in ips]
    if len(ips) > 2 or families[0] == families[1]:
        causes.append(f.invalid(path, [{"ip": ip} for ip in ips], m.POD_IPS_ONE_PER_FAMILY))
    seen: set[str] = set()
    for i, ip in enumerate(ips):
        if ip in seen:
            causes.append(f.duplicate(f.index(path, i), {"ip": ip}))
        seen.add(ip)
    return causes


def validate_pod_status_update(pod: dict[str, Any], old: dict[str, Any]) -> list[Cause]:
    """ValidatePodStatusUpdate."""
    causes = validate_object_meta_update(pod.get("metadata") or {}, old.get("metadata") or {})
    status, old_status = pod.get("status") or {}, old.get("status") or {}
    for i, condition in enumerate(status.get("conditions") or []):
        kind = condition.get("type", "") if isinstance(condition, dict) else ""
        if kind not in SYSTEM_CONDITIONS:  # the real path says metadata.conditions: kept as it is
            causes += [f.invalid(f"metadata.conditions[{i}].Type", kind, msg) for msg in is_qualified_name(kind)]
    if (pod.get("spec") or {}).get("nodeName") != (old.get("spec") or {}).get("nodeName"):
        causes.append(f.forbidden("status.nodeName", m.MAY_NOT_BE_CHANGED_DIRECTLY))
    nominated = status.get("nominatedNodeName") or ""
    if nominated and nominated != (old_status.get("nominatedNodeName") or ""):
        causes += [f.invalid("status.nominatedNodeName", nominated, msg) for msg in name_is_dns_subdomain(nominated)]
    if status.get("qosClass", "") != old_status.get("qosClass", ""):
        causes.append(f.invalid("status.qosClass", status.get("qosClass", ""), m.FIELD_IMMUTABLE))
    causes += _ip_list(status.get("podIPs") or [], "status.podIPs")
    causes += _ip_list(status.get("hostIPs") or [], "status.hostIPs")
    return causes
