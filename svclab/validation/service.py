"""Service validation: ValidateService / ValidateServiceUpdate.

Mirrors pkg/apis/core/validation/validation.go (v1.35), in the same order, so the
aggregated message lists causes exactly as a real server does.
"""

from __future__ import annotations

from typing import Any

from svclab.validation import field as f
from svclab.validation import messages as m
from svclab.validation.errors import Cause
from svclab.validation.govalue import GoInt
from svclab.validation.meta import validate_labels, validate_object_meta, validate_object_meta_update
from svclab.validation.names import (
    is_dns1123_label,
    is_dns1123_subdomain,
    is_ipv6,
    is_qualified_name,
    is_valid_cidr,
    is_valid_port_name,
    is_valid_port_num,
    name_is_dns1035_label,
    parse_ip_sloppy,
)

SESSION_AFFINITIES = ("ClientIP", "None")
SERVICE_TYPES = ("ClusterIP", "ExternalName", "LoadBalancer", "NodePort")
PROTOCOLS = ("SCTP", "TCP", "UDP")
TRAFFIC_POLICIES = ("Cluster", "Local")
IP_FAMILIES = ("IPv4", "IPv6")
IP_FAMILY_POLICIES = ("PreferDualStack", "RequireDualStack", "SingleStack")
TRAFFIC_DISTRIBUTIONS = ("PreferClose", "PreferSameZone", "PreferSameNode")


def is_headless(svc: dict[str, Any]) -> bool:
    ips = (svc.get("spec") or {}).get("clusterIPs") or []
    return len(ips) == 1 and ips[0] == "None"


def externally_accessible(spec: dict[str, Any]) -> bool:
    """pkg/api/service ExternallyAccessible."""
    kind = spec.get("type")
    return kind in ("LoadBalancer", "NodePort") or (kind == "ClusterIP" and bool(spec.get("externalIPs")))


def needs_health_check(spec: dict[str, Any]) -> bool:
    return spec.get("type") == "LoadBalancer" and spec.get("externalTrafficPolicy") == "Local"


def validate_port_num_or_name(value: Any, path: str) -> list[Cause]:
    """ValidatePortNumOrName (an int is rendered from port.IntValue(), a Go int)."""
    if isinstance(value, str):
        return [f.invalid(path, value, msg) for msg in is_valid_port_name(value)]
    number = int(value or 0)
    return [f.invalid(path, GoInt(number), msg) for msg in is_valid_port_num(number)]


def _validate_service_port(port: dict[str, Any], require_name: bool, names: set[str], path: str) -> list[Cause]:
    causes: list[Cause] = []
    name = port.get("name") or ""
    if require_name and not name:
        causes.append(f.required(f"{path}.name"))
    elif name:
        causes += [f.invalid(f"{path}.name", name, msg) for msg in is_dns1123_label(name)]
        if name in names:
            causes.append(f.duplicate(f"{path}.name", name))
        else:
            names.add(name)
    number = int(port.get("port") or 0)
    causes += [f.invalid(f"{path}.port", number, msg) for msg in is_valid_port_num(number)]
    protocol = port.get("protocol") or ""
    if not protocol:
        causes.append(f.required(f"{path}.protocol"))
    elif protocol not in PROTOCOLS:
        causes.append(f.not_supported(f"{path}.protocol", protocol, PROTOCOLS))
    causes += validate_port_num_or_name(port.get("targetPort", 0), f"{path}.targetPort")
    if port.get("appProtocol") is not None:
        app = port["appProtocol"]
        causes += [f.invalid(f"{path}.appProtocol", app, msg) for msg in is_qualified_name(app)]
    return causes


def _validate_client_ip_affinity(spec: dict[str, Any], path: str) -> list[Cause]:
    config = spec.get("sessionAffinityConfig")
    if config is None:
        return [f.required(path, m.SVC_AFFINITY_CLIENTIP_REQUIRED)]
    client_ip = config.get("clientIP")
    if client_ip is None:
        return [f.required(f"{path}.clientIP", m.SVC_AFFINITY_CLIENTIP_REQUIRED)]
    timeout = client_ip.get("timeoutSeconds")
    if timeout is None:
        return [f.required(f"{path}.clientIP.timeoutSeconds", m.SVC_AFFINITY_CLIENTIP_REQUIRED)]
    if timeout <= 0 or timeout > m.MAX_CLIENT_IP_AFFINITY_SECONDS:
        detail = m.SVC_AFFINITY_TIMEOUT.format(max=m.MAX_CLIENT_IP_AFFINITY_SECONDS)
        return [f.invalid(f"{path}.clientIP.timeoutSeconds", timeout, detail)]
    return []


