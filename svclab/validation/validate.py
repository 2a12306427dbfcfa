"""Entry points: validate_create / validate_update by resource kind (run after defaulting)."""

from __future__ import annotations

from typing import Any, Callable

from svclab.resources import Resource
from svclab.validation import apps, discovery, pod, service
from svclab.validation.errors import Cause
from svclab.validation.meta import validate_object_meta, validate_object_meta_update
from svclab.validation.names import name_is_dns_subdomain

CreateFn = Callable[[dict[str, Any]], list[Cause]]
UpdateFn = Callable[[dict[str, Any], dict[str, Any]], list[Cause]]

_CREATE: dict[tuple[str, str], CreateFn] = {
    ("", "Pod"): pod.validate_pod,
    ("", "Service"): service.validate_service,
    ("", "Namespace"): discovery.validate_namespace,
    ("apps", "Deployment"): apps.validate_deployment,
    ("apps", "ReplicaSet"): apps.validate_replicaset,
    ("apps", "StatefulSet"): apps.validate_statefulset,
    ("discovery.k8s.io", "EndpointSlice"): discovery.validate_endpointslice,
}

_UPDATE: dict[tuple[str, str], UpdateFn] = {
    ("", "Pod"): pod.validate_pod_update,
    ("", "Service"): service.validate_service_update,
    ("", "Namespace"): discovery.validate_namespace_update,
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


def validate_update(resource: Resource, obj: dict[str, Any], old: dict[str, Any]) -> list[Cause]:
    """The field errors a v1.35 server reports when replacing ``old`` by ``obj``."""
    fn = _UPDATE.get((resource.group, resource.kind))
    if fn is not None:
        return fn(obj, old)
    return validate_object_meta_update(obj.get("metadata") or {}, old.get("metadata") or {})
