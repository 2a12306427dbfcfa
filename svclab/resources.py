"""Every resource kind the embedded cluster serves, described once.

Routing, discovery, printing and the object store all derive from this table
(the lightkube way): add a row here and the kind is served everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")


@dataclass(frozen=True)
class Resource:
    group: str  # "" for the core group
    version: str
    kind: str
    plural: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ALL_VERBS
    subresources: tuple[str, ...] = ()
    singular: str = field(default="")

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def group_version(self) -> str:
        return self.api_version

    @property
    def singular_name(self) -> str:
        return self.singular or self.kind.lower()

    @property
    def key(self) -> str:
        """Store key: plural.group (core resources: just the plural)."""
        return f"{self.plural}.{self.group}" if self.group else self.plural


RESOURCES: tuple[Resource, ...] = (
    Resource("", "v1", "Namespace", "namespaces", False, ("ns",), (), ("create", "delete", "get", "list", "patch", "update", "watch"), ("status", "finalize")),
    Resource("", "v1", "Node", "nodes", False, ("no",), (), ALL_VERBS, ("status", "proxy")),
    Resource("", "v1", "Pod", "pods", True, ("po",), ("all",), ALL_VERBS, ("status", "exec", "log", "attach", "binding", "eviction", "portforward", "proxy", "ephemeralcontainers", "resize")),
    Resource("", "v1", "Service", "services", True, ("svc",), ("all",), ALL_VERBS, ("status", "proxy")),
    Resource("", "v1", "Endpoints", "endpoints", True, ("ep",), (), ALL_VERBS, (), "endpoints"),
    Resource("", "v1", "Event", "events", True, ("ev",), (), ALL_VERBS),
    Resource("", "v1", "ConfigMap", "configmaps", True, ("cm",), (), ALL_VERBS),
    Resource("", "v1", "ServiceAccount", "serviceaccounts", True, ("sa",), (), ALL_VERBS, ("token",)),
    Resource("apps", "v1", "Deployment", "deployments", True, ("deploy",), ("all",), ALL_VERBS, ("status", "scale")),
    Resource("apps", "v1", "ReplicaSet", "replicasets", True, ("rs",), ("all",), ALL_VERBS, ("status", "scale")),
    Resource("apps", "v1", "StatefulSet", "statefulsets", True, ("sts",), ("all",), ALL_VERBS, ("status", "scale")),
    Resource("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", True, (), (), ALL_VERBS),
    Resource("events.k8s.io", "v1", "Event", "events", True, ("ev",), (), ALL_VERBS),
)

GROUP_ORDER: tuple[str, ...] = ("", "apps", "discovery.k8s.io", "events.k8s.io")


def by_plural(group: str, plural: str) -> Resource | None:
    for res in RESOURCES:
        if res.group == group and res.plural == plural:
            return res
    return None


def by_kind(api_version: str, kind: str) -> Resource | None:
    for res in RESOURCES:
        if res.api_version == api_version and res.kind == kind:
            return res
    return None


def of_group(group: str) -> list[Resource]:
    return [res for res in RESOURCES if res.group == group]


def resource(group: str, plural: str) -> Resource:
    """The served resource, or KeyError: for names the code itself spells (unlike URLs, never wrong at run time)."""
    found = by_plural(group, plural)
    if found is None:
        raise KeyError(f"{plural}.{group}" if group else plural)
    return found


NAMESPACES = resource("", "namespaces")
NODES = resource("", "nodes")
PODS = resource("", "pods")
SERVICES = resource("", "services")
ENDPOINTS = resource("", "endpoints")
EVENTS = resource("", "events")
DEPLOYMENTS = resource("apps", "deployments")
REPLICASETS = resource("apps", "replicasets")
STATEFULSETS = resource("apps", "statefulsets")
ENDPOINT_SLICES = resource("discovery.k8s.io", "endpointslices")