def validate_cluster_ips_related_fields(svc: dict[str, Any]) -> list[Cause]:
    """ValidateServiceClusterIPsRelatedFields (also run by the allocator before allocating)."""
    spec = svc.get("spec") or {}
    if spec.get("type") == "ExternalName":
        return []
    causes: list[Cause] = []
    has_invalid_ips = False
    cluster_ip = spec.get("clusterIP") or ""
    cluster_ips: list[str] = list(spec.get("clusterIPs") or [])
    families: list[str] = list(spec.get("ipFamilies") or [])
    if cluster_ip:
        if not cluster_ips:
            causes.append(f.required("spec.clusterIPs"))
        elif cluster_ips[0] != cluster_ip:
            causes.append(f.invalid("spec.clusterIPs", cluster_ips, m.SVC_CLUSTERIPS_FIRST_MATCH))
    elif cluster_ips:
        causes.append(f.invalid("spec.clusterIPs", cluster_ips, m.SVC_CLUSTERIPS_EMPTY))
    seen: set[str] = set()
    for i, family in enumerate(families):
        if family not in IP_FAMILIES:
            causes.append(f.not_supported(f"spec.ipFamilies[{i}]", family, IP_FAMILIES))
        if family in seen:
            causes.append(f.duplicate(f"spec.ipFamilies[{i}]", family))
        seen.add(family)
    policy = spec.get("ipFamilyPolicy")
    if policy is not None and policy not in IP_FAMILY_POLICIES:
        causes.append(f.not_supported("spec.ipFamilyPolicy", policy, IP_FAMILY_POLICIES))
    for i, ip in enumerate(cluster_ips):
        if i == 0 and ip == "None":
            if len(cluster_ips) > 1:
                has_invalid_ips = True
                causes.append(f.invalid("spec.clusterIPs", cluster_ips, m.SVC_NONE_FIRST_ONLY))
            continue
        if parse_ip_sloppy(ip) is None:
            has_invalid_ips = True
            causes.append(f.invalid(f"spec.clusterIPs[{i}]", ip, m.VALID_IP))
    if len(cluster_ips) > 2:
        causes.append(f.invalid("spec.clusterIPs", cluster_ips, m.SVC_CLUSTERIPS_MAX_TWO))
    if has_invalid_ips:
        return causes
    if len(cluster_ips) > 1:
        v6 = [is_ipv6(ip) for ip in cluster_ips]
        if not (len(cluster_ips) == 2 and v6[0] != v6[1]):
            causes.append(f.invalid("spec.clusterIPs", cluster_ips, m.SVC_ONE_IP_PER_FAMILY))
    if not is_headless(svc) and cluster_ips and families:
        for i, ip in enumerate(cluster_ips):
            if i > len(families) - 1:
                break
            if families[i] == "IPv4" and is_ipv6(ip):
                causes.append(f.invalid(f"spec.clusterIPs[{i}]", ip, m.SVC_EXPECTED_FAMILY.format(family="IPv4", i=i)))
            if families[i] == "IPv6" and not is_ipv6(ip):
                causes.append(f.invalid(f"spec.clusterIPs[{i}]", ip, m.SVC_EXPECTED_FAMILY.format(family="IPv6", i=i)))
    return causes


def _go_service_port_key(port: dict[str, Any]) -> dict[str, Any]:
    """core.ServicePort{Protocol, Port} as json.Marshal renders the internal (untagged) struct."""
    return {
        "Name": "",
        "Protocol": port.get("protocol") or "",
        "AppProtocol": None,
        "Port": int(port.get("port") or 0),
        "TargetPort": 0,
        "NodePort": 0,
    }


