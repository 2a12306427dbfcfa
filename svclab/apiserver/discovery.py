"""Discovery documents (/api, /apis, /api/v1, /apis/<group>/<version>) and /version, derived from the resource table."""

from __future__ import annotations

import functools
import hashlib
import json
from typing import Any

from svclab.resources import GROUP_ORDER, RESOURCES, Resource, of_group
from svclab.version import GIT_COMMIT, KUBERNETES_MINOR, KUBERNETES_VERSION

SUBRESOURCE_VERBS = {
    "status": ("get", "patch", "update"),
    "scale": ("get", "patch", "update"),
    "exec": ("create", "get"),
    "attach": ("create", "get"),
    "portforward": ("create", "get"),
    "proxy": ("create", "delete", "get", "patch", "update"),
    "log": ("get",),
    "binding": ("create",),
    "eviction": ("create",),
    "finalize": ("update",),
    "ephemeralcontainers": ("get", "patch", "update"),
    "resize": ("get", "patch", "update"),
    "token": ("create",),
}
SUBRESOURCE_KINDS = {
    "exec": "PodExecOptions",
    "attach": "PodAttachOptions",
    "portforward": "PodPortForwardOptions",
    "proxy": "PodProxyOptions",
    "log": "Pod",
    "binding": "Binding",
    "eviction": "Eviction",
    "token": "TokenRequest",
}


def version_info() -> dict[str, str]:
    return {
        "major": "1",
        "minor": KUBERNETES_MINOR,
        "emulationMajor": "1",
        "emulationMinor": KUBERNETES_MINOR,
        "minCompatibilityMajor": "1",
        "minCompatibilityMinor": str(int(KUBERNETES_MINOR) - 1),
        "gitVersion": KUBERNETES_VERSION,
        "gitCommit": GIT_COMMIT,
        "gitTreeState": "clean",
        "buildDate": "2025-12-17T12:32:06Z",
        "goVersion": "go1.25.5",
        "compiler": "gc",
        "platform": "linux/amd64",
    }


def api_versions(server_address: str) -> dict[str, Any]:
    return {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}]}


def _group_entry(group: str) -> dict[str, Any]:
    version = of_group(group)[0].version
    gv = {"groupVersion": f"{group}/{version}", "version": version}
    return {"name": group, "versions": [gv], "preferredVersion": gv}


def api_group_list() -> dict[str, Any]:
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": [_group_entry(g) for g in GROUP_ORDER if g]}


def api_group(group: str) -> dict[str, Any] | None:
    if group not in GROUP_ORDER or not group:
        return None
    return {"kind": "APIGroup", "apiVersion": "v1", **_group_entry(group)}


def _storage_hash(res: Resource) -> str:
    return hashlib.sha256(f"{res.api_version}/{res.kind}".encode()).digest()[:8].hex()[:11]


def resource_list(group: str, version: str) -> dict[str, Any] | None:
    resources = [r for r in RESOURCES if r.group == group and r.version == version]
    if not resources:
        return None
    entries: list[dict[str, Any]] = []
    for res in sorted(resources, key=lambda r: r.plural):
        entry: dict[str, Any] = {
            "name": res.plural,
            "singularName": res.singular_name,
            "namespaced": res.namespaced,
            "kind": res.kind,
            "verbs": list(res.verbs),
        }
        if res.short_names:
            entry["shortNames"] = list(res.short_names)
        if res.categories:
            entry["categories"] = list(res.categories)
        entry["storageVersionHash"] = _storage_hash(res)
        entries.append(entry)
        for sub in res.subresources:
            sub_entry: dict[str, Any] = {"name": f"{res.plural}/{sub}", "singularName": "", "namespaced": res.namespaced, "kind": SUBRESOURCE_KINDS.get(sub, res.kind), "verbs": list(SUBRESOURCE_VERBS.get(sub, ("get",)))}
            if sub == "scale":
                sub_entry.update({"group": "autoscaling", "version": "v1", "kind": "Scale"})
            entries.append(sub_entry)
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": resources[0].api_version, "resources": entries}


# ---- aggregated discovery (apidiscovery.k8s.io/v2) -----------------------------------------------------------------
# kubectl and client-go ask /api and /apis for every group's resources in one document by content negotiation
# (k8s.io/apiserver/pkg/endpoints/discovery/aggregated: wrapper.go, negotiation.go, handler.go, etag.go); a server
# that answers with the plain APIVersions/APIGroupList makes them fetch each group version's APIResourceList too.

AGGREGATED_GROUP = "apidiscovery.k8s.io"
AGGREGATED_MEDIA_TYPE = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
_CONVERSION_PARAMS = ("as", "g", "v")


