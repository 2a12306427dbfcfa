"""Random API requests for the bounded fuzzer: methods, real resource paths and garbage, query strings,
and bodies (objects with wrong types, nulls and huge numbers; truncated JSON and YAML; protobuf; bytes).

Everything comes from one `random.Random(seed)`, so a failing request is reproduced by its seed and
index. Names and namespaces come from pools that never name the objects a test protects.
"""

from __future__ import annotations

import copy
import json
import random
from urllib.parse import quote
from dataclasses import dataclass
from typing import Any

import yaml

from svclab.resources import RESOURCES, Resource

NAMES = ("x", "web", "fuzz-1", "a.b.c", "UPPER", "-bad-", "web-0", "x" * 300, "é", "%2e%2e", "..", "x;y")
NAMESPACES = ("default", "default", "default", "fuzz", "fuzz", "fuzz", "kube-system", "missing-ns", "Bad_NS", "")
SUBRESOURCES = ("status", "scale", "log", "binding", "eviction", "proxy", "finalize", "bogus")
METHODS = ("GET", "GET", "GET", "POST", "POST", "PUT", "PATCH", "PATCH", "DELETE", "HEAD", "OPTIONS", "BREW")
CONTENT_TYPES = (
    "application/json", "application/json", "application/yaml", "application/vnd.kubernetes.protobuf",
    "application/merge-patch+json", "application/strategic-merge-patch+json", "application/json-patch+json",
    "application/apply-patch+yaml", "text/plain", "application/x-garbage", "",
)
QUERY_KEYS = (
    "watch", "timeoutSeconds", "limit", "continue", "resourceVersion", "resourceVersionMatch", "labelSelector",
    "fieldSelector", "allowWatchBookmarks", "sendInitialEvents", "dryRun", "fieldManager", "fieldValidation",
    "force", "gracePeriodSeconds", "propagationPolicy", "orphanDependents", "pretty", "includeObject", "bogus",
)
QUERY_VALUES = (
    "true", "false", "1", "0", "-1", "abc", "", "All", "Strict", "Warn", "Ignore", "Orphan", "Foreground",
    "99999999999999999999", "1e3", "0.5", "app=web", "app in (a,b", "metadata.name=x", "spec.bogus=1",
    "NotOlderThan", "Exact", "%00", "é", "a%07b",
)
# numbers and literals no Go type holds, spliced into JSON text
SPECIAL_NUMBERS = ("1e999", "-1e999", "99999999999999999999999", "1e30", "2147483648", "-0", "1.5", "1e-400", "0.0000001")
VALUES: tuple[Any, ...] = (None, "", "x", 0, -1, 1, 65536, 2**31, 2**63, True, False, [], {}, [None], {"a": None}, "10.0.0.1", "not-an-ip", "1Gi", "lots", "é" * 10, "NoSchedule")