def validate_non_special_ip(ip: str, path: str) -> list[Cause]:
    addr = parse_ip_sloppy(ip)
    if addr is None:
        return [f.invalid(path, ip, m.VALID_IP)]
    causes: list[Cause] = []
    if addr.is_unspecified:
        causes.append(f.invalid(path, ip, m.IP_UNSPECIFIED.format(ip=ip)))
    if addr.is_loopback:
        causes.append(f.invalid(path, ip, m.IP_LOOPBACK))
    if addr.is_link_local and not addr.is_multicast:
        causes.append(f.invalid(path, ip, m.IP_LINK_LOCAL))
    if addr.is_multicast and (str(addr).startswith("224.0.0.") or str(addr).lower().startswith("ff02:")):
        causes.append(f.invalid(path, ip, m.IP_LINK_LOCAL_MULTICAST))
    return causes


def validate_service(svc: dict[str, Any]) -> list[Cause]:
    """ValidateService."""
    spec = svc.get("spec") or {}
    causes = validate_object_meta(svc.get("metadata") or {}, True, name_is_dns1035_label)
    ports: list[dict[str, Any]] = list(spec.get("ports") or [])
    svc_type = spec.get("type") or ""
    headless = is_headless(svc)
    if not ports and not headless and svc_type != "ExternalName":
        causes.append(f.required("spec.ports"))
    if svc_type == "LoadBalancer" and headless:
        causes.append(f.invalid("spec.clusterIPs[0]", spec["clusterIPs"][0], m.SVC_HEADLESS_LOADBALANCER))
    elif svc_type == "NodePort" and headless:
        causes.append(f.invalid("spec.clusterIPs[0]", spec["clusterIPs"][0], m.SVC_HEADLESS_NODEPORT))
    elif svc_type == "ExternalName":
        if spec.get("clusterIPs"):
            causes.append(f.forbidden("spec.clusterIPs", m.SVC_NOT_FOR_EXTERNALNAME))
        if spec.get("ipFamilies"):
            causes.append(f.forbidden("spec.ipFamilies", m.SVC_NOT_FOR_EXTERNALNAME))
        if spec.get("ipFamilyPolicy") is not None:
            causes.append(f.forbidden("spec.ipFamilyPolicy", m.SVC_NOT_FOR_EXTERNALNAME))
        cname = str(spec.get("externalName") or "").removesuffix(".")
        if cname:
            causes += [f.invalid("spec.externalName", cname, msg) for msg in is_dns1123_subdomain(cname)]
        else:
            causes.append(f.required("spec.externalName"))
    names: set[str] = set()
    for i, port in enumerate(ports):
        causes += _validate_service_port(port, len(ports) > 1, names, f"spec.ports[{i}]")
    if spec.get("selector") is not None:
        causes += validate_labels(spec["selector"], "spec.selector")
    affinity = spec.get("sessionAffinity") or ""
    if not affinity:
        causes.append(f.required("spec.sessionAffinity"))
    elif affinity not in SESSION_AFFINITIES:
        causes.append(f.not_supported("spec.sessionAffinity", affinity, SESSION_AFFINITIES))
    if affinity == "ClientIP":
        causes += _validate_client_ip_affinity(spec, "spec.sessionAffinityConfig")
    elif affinity == "None" and spec.get("sessionAffinityConfig") is not None:
        causes.append(f.forbidden("spec.sessionAffinityConfig", m.SVC_AFFINITY_NONE_CONFIG))
    causes += validate_cluster_ips_related_fields(svc)
    for i, ip in enumerate(spec.get("externalIPs") or []):
        if parse_ip_sloppy(ip) is None:
            causes.append(f.invalid(f"spec.externalIPs[{i}]", ip, m.VALID_IP))
        else:
            causes += validate_non_special_ip(ip, f"spec.externalIPs[{i}]")
    if not svc_type:
        causes.append(f.required("spec.type"))
    elif svc_type not in SERVICE_TYPES:
        causes.append(f.not_supported("spec.type", svc_type, SERVICE_TYPES))
    if svc_type == "ClusterIP":
        for i, port in enumerate(ports):
            if port.get("nodePort"):
                causes.append(f.forbidden(f"spec.ports[{i}].nodePort", m.SVC_NODEPORT_ON_CLUSTERIP))
    node_ports: set[tuple[str, int]] = set()
    for i, port in enumerate(ports):
        node_port = int(port.get("nodePort") or 0)
        if not node_port:
            continue
        node_key = (port.get("protocol") or "", node_port)
        if node_key in node_ports:
            causes.append(f.duplicate(f"spec.ports[{i}].nodePort", node_port))
        node_ports.add(node_key)
    port_keys: set[tuple[str, int]] = set()
    for i, port in enumerate(ports):
        port_key = (port.get("protocol") or "", int(port.get("port") or 0))
        if port_key in port_keys:
            causes.append(f.duplicate(f"spec.ports[{i}]", _go_service_port_key(port)))
        port_keys.add(port_key)
    ranges = spec.get("loadBalancerSourceRanges") or []
    if ranges:
        if svc_type != "LoadBalancer":
            causes.append(f.forbidden("spec.LoadBalancerSourceRanges", m.SVC_ONLY_LOADBALANCER))
        for i, value in enumerate(ranges):
            value = value.strip()
            if not is_valid_cidr(value):
                causes.append(f.invalid(f"spec.LoadBalancerSourceRanges[{i}]", value, m.VALID_CIDR))
    if spec.get("allocateLoadBalancerNodePorts") is not None and svc_type != "LoadBalancer":
        causes.append(f.forbidden("spec.allocateLoadBalancerNodePorts", m.SVC_ONLY_LOADBALANCER))
    if svc_type == "LoadBalancer" and spec.get("allocateLoadBalancerNodePorts") is None:
        causes.append(f.required("allocateLoadBalancerNodePorts"))
    causes += _validate_load_balancer_class(None, svc)
    causes += _validate_external_traffic_policy(spec)
    causes += _validate_internal_traffic_policy(spec)
    distribution = spec.get("trafficDistribution")
    if distribution is not None and distribution not in TRAFFIC_DISTRIBUTIONS:
        causes.append(f.not_supported("spec.trafficDistribution", distribution, TRAFFIC_DISTRIBUTIONS))
    return causes


