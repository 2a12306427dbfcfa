"""Registry strategy steps that run between decoding and validation.

Mirrors pkg/registry/core/service/storage/storage.go (normalizeClusterIPs,
patchAllocatedValues), alloc.go initIPFamilyFields, and
staging/src/k8s.io/apiserver/pkg/storage/names/generate.go.

Real order for a Service create (store.Create runs BeginCreate before BeforeCreate):
defaults -> prepare_for_create (name generation, normalize_cluster_ips) ->
init_ip_families (causes -> errors.invalid) -> allocate clusterIP/nodePorts (errors:
allocation.py) -> validate_create.  Update (BeforeUpdate runs before BeginUpdate):
defaults(creating=False) -> prepare_for_update -> validate_update -> init_ip_families(old=...)
-> allocate.
"""

from __future__ import annotations

import random
from typing import Any

from svclab.validation import field as f
from svclab.validation import messages as m
from svclab.validation.errors import Cause
from svclab.validation.names import is_ipv6
from svclab.validation.service import externally_accessible, needs_health_check, validate_cluster_ips_related_fields

# utilrand.String alphabet (k8s.io/apimachinery/pkg/util/rand): no vowels, no confusables.
_ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"
MAX_GENERATED_NAME_LENGTH = 58
RANDOM_LENGTH = 5


def generate_name(base: str, rng: random.Random) -> str:
    """names.SimpleNameGenerator.GenerateName: base (cut to 58) + 5 random characters."""
    return base[:MAX_GENERATED_NAME_LENGTH] + "".join(rng.choice(_ALPHANUMS) for _ in range(RANDOM_LENGTH))


def normalize_cluster_ips(svc: dict[str, Any], old: dict[str, Any] | None = None) -> None:
    """Keep spec.clusterIP and spec.clusterIPs in sync, as normalizeClusterIPs does."""
    spec = svc.setdefault("spec", {})
    cluster_ip = spec.get("clusterIP") or ""
    cluster_ips = list(spec.get("clusterIPs") or [])
    if old is None:
        if cluster_ip and not cluster_ips:
            spec["clusterIPs"] = [cluster_ip]
        return
    old_spec = old.get("spec") or {}
    old_ip = old_spec.get("clusterIP") or ""
    old_ips = list(old_spec.get("clusterIPs") or [])
    if old_ips and not cluster_ips and old_ip == cluster_ip:
        spec["clusterIPs"] = cluster_ips = old_ips
    if old_ip != cluster_ip:
        if old_ip and not cluster_ip and old_ips == cluster_ips:
            spec.pop("clusterIPs", None)
            cluster_ips = []
        if old_ips == cluster_ips:
            spec["clusterIPs"] = [cluster_ip]


def _needs_cluster_ip(spec: dict[str, Any]) -> bool:
    return spec.get("type") != "ExternalName"


def _needs_node_ports(spec: dict[str, Any]) -> bool:
    return spec.get("type") in ("NodePort", "LoadBalancer")


def patch_allocated_values(svc: dict[str, Any], old: dict[str, Any]) -> None:
    """patchAllocatedValues: an update that omits allocated fields keeps the old ones."""
    spec, old_spec = svc.setdefault("spec", {}), old.get("spec") or {}
    if _needs_cluster_ip(old_spec) and _needs_cluster_ip(spec):
        if not spec.get("clusterIP"):
            spec["clusterIP"] = old_spec.get("clusterIP") or ""
        if not spec.get("clusterIPs") and old_spec.get("clusterIPs"):
            spec["clusterIPs"] = list(old_spec["clusterIPs"])
    if _needs_node_ports(old_spec) and _needs_node_ports(spec):
        def used(s: dict[str, Any]) -> set[int]:
            return {int(p.get("nodePort") or 0) for p in s.get("ports") or []}

        taken = used(old_spec) & used(spec)
        by_name = {p.get("name") or "": int(p.get("nodePort") or 0) for p in old_spec.get("ports") or []}
        for port in spec.get("ports") or []:
            if not port.get("nodePort"):
                previous = by_name.get(port.get("name") or "", 0)
                if previous not in taken:
                    port["nodePort"] = previous
    if needs_health_check(old_spec) and needs_health_check(spec) and not spec.get("healthCheckNodePort"):
        spec["healthCheckNodePort"] = old_spec.get("healthCheckNodePort")


