"""``/openapi/v2``: the Swagger 2.0 document of the served kinds, in JSON or in the protobuf kubectl asks for.

kubectl reads it when the OpenAPI v3 documents cannot tell it that the server validates fields itself:
for a ``kind: List`` file (cli-runtime query_param_verifier_v3.go: v1/List is never "supported") and for a
group-version the server does not serve (``apiVersion: app/v1``). It then validates the document on the
client (kubectl pkg/validation/schema.go, pkg/util/openapi/validation): each item of a List against its
kind's definition, and a kind the document does not define is skipped, so the builder's REST mapping
answers ``no matches for kind "Deployment" in version "app/v1"``. Client-side apply computes its strategic
merge patches from the definitions' ``x-kubernetes-patch-strategy`` / ``x-kubernetes-patch-merge-key``
(kubectl apply patcher.go, strategicpatch.PatchMetaFromOpenAPI), so those carry the struct tags of
``k8s.io/api`` (`svclab.apiserver.patchmeta`).

The definitions are generated from the server's own resource table (`svclab.apiserver.schemas`, the
same schemas `/openapi/v3` serves), rewritten the v2 way: ``#/definitions/`` references without
``allOf`` wrappers, IntOrString as ``type: string, format: int-or-string``. The protobuf is
``openapi_v2.Document`` of github.com/google/gnostic-models (openapiv2/OpenAPIv2.proto), vendor
extensions as YAML (JSON is YAML), which kube-openapi pkg/util/proto reads.
"""

from __future__ import annotations

import copy
import functools
import json
from typing import Any

from svclab.apiserver.patchmeta import ROOTS, TYPES, FieldMeta
from svclab.resources import RESOURCES
from svclab.version import KUBERNETES_VERSION

# What clients ask for, and what kube-openapi's handler answers (the @ is not a valid media type character).
PROTOBUF_ACCEPT = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"
PROTOBUF_MEDIA_TYPE = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"
PATCH_CONSUMES = ("application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json", "application/apply-patch+yaml")
# patchmeta's type names that stand for several API types
_TYPE_ALIASES = {"WorkloadStatus": ("DeploymentStatus", "ReplicaSetStatus", "StatefulSetStatus"),
                 "KeyToPathSource": ("ConfigMapVolumeSource", "SecretVolumeSource")}