def _media_ranges(accept: str) -> list[tuple[str, str, dict[str, str]]]:
    """Accept's media ranges, most preferred first, as munnerz/goautoneg orders them (q, then the ranges that
    name a type, then those that name a subtype; otherwise in the order given)."""
    ranges: list[tuple[float, int, str, str, dict[str, str]]] = []
    for index, clause in enumerate(accept.split(",")[:64]):
        media, _, raw_params = clause.strip().partition(";")
        kind, _, subtype = media.strip().lower().partition("/")
        if not kind:
            continue
        params: dict[str, str] = {}
        for raw in raw_params.split(";"):
            key, sep, value = raw.strip().partition("=")
            if sep:
                params[key.strip().lower()] = value.strip()
        try:
            quality = float(params.pop("q", "1"))
        except ValueError:
            quality = 0.0
        ranges.append((-quality, index, kind, subtype or "*", params))
    ranges.sort(key=lambda r: (r[0], r[2] == "*", r[3] == "*", r[1]))
    return [(kind, subtype, params) for quality, _, kind, subtype, params in ranges if quality < 0]


def wants_aggregated(accept: str) -> bool:
    """Whether negotiation picks the aggregated document: the first media range the server can produce asks for
    JSON converted to apidiscovery.k8s.io/v2 APIGroupDiscoveryList (negotiation.go's IsAggregatedDiscoveryGVK:
    v2 only). svclab has no protobuf encoding of discovery, so a protobuf range is passed over, as a server without
    that serializer would; JSON without conversion parameters picks the plain document."""
    for kind, subtype, params in _media_ranges(accept):
        if (kind, subtype) not in (("application", "json"), ("application", "*"), ("*", "*")):
            continue
        conversion = {key: params.get(key) for key in _CONVERSION_PARAMS}
        if not any(conversion.values()):
            return False
        if conversion == {"as": "APIGroupDiscoveryList", "g": AGGREGATED_GROUP, "v": "v2"}:
            return True
    return False


def _resource_discovery(listing: dict[str, Any]) -> list[dict[str, Any]]:
    """An APIResourceList's entries as APIResourceDiscovery (installer.go ConvertGroupVersionIntoToDiscovery):
    subresources nested under their parent, in the sorted order of their paths; responseKind's group and version
    are the entry's own, empty unless the kind is another group's (scale)."""
    resources: list[dict[str, Any]] = []
    parents: dict[str, dict[str, Any]] = {}
    entries = listing["resources"]
    for entry in entries:
        if "/" in entry["name"]:
            continue
        resource: dict[str, Any] = {
            "resource": entry["name"],
            "responseKind": {"group": entry.get("group", ""), "version": entry.get("version", ""), "kind": entry["kind"]},
            "scope": "Namespaced" if entry["namespaced"] else "Cluster",
            "singularResource": entry["singularName"],
            "verbs": entry["verbs"],
        }
        for key in ("shortNames", "categories"):
            if entry.get(key):
                resource[key] = entry[key]
        resources.append(resource)
        parents[entry["name"]] = resource
    for entry in sorted((e for e in entries if "/" in e["name"]), key=lambda e: e["name"]):
        parent, subresource = entry["name"].split("/", 1)
        parents[parent].setdefault("subresources", []).append({
            "subresource": subresource,
            "responseKind": {"group": entry.get("group", ""), "version": entry.get("version", ""), "kind": entry["kind"]},
            "verbs": entry["verbs"],
        })
    return resources


def _group_discovery(group: str) -> dict[str, Any]:
    versions = []
    for version in dict.fromkeys(res.version for res in of_group(group)):
        listing = resource_list(group, version)
        assert listing is not None
        versions.append({"version": version, "resources": _resource_discovery(listing), "freshness": "Current"})
    return {"metadata": {"name": group} if group else {}, "versions": versions}


@functools.cache
def aggregated(legacy: bool) -> tuple[bytes, str]:
    """The APIGroupDiscoveryList /api (legacy: the core group, an item without a name) or /apis serves, as JSON,
    and its ETag: SHA-512 of the list's JSON without kind and apiVersion, in upper-case hex (etag.go). Made once:
    the resource table does not change while a cluster runs (handler.go keeps its document cached the same way)."""
    items = [_group_discovery("")] if legacy else [_group_discovery(g) for g in GROUP_ORDER if g]
    etag = hashlib.sha512(json.dumps({"metadata": {}, "items": items}, separators=(",", ":")).encode()).hexdigest().upper()
    document = {"kind": "APIGroupDiscoveryList", "apiVersion": f"{AGGREGATED_GROUP}/v2", "metadata": {}, "items": items}
    return json.dumps(document, separators=(",", ":")).encode() + b"\n", etag
