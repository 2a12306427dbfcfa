"""The errors the Service allocators return, as Status objects.

Mirrors pkg/registry/core/service/storage/alloc.go (allocIPs, initNodePorts,
updateNodePorts) with the ipallocator and portallocator error texts.
"""

from __future__ import annotations

from svclab.resources import SERVICES as _SERVICE
from svclab.validation import errors
from svclab.validation import field as f
from svclab.validation import messages as m
from svclab.validation.errors import ApiError



def cluster_ip_already_allocated(name: str, cluster_ips: list[str], ip: str) -> ApiError:
    """``spec.clusterIPs: Invalid value: ["10.96.0.10"]: failed to allocate IP 10.96.0.10: provided IP is already allocated``."""
    detail = m.SVC_FAILED_TO_ALLOCATE_IP.format(ip=ip, reason=m.IP_ALREADY_ALLOCATED)
    return errors.invalid(_SERVICE, name, [f.invalid("spec.clusterIPs", list(cluster_ips), detail)])


def cluster_ip_not_in_range(name: str, cluster_ips: list[str], ip: str, valid_range: str) -> ApiError:
    """The requested clusterIP lies outside the service CIDR."""
    reason = m.IP_NOT_IN_RANGE.format(ip=ip, valid=valid_range)
    detail = m.SVC_FAILED_TO_ALLOCATE_IP.format(ip=ip, reason=reason)
    return errors.invalid(_SERVICE, name, [f.invalid("spec.clusterIPs", list(cluster_ips), detail)])


def cluster_ip_range_full() -> ApiError:
    """AllocateNext failed: ``Internal error occurred: failed to allocate a serviceIP: range is full``."""
    return errors.internal_error(m.FAILED_TO_ALLOCATE_SERVICE_IP.format(reason=m.IP_RANGE_FULL))


def node_port_already_allocated(name: str, index: int, node_port: int) -> ApiError:
    """``spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated``."""
    cause = f.invalid(f"spec.ports[{index}].nodePort", node_port, m.PORT_ALREADY_ALLOCATED)
    return errors.invalid(_SERVICE, name, [cause])


def node_port_not_in_range(name: str, index: int, node_port: int, low: int = 30000, high: int = 32767) -> ApiError:
    """``... provided port is not in the valid range. The range of valid ports is 30000-32767``."""
    detail = m.PORT_NOT_IN_RANGE.format(valid=f"{low}-{high}")
    return errors.invalid(_SERVICE, name, [f.invalid(f"spec.ports[{index}].nodePort", node_port, detail)])


def node_port_range_full() -> ApiError:
    return errors.internal_error(m.FAILED_TO_ALLOCATE_NODE_PORT.format(reason=m.PORT_RANGE_FULL))


def health_check_node_port_refused(port: int, reason: str) -> ApiError:
    """A requested healthCheckNodePort that cannot be had: ``Internal error occurred: failed to allocate requested
    HealthCheck NodePort 30080: provided port is already allocated``."""
    return errors.internal_error(m.FAILED_TO_ALLOCATE_REQUESTED_HCNP.format(port=port, reason=reason))


def health_check_node_port_range_full() -> ApiError:
    return errors.internal_error(m.FAILED_TO_ALLOCATE_HCNP.format(reason=m.PORT_RANGE_FULL))