def _validate_load_balancer_class(old: dict[str, Any] | None, svc: dict[str, Any]) -> list[Cause]:
    spec = svc.get("spec") or {}
    causes: list[Cause] = []
    klass = spec.get("loadBalancerClass")
    if old is not None:
        old_spec = old.get("spec") or {}
        if old_spec.get("type") == "LoadBalancer" and spec.get("type") == "LoadBalancer":
            if old_spec.get("loadBalancerClass") != klass:
                causes.append(f.invalid("spec.loadBalancerClass", klass, m.MAY_NOT_CHANGE_ONCE_SET))
    if spec.get("type") == "LoadBalancer":
        if klass is not None:
            causes += [f.invalid("spec.loadBalancerClass", klass, msg) for msg in is_qualified_name(klass)]
    elif klass is not None:
        causes.append(f.forbidden("spec.loadBalancerClass", m.SVC_ONLY_LOADBALANCER))
    return causes


def _validate_external_traffic_policy(spec: dict[str, Any]) -> list[Cause]:
    causes: list[Cause] = []
    policy = spec.get("externalTrafficPolicy") or ""
    if not externally_accessible(spec):
        if policy:
            causes.append(f.invalid("spec.externalTrafficPolicy", policy, m.SVC_ETP_NOT_EXTERNAL))
    elif not policy:
        causes.append(f.required("spec.externalTrafficPolicy"))
    elif policy not in TRAFFIC_POLICIES:
        causes.append(f.not_supported("spec.externalTrafficPolicy", policy, TRAFFIC_POLICIES))
    hcnp = int(spec.get("healthCheckNodePort") or 0)
    if not needs_health_check(spec):
        if hcnp:
            causes.append(f.invalid("spec.healthCheckNodePort", hcnp, m.SVC_HCNP_ONLY_LOCAL_LB))
    elif not hcnp:
        causes.append(f.required("spec.healthCheckNodePort"))
    else:
        causes += [f.invalid("spec.healthCheckNodePort", hcnp, msg) for msg in is_valid_port_num(hcnp)]
    return causes


def _validate_internal_traffic_policy(spec: dict[str, Any]) -> list[Cause]:
    policy = spec.get("internalTrafficPolicy")
    if policy is None:
        if spec.get("type") in ("NodePort", "LoadBalancer", "ClusterIP"):
            return [f.required("spec.internalTrafficPolicy")]
        return []
    if policy not in TRAFFIC_POLICIES:
        return [f.not_supported("spec.internalTrafficPolicy", policy, TRAFFIC_POLICIES)]
    return []