def _v2(node: Any) -> Any:
    """A v3 component schema as a v2 definition."""
    if isinstance(node, list):
        return [_v2(item) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return {**{k: _v2(v) for k, v in node.items() if k != "$ref"}, "$ref": node["$ref"].replace("#/components/schemas/", "#/definitions/")}
    all_of = node.get("allOf")
    if isinstance(all_of, list) and len(all_of) == 1 and isinstance(all_of[0], dict) and set(all_of[0]) == {"$ref"}:
        rest = {k: _v2(v) for k, v in node.items() if k != "allOf"}
        return {**rest, "$ref": all_of[0]["$ref"].replace("#/components/schemas/", "#/definitions/")}
    return {k: _v2(v) for k, v in node.items()}


def _patch_extensions(definition: dict[str, Any], fields: dict[str, FieldMeta]) -> None:
    properties = definition.get("properties") or {}
    for name, meta in fields.items():
        prop = properties.get(name)
        if prop is None or not meta.strategy:
            continue
        if meta.merge_key:
            prop["x-kubernetes-patch-merge-key"] = meta.merge_key
        prop["x-kubernetes-patch-strategy"] = meta.strategy


@functools.lru_cache(maxsize=1)
def definitions() -> dict[str, dict[str, Any]]:
    from svclab.apiserver.schemas import INT_OR_STRING, all_schemas  # the kubernetes client's models: on first use, not at start

    defs = {name: _v2(copy.deepcopy(schema)) for name, schema in all_schemas().items()}
    defs[INT_OR_STRING] = {"description": defs[INT_OR_STRING].get("description", ""), "format": "int-or-string", "type": "string"}
    by_short: dict[str, list[str]] = {}
    for name in defs:
        by_short.setdefault(name.rsplit(".", 1)[1], []).append(name)
    for type_name, fields in TYPES.items():
        for short in _TYPE_ALIASES.get(type_name, (type_name,)):
            for name in by_short.get(short, []):
                _patch_extensions(defs[name], dict(fields))
    for res in RESOURCES:
        fields = ROOTS.get((res.group, res.kind))
        if not fields:
            continue
        for name, definition in defs.items():
            if {"group": res.group, "kind": res.kind, "version": res.version} in (definition.get("x-kubernetes-group-version-kind") or []):
                _patch_extensions(definition, dict(fields))
    for definition in defs.values():
        if "properties" in definition and "type" not in definition:
            definition["type"] = "object"
    return dict(sorted(defs.items()))


def _gv_prefix(api_version: str) -> str:
    return f"/api/{api_version}" if "/" not in api_version else f"/apis/{api_version}"


@functools.lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    """The Swagger document: the served kinds' definitions and a PATCH operation per kind (what
    kubectl's GetConsumes reads)."""
    paths: dict[str, Any] = {}
    for res in RESOURCES:
        prefix = _gv_prefix(res.api_version) + ("/namespaces/{namespace}" if res.namespaced else "")
        gvk = {"group": res.group, "kind": res.kind, "version": res.version}
        paths[f"{prefix}/{res.plural}/{{name}}"] = {
            "get": {"operationId": f"read{res.kind}", "produces": ["application/json", "application/yaml", "application/vnd.kubernetes.protobuf"], "x-kubernetes-action": "get", "x-kubernetes-group-version-kind": gvk},
            "patch": {"operationId": f"patch{res.kind}", "consumes": list(PATCH_CONSUMES), "produces": ["application/json", "application/yaml", "application/vnd.kubernetes.protobuf"], "x-kubernetes-action": "patch", "x-kubernetes-group-version-kind": gvk},
        }
    return {"swagger": "2.0", "info": {"title": "Kubernetes", "version": KUBERNETES_VERSION}, "paths": paths, "definitions": definitions()}


# ---- protobuf (gnostic openapi_v2) ---------------------------------------------------------------
def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _string(number: int, text: str) -> bytes:
    return _field(number, text.encode()) if text else b""


def _bool(number: int, value: bool) -> bytes:
    return _varint(number << 3) + b"\x01" if value else b""


def _any(value: Any) -> bytes:
    """openapi_v2.Any: the value as YAML (field 2)."""
    return _string(2, json.dumps(value, separators=(",", ":"), ensure_ascii=False))


def _named_any(name: str, value: Any) -> bytes:
    return _string(1, name) + _field(2, _any(value))


def _extensions(node: dict[str, Any], number: int) -> bytes:
    return b"".join(_field(number, _named_any(k, v)) for k, v in node.items() if k.startswith("x-"))


def _schema(node: dict[str, Any]) -> bytes:
    out = bytearray()
    out += _string(1, node.get("$ref", ""))
    out += _string(2, node.get("format", ""))
    out += _string(4, node.get("description", ""))
    for name in node.get("required") or []:
        out += _string(19, name)
    for value in node.get("enum") or []:
        out += _field(20, _any(value))
    extra = node.get("additionalProperties")
    if isinstance(extra, dict):
        out += _field(21, _field(1, _schema(extra)))
    elif isinstance(extra, bool):
        out += _field(21, _varint(2 << 3) + (b"\x01" if extra else b"\x00"))
    kind = node.get("type")
    if kind:
        out += _field(22, _string(1, kind))
    items = node.get("items")
    if isinstance(items, dict):
        out += _field(23, _field(1, _schema(items)))
    for part in node.get("allOf") or []:
        out += _field(24, _schema(part))
    properties = node.get("properties")
    if isinstance(properties, dict):
        out += _field(25, b"".join(_field(1, _string(1, name) + _field(2, _schema(value))) for name, value in properties.items()))
    out += _extensions(node, 31)
    return bytes(out)


def _operation(op: dict[str, Any]) -> bytes:
    out = bytearray(_string(5, op.get("operationId", "")))
    for media in op.get("produces") or []:
        out += _string(6, media)
    for media in op.get("consumes") or []:
        out += _string(7, media)
    out += _extensions(op, 13)
    return bytes(out)


@functools.lru_cache(maxsize=1)
def protobuf() -> bytes:
    doc = document()
    info = doc["info"]
    out = bytearray(_string(1, doc["swagger"]))
    out += _field(2, _string(1, info["title"]) + _string(2, info["version"]))
    paths = b""
    for path, item in doc["paths"].items():
        body = b""
        if "get" in item:
            body += _field(2, _operation(item["get"]))
        if "patch" in item:
            body += _field(8, _operation(item["patch"]))
        paths += _field(2, _string(1, path) + _field(2, body))
    out += _field(8, paths)
    out += _field(9, b"".join(_field(1, _string(1, name) + _field(2, _schema(schema))) for name, schema in doc["definitions"].items()))
    return bytes(out)


def wants_protobuf(accept: str) -> bool:
    return "protobuf" in accept
