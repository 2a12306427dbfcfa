"""Build manifests, default them, validate them and render the server's message."""

from __future__ import annotations

import copy
from typing import Any

from svclab.resources import DEPLOYMENTS as DEPLOYMENT
from svclab.resources import ENDPOINT_SLICES as ENDPOINTSLICE
from svclab.resources import NAMESPACES as NAMESPACE
from svclab.resources import PODS as POD
from svclab.resources import REPLICASETS as REPLICASET
from svclab.resources import SERVICES as SERVICE
from svclab.resources import STATEFULSETS as STATEFULSET
from svclab.resources import Resource
from svclab.validation import apply_defaults, errors, validate_create, validate_update
from svclab.validation.strategy import prepare_for_create, prepare_for_update

__all__ = ["DEPLOYMENT", "ENDPOINTSLICE", "NAMESPACE", "POD", "REPLICASET", "SERVICE", "STATEFULSET"]


def service(name: str = "web", **spec: Any) -> dict[str, Any]:
    spec.setdefault("selector", {"app": "web"})
    spec.setdefault("ports", [{"port": 80}])
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": "default"}, "spec": spec}


def pod_spec(**extra: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [{"name": "app", "image": "nginx:1.27"}]}
    spec.update(extra)
    return spec


def pod(name: str = "client", **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "default"}, "spec": pod_spec(**spec)}


def workload(kind: str, name: str = "web", labels: dict[str, str] | None = None, **spec: Any) -> dict[str, Any]:
    labels = {"app": "web"} if labels is None else labels
    spec.setdefault("selector", {"matchLabels": {"app": "web"}})
    spec.setdefault("template", {"metadata": {"labels": labels}, "spec": pod_spec()})
    return {"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": name, "namespace": "default"}, "spec": spec}


def message(resource: Resource, obj: dict[str, Any]) -> str:
    """The Status message a create returns ('' when valid)."""
    obj = copy.deepcopy(obj)
    apply_defaults(resource, obj)
    prepare_for_create((resource.group, resource.kind), obj)
    causes = validate_create(resource, obj)
    if not causes:
        return ""
    return errors.invalid(resource, obj["metadata"].get("name", ""), causes).message


def update_message(resource: Resource, new: dict[str, Any], old: dict[str, Any]) -> str:
    """The Status message an update returns ('' when valid); both objects are defaulted."""
    new, old = copy.deepcopy(new), copy.deepcopy(old)
    apply_defaults(resource, old)
    prepare_for_create((resource.group, resource.kind), old)
    apply_defaults(resource, new, creating=False)
    prepare_for_update((resource.group, resource.kind), new, old)
    for obj in (old, new):
        obj["metadata"].setdefault("resourceVersion", "1")
        obj["metadata"].setdefault("uid", "u-1")
    causes = validate_update(resource, new, old)
    if not causes:
        return ""
    return errors.invalid(resource, new["metadata"].get("name", ""), causes).message
