"""Starting over: one lesson's namespace (`lab.reset()`), or the whole cluster (`svclab reset`, `make reset`).

Both work through the API, so they behave the same on the embedded cluster and on kind, and a running
notebook stays connected. What a fresh cluster holds is kept: the system namespaces (and everything in
them but `default`), and in `default` the objects every cluster starts with (the `kubernetes` Service
and its endpoints, the `kube-root-ca.crt` ConfigMap, the `default` ServiceAccount).
"""

from __future__ import annotations

import time
from typing import Any

from kubernetes.client import ApiClient

from svclab.lab.errors import WaitTimeout
from svclab.lab.waiting import Backoff
from svclab.lab.manifests import object_path, request
from svclab.resources import RESOURCES, Resource, by_plural

# The namespaces a fresh cluster has (kind's, which the embedded cluster copies).
SYSTEM_NAMESPACES = ("default", "kube-node-lease", "kube-public", "kube-system", "local-path-storage")
# What every cluster holds in `default` from the start: (kind, name).
BUILT_IN = {("Service", "kubernetes"), ("Endpoints", "kubernetes"), ("EndpointSlice", "kubernetes"),
            ("ConfigMap", "kube-root-ca.crt"), ("ServiceAccount", "default")}
# Controllers go first so they cannot replace the pods deleted after them; Services before the
# EndpointSlices their controller would otherwise write again.
ORDER = ("deployments", "statefulsets", "replicasets", "pods", "services")


def _plural_order(res: Resource) -> tuple[int, str]:
    return (ORDER.index(res.plural) if res.plural in ORDER else len(ORDER), res.key)


def _namespaced_kinds() -> list[Resource]:
    """Every namespaced kind, once (the events.k8s.io view of Events is the same objects as v1's)."""
    kinds = [r for r in RESOURCES if r.namespaced and r.group != "events.k8s.io"]
    return sorted(kinds, key=_plural_order)


def _items(api: ApiClient, res: Resource, namespace: str) -> list[dict[str, Any]]:
    status, body = request(api, "GET", object_path(res, namespace))
    return list(body.get("items") or []) if status == 200 and isinstance(body, dict) else []


def empty_namespace(api: ApiClient, namespace: str, timeout: float = 60) -> list[str]:
    """Delete everything in `namespace` except what a fresh cluster has there; returns `kind/name` of what went."""
    gone = []
    for res in _namespaced_kinds():
        for item in _items(api, res, namespace):
            name = item["metadata"]["name"]
            if (res.kind, name) in BUILT_IN:
                continue
            status, _ = request(api, "DELETE", object_path(res, namespace, name), {"gracePeriodSeconds": 0, "propagationPolicy": "Background"})
            if status < 300 and res.kind != "Event":
                gone.append(f"{res.kind.lower()}/{name}")
    pods = by_plural("", "pods")
    assert pods is not None
    deadline = time.monotonic() + timeout
    pause = Backoff(0.2)
    while _items(api, pods, namespace):
        if time.monotonic() > deadline:
            raise WaitTimeout(f"pods in namespace {namespace} are still terminating after {timeout:.0f}s")
        pause.sleep()
    return gone


def namespaces(api: ApiClient) -> list[str]:
    res = by_plural("", "namespaces")
    assert res is not None
    return [item["metadata"]["name"] for item in _items(api, res, "")]


def delete_namespace(api: ApiClient, namespace: str, timeout: float = 60) -> None:
    """Delete a namespace and wait until it is gone (its objects go with it)."""
    res = by_plural("", "namespaces")
    assert res is not None
    request(api, "DELETE", object_path(res, None, namespace))
    deadline = time.monotonic() + timeout
    pause = Backoff(0.2)
    while namespace in namespaces(api):
        if time.monotonic() > deadline:
            raise WaitTimeout(f"namespace {namespace} is still terminating after {timeout:.0f}s")
        pause.sleep()


def reset_cluster(api: ApiClient, timeout: float = 120) -> list[str]:
    """Back to a fresh cluster: every namespace a learner made is deleted, and `default` is emptied.

    Returns what was removed: `namespace/NAME` for namespaces, `kind/name` for objects in `default`.
    """
    removed = []
    for namespace in namespaces(api):
        if namespace not in SYSTEM_NAMESPACES:
            delete_namespace(api, namespace, timeout)
            removed.append(f"namespace/{namespace}")
    removed += empty_namespace(api, "default", timeout)
    return removed
