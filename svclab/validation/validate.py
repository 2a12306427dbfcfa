"""Entry points: validate_create / validate_update by resource kind (run after defaulting)."""

from __future__ import annotations

from typing import Any, Callable

from svclab.resources import Resource
from svclab.validation import apps, discovery, event, node, pod, podstatus, service
from svclab.validation.errors import Cause
from svclab.validation.meta import validate_object_meta, validate_object_meta_update
from svclab.validation.names import name_is_dns_subdomain

CreateFn = Callable[[dict[str, Any]], list[Cause]]
UpdateFn = Callable[[dict[str, Any], dict[str, Any]], list[Cause]]

_CREATE: dict[tuple[str, str], CreateFn] = {
    ("", "Pod"): pod.validate_pod,
    ("", "Service"): service.validate_service,
    ("", "Namespace"): discovery.validate_namespace,
    ("", "Node"): node.validate_node,
    ("", "Event"): event.validate_event,
    ("apps", "Deployment"): apps.validate_deployment,
    ("apps", "ReplicaSet"): apps.validate_replicaset,
    ("apps", "StatefulSet"): apps.validate_statefulset,
    ("discovery.k8s.io", "EndpointSlice"): discovery.validate_endpointslice,
}

_UPDATE: dict[tuple[str, str], UpdateFn] = {
    ("", "Pod"): pod.validate_pod_update,
    ("", "Service"): service.validate_service_update,
    ("", "Namespace"): discovery.validate_namespace_update,
    ("", "Node"): node.validate_node_update,
    ("", "Event"): event.validate_event_update,
    ("apps", "Deployment"): apps.validate_deployment_update,
    ("apps", "ReplicaSet"): apps.validate_replicaset_update,
    ("apps", "StatefulSet"): apps.validate_statefulset_update,
    ("discovery.k8s.io", "EndpointSlice"): discovery.validate_endpointslice_update,
}


def validate_create(resource: Resource, obj: dict[str, Any]) -> list[Cause]:
    """The field errors a v1.35 server reports when creating ``obj`` (empty: valid).

    Kinds without specific rules get ObjectMeta validation with DNS-1123 subdomain names.
    """
    fn = _CREATE.get((resource.group, resource.kind))
    if fn is not None:
        return fn(obj)
    return validate_object_meta(obj.get("metadata") or {}, resource.namespaced, name_is_dns_subdomain)


# The status subresource's strategies validate the status (and the metadata update) only; a Node's
# status strategy runs the same ValidateNodeUpdate as its main one.
_STATUS_UPDATE: dict[tuple[str, str], UpdateFn] = {
    ("", "Pod"): podstatus.validate_pod_status_update,
    ("", "Node"): node.validate_node_update,
}


def validate_update(resource: Resource, obj: dict[str, Any], old: dict[str, Any], subresource: str = "") -> list[Cause]:
    """The field errors a v1.35 server reports when replacing ``old`` by ``obj`` (through
    ``subresource`` when given: "status" validates what a status write may change)."""
    if subresource == "status":
        status_fn = _STATUS_UPDATE.get((resource.group, resource.kind))
        if status_fn is not None:
            return status_fn(obj, old)
        return validate_object_meta_update(obj.get("metadata") or {}, old.get("metadata") or {})
    fn = _UPDATE.get((resource.group, resource.kind))
    if fn is not None:
        return fn(obj, old)
    return validate_object_meta_update(obj.get("metadata") or {}, old.get("metadata") or {})