def _template(res: Resource, name: str) -> dict[str, Any]:
    """A small valid object of the resource's kind, for mutations to start from."""
    meta: dict[str, Any] = {"name": name, "labels": {"app": "web"}}
    containers = [{"name": "c", "image": "busybox:1.36.1", "ports": [{"containerPort": 80}], "resources": {"limits": {"cpu": "100m"}}}]
    template = {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": containers}}
    bodies: dict[str, dict[str, Any]] = {
        "Pod": {"spec": {"containers": containers}},
        "Service": {"spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}], "type": "ClusterIP"}},
        "ConfigMap": {"data": {"k": "v"}},
        "Deployment": {"spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}}, "template": template}},
        "ReplicaSet": {"spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}}, "template": template}},
        "StatefulSet": {"spec": {"replicas": 1, "serviceName": "web", "selector": {"matchLabels": {"app": "web"}}, "template": template}},
        "Node": {"spec": {"podCIDR": "10.244.9.0/24", "taints": [{"key": "k", "effect": "NoSchedule"}]}, "status": {"allocatable": {"pods": "110"}}},
        "EndpointSlice": {"addressType": "IPv4", "endpoints": [{"addresses": ["10.244.1.5"]}], "ports": [{"port": 80}]},
        "Endpoints": {"subsets": [{"addresses": [{"ip": "10.244.1.5"}], "ports": [{"port": 80}]}]},
        "Event": {"involvedObject": {"kind": "Pod", "name": "x"}, "reason": "Test", "message": "m"},
        "Namespace": {},
        "ServiceAccount": {},
        "Scale": {"spec": {"replicas": 2}},
    }
    return {"apiVersion": res.api_version, "kind": res.kind, "metadata": meta, **bodies.get(res.kind, {})}


@dataclass
class Request:
    method: str
    path: str
    content_type: str
    body: bytes | None

    def describe(self) -> str:
        shown = (self.body or b"")[:300]
        return f"{self.method} {self.path} [{self.content_type}] {shown!r}{'...' if self.body and len(self.body) > 300 else ''}"


class RequestGenerator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    # ---- paths ---------------------------------------------------------------------------------
    def _prefix(self, res: Resource) -> str:
        return f"/apis/{res.group}/{res.version}" if res.group else f"/api/{res.version}"

    def path(self) -> tuple[str, Resource | None, str]:
        rng = self.rng
        roll = rng.random()
        name = rng.choice(NAMES[:4]) if rng.random() < 0.7 else rng.choice(NAMES)
        if roll < 0.08:
            return rng.choice(("/api", "/apis", "/api/v1", "/apis/apps/v1", "/version", "/openapi/v3", "/openapi/v3/api/v1", "/healthz", "/apis/apps", "/", "/metrics")), None, name
        if roll < 0.16:
            segments = [rng.choice(("api", "apis", "v1", "namespaces", "pods", "..", "%00", "x" * rng.randrange(1, 80), "", "é", "v2", "apps")) for _ in range(rng.randrange(1, 8))]
            return "/" + "/".join(segments), None, name
        res = rng.choice(RESOURCES)
        if res.namespaced and rng.random() < 0.9:
            base = f"{self._prefix(res)}/namespaces/{rng.choice(NAMESPACES)}/{res.plural}"
        else:
            base = f"{self._prefix(res)}/{res.plural}"
        if rng.random() < 0.35:
            return base, res, name
        path = f"{base}/{name}"
        if rng.random() < 0.25:
            path += "/" + (rng.choice(res.subresources) if res.subresources and rng.random() < 0.7 else rng.choice(SUBRESOURCES))
        return path, res, name

    def query(self) -> str:
        rng = self.rng
        if rng.random() < 0.4:
            return ""
        pairs = []
        for _ in range(rng.randrange(1, 5)):
            key = rng.choice(QUERY_KEYS)
            value = rng.choice(QUERY_VALUES)
            pairs.append(f"{key}={quote(value, safe='%')}")
        if rng.random() < 0.05:
            pairs.append("&&=&" + "x" * rng.randrange(1, 2000))
        return "?" + "&".join(pairs)

    # ---- bodies --------------------------------------------------------------------------------
    def _mutate(self, obj: Any, depth: int = 0) -> Any:
        rng = self.rng
        if isinstance(obj, dict) and obj and rng.random() < 0.8:
            key = rng.choice(list(obj))
            action = rng.random()
            if action < 0.4:
                obj[key] = self._mutate(obj[key], depth + 1)
            elif action < 0.7:
                obj[key] = copy.deepcopy(rng.choice(VALUES))
            elif action < 0.8:
                del obj[key]
            else:
                obj[rng.choice(("bogus", "spec", "status", "metadata", "x" * 30))] = copy.deepcopy(rng.choice(VALUES))
            return obj
        if isinstance(obj, list) and obj and rng.random() < 0.8:
            index = rng.randrange(len(obj))
            obj[index] = self._mutate(obj[index], depth + 1) if rng.random() < 0.5 else copy.deepcopy(rng.choice(VALUES))
            return obj
        return copy.deepcopy(rng.choice(VALUES)) if rng.random() < 0.3 else obj

    def _nest(self, depth: int) -> str:
        return "[" * depth + "]" * depth if self.rng.random() < 0.5 else '{"a":' * depth + "1" + "}" * depth

    def body(self, res: Resource | None, content_type: str, name: str) -> bytes | None:
        rng = self.rng
        roll = rng.random()
        if roll < 0.1:
            return None
        if roll < 0.15:
            return bytes(rng.randrange(256) for _ in range(rng.randrange(0, 400)))
        if roll < 0.2:
            return ("k8s\x00".encode() if rng.random() < 0.7 else b"") + bytes(rng.randrange(256) for _ in range(rng.randrange(0, 200)))
        if roll < 0.23:
            return self._nest(rng.choice((10, 500, 5000))).encode()
        chosen = res if res is not None and rng.random() < 0.85 else rng.choice(RESOURCES)
        obj: Any = _template(chosen, name if rng.random() < 0.7 else rng.choice(NAMES))
        if rng.random() < 0.05:
            obj = _template(Resource("autoscaling", "v1", "Scale", "scale", True), name)
        for _ in range(0 if rng.random() < 0.4 else rng.randrange(1, 4)):
            obj = self._mutate(obj)
        if content_type.endswith("json-patch+json") and rng.random() < 0.7:
            obj = [{"op": rng.choice(("add", "replace", "remove", "test", "move", "copy", "bogus")), "path": rng.choice(("/spec", "/metadata/labels/x", "/spec/replicas", "/status", "", "/a/b/c", "/spec/ports/0")), "value": copy.deepcopy(rng.choice(VALUES)), "from": "/metadata"}]
        if "yaml" in content_type and rng.random() < 0.8:
            text = yaml.safe_dump(obj, default_flow_style=rng.random() < 0.3)
            if rng.random() < 0.15:
                text = "x: &a [" + ",".join(["1"] * 9) + "]\n" + "".join(f"y{i}: &b{i} [" + ",".join([f"*{'a' if i == 0 else f'b{i-1}'}"] * 9) + "]\n" for i in range(rng.randrange(1, 8))) + text
        else:
            text = json.dumps(obj)
            if rng.random() < 0.25:
                text = text.replace("1", rng.choice(SPECIAL_NUMBERS), 1)
        if rng.random() < 0.15:
            text = text[: rng.randrange(0, len(text) + 1)]
        if rng.random() < 0.03:
            text = text.replace('"', "", 1) + "\x00" * rng.randrange(1, 5)
        return text.encode()

    def sensible(self) -> Request:
        """A request a client could mean: a real path and method, a body of the path's kind with at
        most one mutation, the content type of the verb (so it reaches validation, storage, controllers)."""
        rng = self.rng
        res = rng.choice([r for r in RESOURCES if r.group != "events.k8s.io"])
        name = rng.choice(NAMES[:3])
        base = f"{self._prefix(res)}/namespaces/{rng.choice(('default', 'fuzz'))}/{res.plural}" if res.namespaced else f"{self._prefix(res)}/{res.plural}"
        obj: Any = _template(res, name)
        if rng.random() < 0.5:
            obj = self._mutate(obj)
        op = rng.choice(("create", "create", "get", "list", "watch", "update", "patch", "patch", "delete", "scale", "status"))
        if op == "create":
            return Request("POST", base + self.query(), rng.choice(("application/json", "application/yaml")), self._encode(obj, "json"))
        if op == "list":
            return Request("GET", base + self.query(), "", None)
        if op == "watch":
            return Request("GET", f"{base}?watch=true&timeoutSeconds=1", "", None)
        item = f"{base}/{quote(name)}"
        if op == "get":
            return Request("GET", item, "", None)
        if op == "update":
            return Request("PUT", item + self.query(), "application/json", self._encode(obj, "json"))
        if op == "delete":
            return Request("DELETE", item + self.query(), "", None)
        if op == "scale" and "scale" in res.subresources:
            replicas = rng.choice((0, 1, 2, -1, 2**31, "3", None))
            return Request(rng.choice(("GET", "PUT", "PATCH")), f"{item}/scale", "application/merge-patch+json" if rng.random() < 0.5 else "application/json", json.dumps({"spec": {"replicas": replicas}}).encode())
        if op == "status" and "status" in res.subresources:
            status = copy.deepcopy(rng.choice(({"podIP": rng.choice(("10.244.1.77", "not-an-ip", "", "::1"))}, {"replicas": rng.choice((1, -1))}, {"phase": "Running"}, {"capacity": {"pods": rng.choice(("110", "-1", "x", "1.5"))}}, {"conditions": [{"type": "bad type", "status": "True"}]})))
            return Request("PATCH", f"{item}/status", "application/merge-patch+json", json.dumps({"status": status}).encode())
        patch_type = rng.choice(("application/merge-patch+json", "application/strategic-merge-patch+json", "application/json-patch+json", "application/apply-patch+yaml"))
        if patch_type == "application/json-patch+json":
            body = json.dumps([{"op": "add", "path": "/metadata/labels/fuzz", "value": rng.choice(("yes", "no", 1, None))}]).encode()
        elif patch_type == "application/apply-patch+yaml":
            return Request("PATCH", f"{item}?fieldManager=fuzz" + ("&force=true" if rng.random() < 0.5 else ""), patch_type, self._encode(obj, "yaml"))
        else:
            body = json.dumps({"metadata": {"labels": {"fuzz": rng.choice(("yes", "no"))}}, **({"spec": obj.get("spec")} if isinstance(obj, dict) and rng.random() < 0.5 else {})}).encode()
        return Request("PATCH", item + self.query(), patch_type, body)

    def _encode(self, obj: Any, form: str) -> bytes:
        return (yaml.safe_dump(obj) if form == "yaml" else json.dumps(obj)).encode()

    def request(self) -> Request:
        rng = self.rng
        if rng.random() < 0.5:
            return self.sensible()
        method = rng.choice(METHODS)
        path, res, name = self.path()
        content_type = rng.choice(CONTENT_TYPES)
        body = self.body(res, content_type, name) if method in ("POST", "PUT", "PATCH", "DELETE") or rng.random() < 0.05 else None
        if method == "DELETE" and rng.random() < 0.6:
            body = None if rng.random() < 0.5 else json.dumps({"kind": "DeleteOptions", "apiVersion": "v1", rng.choice(("gracePeriodSeconds", "propagationPolicy", "dryRun", "preconditions", "orphanDependents")): rng.choice(VALUES)}).encode()
        return Request(method, quote(path, safe="/%;") + self.query(), content_type, body)
