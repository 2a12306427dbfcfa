"""kind's v1alpha4 config, as kind itself reads it: strict YAML decoding, defaulting, validation.

Field names and types are copied from kubernetes-sigs/kind ``pkg/apis/config/v1alpha4/types.go``
(yaml tags); defaults from ``v1alpha4/default.go``; the checks from
``pkg/internal/apis/config/validate.go``. kind decodes with ``yaml.v3`` ``KnownFields(true)``
(``pkg/internal/apis/config/encoding/load.go``), so an unknown or misspelt field is an error.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

Schema = Any  # a type, a one-element list [item schema], a dict of fields, or ("map", key, value)

PATCH_JSON6902: dict[str, Schema] = {"group": str, "version": str, "kind": str, "patch": str}
MOUNT: dict[str, Schema] = {"containerPath": str, "hostPath": str, "readOnly": bool, "selinuxRelabel": bool, "propagation": str}
PORT_MAPPING: dict[str, Schema] = {"containerPort": int, "hostPort": int, "listenAddress": str, "protocol": str}
NODE: dict[str, Schema] = {
    "role": str,
    "image": str,
    "labels": ("map", str, str),
    "extraMounts": [MOUNT],
    "extraPortMappings": [PORT_MAPPING],
    "gpus": str,
    "kubeadmConfigPatches": [str],
    "kubeadmConfigPatchesJSON6902": [PATCH_JSON6902],
}
NETWORKING: dict[str, Schema] = {
    "ipFamily": str,
    "apiServerPort": int,
    "apiServerAddress": str,
    "podSubnet": str,
    "serviceSubnet": str,
    "disableDefaultCNI": bool,
    "kubeProxyMode": str,
    "dnsSearch": [str],
}
CLUSTER: dict[str, Schema] = {
    "kind": str,
    "apiVersion": str,
    "name": str,
    "nodes": [NODE],
    "networking": NETWORKING,
    "featureGates": ("map", str, bool),
    "runtimeConfig": ("map", str, str),
    "kubeadmConfigPatches": [str],
    "kubeadmConfigPatchesJSON6902": [PATCH_JSON6902],
    "containerdConfigPatches": [str],
    "containerdConfigPatchesJSON6902": [str],
}

VALID_NAME = re.compile(r"^[a-z0-9.-]+$")
ROLES = ("control-plane", "worker")
PROTOCOLS = ("TCP", "UDP", "SCTP")
PROXY_MODES = ("iptables", "ipvs", "nftables", "none")
IP_FAMILIES = ("ipv4", "ipv6", "dual")


def decode_errors(value: Any, schema: Schema, where: str = "") -> list[str]:
    """Strict decoding: every field known, every value of its declared type."""
    if isinstance(schema, dict):
        if not isinstance(value, dict):
            return [f"{where or '.'}: expected a mapping, got {type(value).__name__}"]
        errors = [f"{where}.{key}: field not found in type" for key in value if key not in schema]
        for key, item in value.items():
            if key in schema and item is not None:
                errors += decode_errors(item, schema[key], f"{where}.{key}")
        return errors
    if isinstance(schema, list):
        if not isinstance(value, list):
            return [f"{where}: expected a sequence"]
        return [e for i, item in enumerate(value) for e in decode_errors(item, schema[0], f"{where}[{i}]")]
    if isinstance(schema, tuple):
        if not isinstance(value, dict):
            return [f"{where}: expected a mapping"]
        return [e for k, v in value.items() for e in decode_errors(k, schema[1], f"{where} key") + decode_errors(v, schema[2], f"{where}.{k}")]
    if schema is int and (isinstance(value, bool) or not isinstance(value, int)):
        return [f"{where}: expected an integer, got {value!r}"]
    if schema is not int and not isinstance(value, schema):
        return [f"{where}: expected {schema.__name__}, got {value!r}"]
    return []


def with_defaults(config: dict[str, Any], default_image: str) -> dict[str, Any]:
    """SetDefaultsCluster / SetDefaultsNode from v1alpha4/default.go."""
    out = dict(config)
    nodes = [dict(n) for n in out.get("nodes") or [{}]]
    for node in nodes:
        node.setdefault("image", default_image)
        node.setdefault("role", "control-plane")
    out["nodes"] = nodes
    net = dict(out.get("networking") or {})
    net.setdefault("ipFamily", "ipv4")
    v6 = net["ipFamily"] == "ipv6"
    net.setdefault("apiServerAddress", "::1" if v6 else "127.0.0.1")
    net.setdefault("podSubnet", "fd00:10:244::/64" if v6 else "10.244.0.0/16")
    net.setdefault("serviceSubnet", "fd00:10:96::/112" if v6 else "10.96.0.0/16")
    net.setdefault("kubeProxyMode", "iptables")
    out["networking"] = net
    return out


def _port_error(port: int) -> str | None:
    return f"invalid port number: {port}" if port < -1 or port > 65535 else None


def _subnet_errors(value: str, family: str) -> list[str]:
    try:
        nets = [ipaddress.ip_network(part, strict=False) for part in value.split(",")]
    except ValueError as exc:
        return [f"failed to parse cidr value:{value!r} with error: {exc}"]
    if family != "dual" and len(nets) > 1:
        return ["only one CIDR allowed for single-stack networking"]
    if family == "ipv4" and nets[0].version != 4:
        return ["expected IPv4 CIDR for IPv4 family"]
    if family == "ipv6" and nets[0].version != 6:
        return ["expected IPv6 CIDR for IPv6 family"]
    return []


def validation_errors(cluster: dict[str, Any]) -> list[str]:
    """Cluster.Validate and Node.Validate from validate.go, on a defaulted config."""
    errors: list[str] = []
    name = cluster.get("name", "")
    if not VALID_NAME.match(name):
        errors.append(f"'{name}' is not a valid cluster name, cluster names must match `{VALID_NAME.pattern}`")
    net = cluster["networking"]
    if "apiServerPort" in net and net["apiServerPort"] != 0 and (err := _port_error(net["apiServerPort"])):
        errors.append(f"invalid apiServerPort: {err}")
    if net["ipFamily"] not in IP_FAMILIES:
        errors.append(f"invalid ipFamily: {net['ipFamily']}")
    errors += [f"invalid pod subnet {e}" for e in _subnet_errors(net["podSubnet"], net["ipFamily"])]
    errors += [f"invalid service subnet {e}" for e in _subnet_errors(net["serviceSubnet"], net["ipFamily"])]
    if net["kubeProxyMode"] not in PROXY_MODES:
        errors.append(f"invalid kubeProxyMode: {net['kubeProxyMode']}")
    for i, node in enumerate(cluster["nodes"]):
        if node["role"] not in ROLES:
            errors.append(f"invalid configuration for node {i}: {node['role']!r} is not a valid node role")
        if not node["image"]:
            errors.append(f"invalid configuration for node {i}: image is a required field")
        bound: dict[str, set[str]] = {}
        for mapping in node.get("extraPortMappings") or []:
            for key in ("hostPort", "containerPort"):
                if err := _port_error(int(mapping.get(key, 0))):
                    errors.append(f"invalid configuration for node {i}: invalid {key}: {err}")
            protocol = mapping.get("protocol", "TCP")
            if protocol not in PROTOCOLS:
                errors.append(f"invalid configuration for node {i}: invalid protocol {protocol!r}")
            host_port = int(mapping.get("hostPort", 0))
            if host_port in (-1, 0):
                continue
            address = str(ipaddress.ip_address(mapping.get("listenAddress", "0.0.0.0")))
            address = "0.0.0.0" if address == "::" else address
            key = f"{host_port}/{protocol}"
            taken = bound.setdefault(key, set())
            if address in taken or "0.0.0.0" in taken or (address == "0.0.0.0" and taken):
                errors.append(f"invalid configuration for node {i}: port mapping with same listen address, port and protocol already configured: {address}:{key}")
            taken.add(address)
    if not any(node["role"] == "control-plane" for node in cluster["nodes"]):
        errors.append("must have at least one control-plane node")
    return errors


def load_errors(config: Any, default_image: str) -> list[str]:
    """Everything kind would refuse in this (already YAML-parsed) config; [] when it loads."""
    if not isinstance(config, dict):
        return ["config is not a mapping"]
    if config.get("apiVersion") != "kind.x-k8s.io/v1alpha4":
        return [f"unknown apiVersion: {config.get('apiVersion')}"]
    if config.get("kind") != "Cluster":
        return [f"unknown kind {config.get('kind')} for apiVersion: kind.x-k8s.io/v1alpha4"]
    errors = decode_errors(config, CLUSTER)
    return errors or validation_errors(with_defaults(config, default_image))
