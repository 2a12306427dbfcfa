"""kube-proxy's iptables chain names (``pkg/proxy/iptables/proxier.go``: ``portProtoHash``,
``servicePortPolicyClusterChain``, ``servicePortEndpointChainName``): the first 16 characters of
base32(sha256(servicePortName + protocol [+ endpoint])), behind a fixed prefix.

``servicePortName`` is ``ServicePortName.String()``: ``<namespace>/<name>``, then ``:<port name>``
when the port has a name; ``protocol`` is lower-case (``tcp``); ``endpoint`` is ``<ip>:<port>``.
"""

from __future__ import annotations

import base64
import hashlib

SVC = "KUBE-SVC-"
SVL = "KUBE-SVL-"
EXT = "KUBE-EXT-"
FW = "KUBE-FW-"
SEP = "KUBE-SEP-"
SERVICE_CHAIN_PREFIXES = (SVC, SVL, EXT, FW, SEP)


def service_port_name(namespace: str, name: str, port_name: str = "") -> str:
    """``proxy.ServicePortName.String()``."""
    return f"{namespace}/{name}" + (f":{port_name}" if port_name else "")


def _hash16(text: str) -> str:
    return base64.b32encode(hashlib.sha256(text.encode()).digest()).decode()[:16]


def port_proto_hash(svc_port_name: str, protocol: str) -> str:
    return _hash16(svc_port_name + protocol.lower())


def cluster_chain(svc_port_name: str, protocol: str) -> str:
    return SVC + port_proto_hash(svc_port_name, protocol)


def local_chain(svc_port_name: str, protocol: str) -> str:
    return SVL + port_proto_hash(svc_port_name, protocol)


def external_chain(svc_port_name: str, protocol: str) -> str:
    return EXT + port_proto_hash(svc_port_name, protocol)


def firewall_chain(svc_port_name: str, protocol: str) -> str:
    return FW + port_proto_hash(svc_port_name, protocol)


def endpoint_chain(svc_port_name: str, protocol: str, endpoint: str) -> str:
    return SEP + _hash16(svc_port_name + protocol.lower() + endpoint)


def is_service_chain(chain: str) -> bool:
    return chain.startswith(SERVICE_CHAIN_PREFIXES)
