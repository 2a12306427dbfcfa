"""Patch metadata of the served kinds, as data.

Each struct type lists only the fields that carry merge metadata or lead to
such fields.  Strategies and merge keys are the ``patchStrategy`` /
``patchMergeKey`` struct tags of ``k8s.io/api`` (v1.35); list types, list map
keys and atomic maps/structs are the ``+listType`` / ``+listMapKey`` /
``+mapType`` / ``+structType`` markers that server-side apply reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from svclab.resources import Resource


@dataclass(frozen=True)
class FieldMeta:
    """Metadata of one JSON field of a struct."""

    type: str | None = None  # struct type of the value (of the element for lists)
    strategy: str = ""  # patchStrategy tag: "merge", "replace", "retainKeys", "merge,retainKeys"
    merge_key: str = ""  # patchMergeKey tag
    list_type: str = ""  # +listType: "map" | "set" | "atomic" ("" = derived from the tags)
    list_keys: tuple[str, ...] = ()  # +listMapKey (defaults to the merge key)
    atomic: bool = False  # +mapType=atomic on this field
    value: bool = False  # a non-pointer Go struct: present even in a zero object

    def strategies(self) -> list[str]:
        return [s for s in self.strategy.split(",") if s]

    @property
    def patch_strategy(self) -> str:
        """The strategy without retainKeys ("merge", "replace" or "")."""
        rest = [s for s in self.strategies() if s != "retainKeys"]
        return rest[0] if rest else ""

    @property
    def retain_keys(self) -> bool:
        return "retainKeys" in self.strategies()

    @property
    def ssa_list_type(self) -> str:
        if self.list_type:
            return self.list_type
        if self.patch_strategy == "merge":
            return "map" if self.merge_key else "set"
        return "atomic"

    @property
    def ssa_keys(self) -> tuple[str, ...]:
        return self.list_keys or ((self.merge_key,) if self.merge_key else ())


NONE = FieldMeta()
Types = Mapping[str, Mapping[str, FieldMeta]]


def _s(type_: str, *, value: bool = False, strategy: str = "") -> FieldMeta:
    return FieldMeta(type=type_, value=value, strategy=strategy)


def _merge(key: str, type_: str | None = None, *keys: str, retain: bool = False) -> FieldMeta:
    return FieldMeta(type=type_, strategy="merge,retainKeys" if retain else "merge", merge_key=key,
                     list_type="map", list_keys=keys or (key,))


_SET = FieldMeta(strategy="merge", list_type="set")
_ATOMIC_LIST = FieldMeta(list_type="atomic")


def _atomic_list(type_: str) -> FieldMeta:
    return FieldMeta(type=type_, list_type="atomic")


_CONDITIONS = _merge("type")

# Struct types marked +structType=atomic (owned as a whole by server-side apply).
ATOMIC_TYPES: frozenset[str] = frozenset({"LabelSelector", "LocalObjectReference", "OwnerReference",
                                          "ObjectReference"})

TYPES: dict[str, dict[str, FieldMeta]] = {
    "ObjectMeta": {
        "ownerReferences": _merge("uid", "OwnerReference"),
        "finalizers": _SET,
        "managedFields": _ATOMIC_LIST,
    },
    "PodTemplateSpec": {"metadata": _s("ObjectMeta", value=True), "spec": _s("PodSpec", value=True)},
    "PodSpec": {
        "volumes": _merge("name", "Volume", retain=True),
        "initContainers": _merge("name", "Container"),
        "containers": _merge("name", "Container"),
        "ephemeralContainers": _merge("name", "Container"),
        "imagePullSecrets": _merge("name", "LocalObjectReference"),
        "tolerations": _ATOMIC_LIST,
        "hostAliases": _merge("ip"),
        "topologySpreadConstraints": _merge("topologyKey", None, "topologyKey", "whenUnsatisfiable"),
        "readinessGates": _ATOMIC_LIST,
        "schedulingGates": _merge("name"),
        "resourceClaims": _merge("name", retain=True),
        "nodeSelector": FieldMeta(atomic=True),
        "securityContext": _s("PodSecurityContext"),
        "dnsConfig": _s("PodDNSConfig"),
    },
    "PodSecurityContext": {"supplementalGroups": _ATOMIC_LIST, "sysctls": _ATOMIC_LIST},
    "PodDNSConfig": {"nameservers": _ATOMIC_LIST, "searches": _ATOMIC_LIST, "options": _ATOMIC_LIST},
    "Volume": {"configMap": _s("KeyToPathSource"), "secret": _s("KeyToPathSource")},
    "KeyToPathSource": {"items": _ATOMIC_LIST},
    "Container": {
        "ports": _merge("containerPort", None, "containerPort", "protocol"),
        "env": _merge("name"),
        "envFrom": _ATOMIC_LIST,
        "volumeMounts": _merge("mountPath"),
        "volumeDevices": _merge("devicePath"),
        "resizePolicy": _ATOMIC_LIST,
        "command": _ATOMIC_LIST,
        "args": _ATOMIC_LIST,
        "resources": _s("ResourceRequirements"),
    },
    "ResourceRequirements": {"claims": FieldMeta(list_type="map", list_keys=("name",))},
    "PodStatus": {
        "conditions": _CONDITIONS,
        "podIPs": _merge("ip"),
        "hostIPs": _merge("ip"),
        "resourceClaimStatuses": _merge("name", retain=True),
    },
    "ServiceSpec": {
        "ports": _merge("port", None, "port", "protocol"),
        "selector": FieldMeta(atomic=True),
        "clusterIPs": _ATOMIC_LIST,
        "externalIPs": _ATOMIC_LIST,
        "ipFamilies": _ATOMIC_LIST,
        "loadBalancerSourceRanges": _ATOMIC_LIST,
    },
    "ServiceStatus": {"conditions": _CONDITIONS},
    "DeploymentSpec": {
        "selector": _s("LabelSelector"),
        "template": _s("PodTemplateSpec", value=True),
        "strategy": _s("DeploymentStrategy", value=True, strategy="retainKeys"),
    },
    "DeploymentStrategy": {},
    "ReplicaSetSpec": {"selector": _s("LabelSelector"), "template": _s("PodTemplateSpec", value=True)},
    "StatefulSetSpec": {
        "selector": _s("LabelSelector"),
        "template": _s("PodTemplateSpec", value=True),
        "volumeClaimTemplates": _ATOMIC_LIST,
        "updateStrategy": _s("StatefulSetUpdateStrategy", value=True),
    },
    "StatefulSetUpdateStrategy": {},
    "LabelSelector": {"matchExpressions": _ATOMIC_LIST},
    "WorkloadStatus": {"conditions": _CONDITIONS},
    "NamespaceSpec": {"finalizers": _ATOMIC_LIST},
    "NamespaceStatus": {"conditions": _CONDITIONS},
    "NodeSpec": {"podCIDRs": _SET, "taints": _ATOMIC_LIST},
    "NodeStatus": {"conditions": _CONDITIONS, "addresses": _merge("type"), "images": _ATOMIC_LIST,
                   "volumesInUse": _ATOMIC_LIST, "volumesAttached": _ATOMIC_LIST},
    "EndpointSliceEndpoint": {"addresses": _SET},
    "ServiceAccount": {},
}


def _root(spec: str | None = None, status: str | None = None, **extra: FieldMeta) -> dict[str, FieldMeta]:
    fields: dict[str, FieldMeta] = {"metadata": _s("ObjectMeta", value=True)}
    if spec:
        fields["spec"] = _s(spec, value=True)
    if status:
        fields["status"] = _s(status, value=True)
    fields.update(extra)
    return fields


# Root struct of every served kind, keyed by (group, kind).
ROOTS: dict[tuple[str, str], dict[str, FieldMeta]] = {
    ("", "Pod"): _root("PodSpec", "PodStatus"),
    ("", "Service"): _root("ServiceSpec", "ServiceStatus"),
    ("", "Endpoints"): _root(subsets=_ATOMIC_LIST),
    ("", "Event"): _root(),
    ("", "ConfigMap"): _root(),
    ("", "ServiceAccount"): _root(secrets=_merge("name"), imagePullSecrets=_atomic_list("LocalObjectReference")),
    ("", "Namespace"): _root("NamespaceSpec", "NamespaceStatus"),
    ("", "Node"): _root("NodeSpec", "NodeStatus"),
    ("apps", "Deployment"): _root("DeploymentSpec", "WorkloadStatus"),
    ("apps", "ReplicaSet"): _root("ReplicaSetSpec", "WorkloadStatus"),
    ("apps", "StatefulSet"): _root("StatefulSetSpec", "WorkloadStatus"),
    ("discovery.k8s.io", "EndpointSlice"): _root(endpoints=_atomic_list("EndpointSliceEndpoint"),
                                                 ports=_ATOMIC_LIST),
    ("events.k8s.io", "Event"): _root(),
}


class Schema:
    """A position in the type tree: answers field metadata lookups."""

    __slots__ = ("types", "fields", "type_name")

    def __init__(self, types: Types, fields: Mapping[str, FieldMeta] | None, type_name: str | None = None):
        self.types = types
        self.fields: Mapping[str, FieldMeta] = fields or {}
        self.type_name = type_name

    @classmethod
    def of_type(cls, types: Types, type_name: str | None) -> "Schema":
        return cls(types, types.get(type_name, {}) if type_name else {}, type_name)

    def meta(self, name: str) -> FieldMeta:
        return self.fields.get(name, NONE)

    def child(self, name: str) -> "Schema":
        return Schema.of_type(self.types, self.meta(name).type)

    @property
    def atomic(self) -> bool:
        return self.type_name in ATOMIC_TYPES


EMPTY = Schema({}, {})


def schema_for(resource: Resource) -> Schema:
    """The root schema of a resource's kind (empty for unknown kinds)."""
    return Schema(TYPES, ROOTS.get((resource.group, resource.kind), {}), resource.kind)


def strategy_table(schema: Schema, prefix: str = "", _seen: frozenset[str] = frozenset()) -> dict[str, tuple[str, str]]:
    """Flatten a schema into ``path -> (strategy, mergeKey)`` for every field with a strategy."""
    table: dict[str, tuple[str, str]] = {}
    for name, meta in schema.fields.items():
        path = f"{prefix}{name}"
        if meta.strategy or meta.list_type == "atomic":
            table[path] = (meta.strategy or "replace", meta.merge_key)
        if meta.type and meta.type not in _seen:
            is_list = bool(meta.merge_key or meta.list_type)
            sub = Schema.of_type(schema.types, meta.type)
            table.update(strategy_table(sub, f"{path}[]." if is_list else f"{path}.", _seen | {meta.type}))
    return table