def _validate_upgrade_downgrade_cluster_ips(old: dict[str, Any], svc: dict[str, Any]) -> list[Cause]:
    spec, old_spec = svc.get("spec") or {}, old.get("spec") or {}
    if "ExternalName" in (spec.get("type"), old_spec.get("type")):
        return []
    if is_headless(old) and is_headless(svc):
        return []
    new_ips: list[str] = list(spec.get("clusterIPs") or [])
    old_ips: list[str] = list(old_spec.get("clusterIPs") or [])
    causes: list[Cause] = []
    if len(old_ips) == len(new_ips):
        for i, ip in enumerate(old_ips):
            if ip != new_ips[i]:
                causes.append(f.invalid(f"spec.clusterIPs[{i}]", new_ips, m.MAY_NOT_CHANGE_ONCE_SET))
    elif len(old_ips) > len(new_ips):
        if not new_ips:
            causes.append(f.invalid("spec.clusterIPs[0]", new_ips, m.SVC_PRIMARY_CLUSTERIP_UNSET))
        if old_ips and new_ips and new_ips[0] != old_ips[0]:
            causes.append(f.invalid("spec.clusterIPs[0]", new_ips, m.MAY_NOT_CHANGE_ONCE_SET))
        if len(new_ips) == 1 and spec.get("ipFamilyPolicy") != "SingleStack":
            causes.append(f.invalid("spec.ipFamilyPolicy", spec.get("ipFamilyPolicy"), m.SVC_RELEASE_SECONDARY_IP))
    elif old_ips and new_ips[0] != old_ips[0]:
        causes.append(f.invalid("spec.clusterIPs[0]", new_ips, m.MAY_NOT_CHANGE_ONCE_SET))
    return causes


def _validate_upgrade_downgrade_ip_families(old: dict[str, Any], svc: dict[str, Any]) -> list[Cause]:
    spec, old_spec = svc.get("spec") or {}, old.get("spec") or {}
    if "ExternalName" in (spec.get("type"), old_spec.get("type")):
        return []
    if is_headless(old) != is_headless(svc) or is_headless(svc):
        return []
    new_fams: list[str] = list(spec.get("ipFamilies") or [])
    old_fams: list[str] = list(old_spec.get("ipFamilies") or [])
    new_ips: list[str] = list(spec.get("clusterIPs") or [])
    causes: list[Cause] = []
    if len(old_fams) == len(new_fams):
        for i, family in enumerate(old_fams):
            if family != new_fams[i]:
                causes.append(f.invalid("spec.ipFamilies[0]", new_fams, m.MAY_NOT_CHANGE_ONCE_SET))
    elif len(old_fams) > len(new_fams):
        if not new_ips:
            causes.append(f.invalid("spec.ipFamilies[0]", new_fams, m.SVC_PRIMARY_FAMILY_UNSET))
        if new_fams and new_fams[0] != old_fams[0]:
            causes.append(f.invalid("spec.ipFamilies[0]", new_ips, m.MAY_NOT_CHANGE_ONCE_SET))
        if len(new_fams) == 1 and spec.get("ipFamilyPolicy") != "SingleStack":
            causes.append(f.invalid("spec.ipFamilyPolicy", spec.get("ipFamilyPolicy"), m.SVC_RELEASE_SECONDARY_FAMILY))
    elif old_fams and new_fams and new_fams[0] != old_fams[0]:
        causes.append(f.invalid("spec.ipFamilies[0]", new_ips, m.MAY_NOT_CHANGE_ONCE_SET))
    return causes


def validate_service_update(svc: dict[str, Any], old: dict[str, Any]) -> list[Cause]:
    """ValidateServiceUpdate (run after strategy.prepare_service_update)."""
    causes = validate_object_meta_update(svc.get("metadata") or {}, old.get("metadata") or {})
    causes += _validate_upgrade_downgrade_cluster_ips(old, svc)
    causes += _validate_upgrade_downgrade_ip_families(old, svc)
    causes += _validate_load_balancer_class(old, svc)
    spec, old_spec = svc.get("spec") or {}, old.get("spec") or {}
    if needs_health_check(old_spec) and needs_health_check(spec):
        if spec.get("healthCheckNodePort") != old_spec.get("healthCheckNodePort"):
            causes.append(f.forbidden("spec.healthCheckNodePort", m.FIELD_IMMUTABLE))
    return causes + validate_service(svc)