def drop_type_dependent_fields(svc: dict[str, Any], old: dict[str, Any]) -> None:
    """dropTypeDependentFields: wipe values that no longer apply and the user did not change."""
    spec, old_spec = svc.setdefault("spec", {}), old.get("spec") or {}
    if _needs_cluster_ip(old_spec) and not _needs_cluster_ip(spec):
        if (spec.get("clusterIP") or "") == (old_spec.get("clusterIP") or "") and list(
            spec.get("clusterIPs") or []
        ) == list(old_spec.get("clusterIPs") or []):
            spec.pop("clusterIP", None)
            spec.pop("clusterIPs", None)
        if list(spec.get("ipFamilies") or []) == list(old_spec.get("ipFamilies") or []):
            spec.pop("ipFamilies", None)
        if spec.get("ipFamilyPolicy") == old_spec.get("ipFamilyPolicy"):
            spec.pop("ipFamilyPolicy", None)
    if _needs_node_ports(old_spec) and not _needs_node_ports(spec):
        old_ports = [int(p.get("nodePort") or 0) for p in old_spec.get("ports") or []]
        new_ports = [int(p.get("nodePort") or 0) for p in spec.get("ports") or []]
        if old_ports == new_ports:
            for port in spec.get("ports") or []:
                port.pop("nodePort", None)
    if needs_health_check(old_spec) and not needs_health_check(spec):
        if spec.get("healthCheckNodePort") == old_spec.get("healthCheckNodePort"):
            spec.pop("healthCheckNodePort", None)
    if old_spec.get("type") == "LoadBalancer" and spec.get("type") != "LoadBalancer":
        allocate = spec.get("allocateLoadBalancerNodePorts")
        if allocate is not None and allocate == old_spec.get("allocateLoadBalancerNodePorts"):
            spec.pop("allocateLoadBalancerNodePorts", None)
        if spec.get("loadBalancerClass") == old_spec.get("loadBalancerClass"):
            spec.pop("loadBalancerClass", None)
    if externally_accessible(old_spec) and not externally_accessible(spec):
        if spec.get("externalTrafficPolicy") == old_spec.get("externalTrafficPolicy"):
            spec.pop("externalTrafficPolicy", None)
    if spec.get("type") != "LoadBalancer":
        svc.setdefault("status", {})["loadBalancer"] = {}


def prepare_service_update(svc: dict[str, Any], old: dict[str, Any]) -> None:
    """The service strategy's PrepareForUpdate: patch allocated values, normalize, drop stale fields."""
    svc["status"] = dict(old.get("status") or {})
    patch_allocated_values(svc, old)
    normalize_cluster_ips(svc, old)
    drop_type_dependent_fields(svc, old)


def init_ip_families(
    svc: dict[str, Any],
    old: dict[str, Any] | None = None,
    cluster_families: tuple[str, ...] = ("IPv4",),
) -> list[Cause]:
    """initIPFamilyFields: default ipFamilyPolicy/ipFamilies; causes mean errors.invalid(Service)."""
    spec = svc.setdefault("spec", {})
    if spec.get("type") == "ExternalName":
        return []
    headless_selectorless = spec.get("clusterIP") == "None" and not spec.get("selector")
    if spec.get("ipFamilyPolicy") is None:
        old_policy = ((old or {}).get("spec") or {}).get("ipFamilyPolicy")
        if old_policy is not None:
            spec["ipFamilyPolicy"] = old_policy
        elif headless_selectorless:
            spec["ipFamilyPolicy"] = "RequireDualStack"
        else:
            spec["ipFamilyPolicy"] = "SingleStack"
    causes = validate_cluster_ips_related_fields(svc)
    if causes:
        return causes
    policy = spec["ipFamilyPolicy"]
    cluster_ips: list[str] = list(spec.get("clusterIPs") or [])
    families: list[str] = list(spec.get("ipFamilies") or [])
    if policy == "SingleStack":
        if len(cluster_ips) == 2:
            causes.append(f.invalid("spec.ipFamilyPolicy", policy, m.SVC_SINGLESTACK_TWO_IPS))
        if len(families) == 2:
            causes.append(f.invalid("spec.ipFamilyPolicy", policy, m.SVC_SINGLESTACK_TWO_FAMILIES))
    for i, ip in enumerate(cluster_ips):
        if ip == "None":
            break
        family = "IPv6" if is_ipv6(ip) else "IPv4"
        if i >= len(families):
            if family not in cluster_families:
                detail = m.SVC_IP_FAMILY_NOT_CONFIGURED.format(family=family)
                causes.append(f.invalid(f"spec.clusterIPs[{i}]", cluster_ips, detail))
            else:
                families.append(family)
    if causes:
        return causes
    if headless_selectorless:
        if not families:
            families = [cluster_families[0]]
        if len(families) < 2 and policy != "SingleStack":
            families.append("IPv6" if families[0] == "IPv4" else "IPv4")
        spec["ipFamilies"] = families
        return []
    if policy == "RequireDualStack" and len(cluster_families) < 2:
        causes.append(f.invalid("spec.ipFamilyPolicy", policy, m.SVC_NOT_DUAL_STACK_CLUSTER))
    for i, family in enumerate(families):
        if family not in cluster_families:
            causes.append(f.invalid(f"spec.ipFamilies[{i}]", family, m.SVC_FAMILY_NOT_CONFIGURED))
    if causes:
        return causes
    if not families:
        families = [cluster_families[0]]
    if policy != "SingleStack" and len(families) == 1 and len(cluster_families) == 2:
        families.append("IPv6" if families[0] == "IPv4" else "IPv4")
    spec["ipFamilies"] = families
    return []


def prepare_for_create(resource_kind: tuple[str, str], obj: dict[str, Any], rng: random.Random | None = None) -> None:
    """The create-time steps before allocation and validation.

    ``resource_kind`` is ``(group, kind)``.  Generates ``metadata.name`` from
    ``generateName`` (when ``rng`` is given) and syncs a Service's clusterIP/clusterIPs.
    """
    meta = obj.setdefault("metadata", {})
    if rng is not None and meta.get("generateName") and not meta.get("name"):
        meta["name"] = generate_name(meta["generateName"], rng)
    if resource_kind == ("", "Service"):
        normalize_cluster_ips(obj)


def prepare_for_update(resource_kind: tuple[str, str], obj: dict[str, Any], old: dict[str, Any]) -> None:
    """The update-time steps before allocation and validation (Service: keep allocated values)."""
    if resource_kind == ("", "Service"):
        prepare_service_update(obj, old)
