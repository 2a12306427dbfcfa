"""Node validation (ValidateNode, ValidateNodeUpdate in pkg/apis/core/validation/validation.go).

A Node written through the API is checked as the real server checks it: its name, taints (whose
errors the real server reports under ``metadata.taints``, a quirk kept here), podCIDRs, and on
update the fields that may only be set once.
"""

from __future__ import annotations

from typing import Any

from svclab.validation import field as f
from svclab.validation import messages as m
from svclab.validation.errors import Cause
from svclab.validation.meta import validate_object_meta, validate_object_meta_update
from svclab.validation.names import is_ipv6, is_qualified_name, is_valid_cidr, is_valid_label_value, name_is_dns_subdomain
from svclab.validation.quantity import validate_resource_list_values


def _taints(taints: list[Any], path: str) -> list[Cause]:
    causes: list[Cause] = []
    seen: dict[str, set[str]] = {}
    for i, taint in enumerate(taints):
        taint = taint if isinstance(taint, dict) else {}
        where = f.index(path, i)
        key, value, effect = taint.get("key", ""), taint.get("value", ""), taint.get("effect", "")
        causes += [f.invalid(f"{where}.key", key, msg) for msg in is_qualified_name(key)]
        value_errors = is_valid_label_value(value)
        if value_errors:
            causes.append(f.invalid(f"{where}.value", value, ";".join(value_errors)))
        if not effect:
            causes.append(f.required(f"{where}.effect"))
        elif effect not in m.TAINT_EFFECTS:
            causes.append(f.not_supported(f"{where}.effect", effect, m.TAINT_EFFECTS))
        if key in seen.get(effect, set()):
            duplicate = f.duplicate(where, {"key": key, "value": value, "effect": effect})
            causes.append(Cause(duplicate.type, f"{duplicate.message}: {m.TAINTS_UNIQUE}", duplicate.field))
            continue
        seen.setdefault(effect, set()).add(key)
    return causes


def _pod_cidrs(cidrs: list[Any]) -> list[Cause]:
    causes: list[Cause] = []
    for i, cidr in enumerate(cidrs):
        if not is_valid_cidr(cidr):
            causes.append(f.invalid(f"spec.podCIDRs[{i}]", cidr, m.VALID_CIDR))
    if len(cidrs) > 1 and not causes:
        families = [is_ipv6(cidr.split("/")[0]) for cidr in cidrs]
        if len(cidrs) > 2 or families[0] == families[1]:
            causes.append(f.invalid("spec.podCIDRs", list(cidrs), m.NODE_PODCIDRS_ONE_PER_FAMILY))
        seen: set[str] = set()
        for i, cidr in enumerate(cidrs):
            if cidr in seen:
                causes.append(f.duplicate(f"spec.podCIDRs[{i}]", cidr))
            seen.add(cidr)
    return causes


def _resources(node: dict[str, Any]) -> list[Cause]:
    status = node.get("status") or {}
    return validate_resource_list_values(status.get("capacity"), "status.capacity") + validate_resource_list_values(status.get("allocatable"), "status.allocatable")


def validate_node(node: dict[str, Any]) -> list[Cause]:
    causes = validate_object_meta(node.get("metadata") or {}, False, name_is_dns_subdomain)
    spec = node.get("spec") or {}
    if spec.get("taints"):
        causes += _taints(spec["taints"], "metadata.taints")
    causes += _resources(node)
    if spec.get("podCIDRs"):
        causes += _pod_cidrs(spec["podCIDRs"])
    return causes


def validate_node_update(node: dict[str, Any], old: dict[str, Any]) -> list[Cause]:
    causes = validate_object_meta_update(node.get("metadata") or {}, old.get("metadata") or {})
    causes += _resources(node)
    addresses: list[tuple[Any, Any]] = []
    for i, address in enumerate((node.get("status") or {}).get("addresses") or []):
        pair = (address.get("type"), address.get("address")) if isinstance(address, dict) else (None, None)
        if pair in addresses:
            causes.append(f.duplicate(f"status.addresses[{i}]", {"type": pair[0] or "", "address": pair[1] or ""}))
        addresses.append(pair)
    spec, old_spec = node.get("spec") or {}, old.get("spec") or {}
    old_cidrs, new_cidrs = old_spec.get("podCIDRs") or [], spec.get("podCIDRs") or []
    if old_cidrs:
        if len(old_cidrs) != len(new_cidrs):
            causes.append(f.forbidden("spec.podCIDRs", m.NODE_PODCIDR_CHANGE))
        else:
            causes += [f.forbidden("spec.podCIDRs", m.NODE_PODCIDR_CHANGE) for a, b in zip(old_cidrs, new_cidrs) if a != b]
    if old_spec.get("providerID") and old_spec.get("providerID") != spec.get("providerID"):
        causes.append(f.forbidden("spec.providerID", m.NODE_PROVIDERID_CHANGE))
    if spec.get("taints"):
        causes += _taints(spec["taints"], "metadata.taints")
    if spec.get("externalID", "") != old_spec.get("externalID", ""):
        causes.append(f.forbidden("spec.externalID", m.NODE_EXTERNALID_UPDATE))
    return causes
