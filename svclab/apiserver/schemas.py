"""OpenAPI v3 component schemas for the served kinds, with the Kubernetes API's own field
descriptions, so `kubectl explain svc.spec.sessionAffinity` works as on kind.

They are derived from the official Python client's models (generated from the same OpenAPI), turned
into the apiserver's shape: `io.k8s.api.<group>.v1.<Kind>` names, `allOf`-wrapped references, and
`x-kubernetes-group-version-kind` on every served kind. Built once, on first use.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from kubernetes import client

from svclab.resources import RESOURCES, Resource

META_TYPES = {"ObjectMeta", "ListMeta", "LabelSelector", "LabelSelectorRequirement", "OwnerReference", "ManagedFieldsEntry", "Condition", "Time", "MicroTime"}
APPS_TYPES = re.compile(r"^(Deployment|ReplicaSet|StatefulSet|DaemonSet|ControllerRevision|RollingUpdate)")
DISCOVERY_TYPES = re.compile(r"^(EndpointSlice|Endpoint(Conditions|Hints|Port)?$|ForZone|ForNode)")
INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"


def schema_name(python_name: str) -> str:
    """V1ServiceSpec -> io.k8s.api.core.v1.ServiceSpec (the package as the apiserver names it)."""
    if python_name.startswith("EventsV1"):
        return f"io.k8s.api.events.v1.{python_name[len('EventsV1'):]}"
    kind = re.sub(r"^V\d+(alpha\d+|beta\d+)?", "", python_name)
    if kind in META_TYPES:
        return f"io.k8s.apimachinery.pkg.apis.meta.v1.{kind}"
    if APPS_TYPES.match(kind):
        return f"io.k8s.api.apps.v1.{kind}"
    if DISCOVERY_TYPES.match(kind) and kind != "Endpoints":
        return f"io.k8s.api.discovery.v1.{kind}"
    return f"io.k8s.api.core.v1.{kind}"


def _model_class(res: Resource) -> Any:
    return getattr(client, "EventsV1Event" if res.group == "events.k8s.io" else f"V1{res.kind}", None)


def _convert(node: Any) -> Any:
    """pydantic JSON Schema -> the apiserver's OpenAPI v3 style."""
    if isinstance(node, list):
        return [_convert(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {k: v for k, v in node.items() if k not in ("title", "default", "additionalProperties") or (k == "additionalProperties" and v is not False)}
    if "anyOf" in node:  # Optional[X] is X; Union[int, str] is an IntOrString
        options = [o for o in node.pop("anyOf") if o != {"type": "null"}]
        rest = {key: _convert(value) for key, value in node.items()}
        if len(options) == 1:
            return {**_convert(options[0]), **rest}
        if sorted({o.get("type") for o in options if "type" in o}) == ["integer", "string"]:
            return {"allOf": [{"$ref": f"#/components/schemas/{INT_OR_STRING}"}], **rest}
        return {**rest, "anyOf": _convert(options)}
    if "$ref" in node:
        target = schema_name(node.pop("$ref").rsplit("/", 1)[1])
        reference = {"$ref": f"#/components/schemas/{target}"}
        return {"allOf": [reference], **({"description": node["description"]} if "description" in node else {})}
    return {key: _convert(value) for key, value in node.items()}


def _description(doc: str) -> str:
    return doc.split("\n\nAttributes:", 1)[0].strip()


@functools.lru_cache(maxsize=1)
def all_schemas() -> dict[str, dict[str, Any]]:
    schemas: dict[str, dict[str, Any]] = {INT_OR_STRING: {"format": "int-or-string", "x-kubernetes-int-or-string": True, "description": "IntOrString is a type that can hold an int32 or a string."}}
    for res in RESOURCES:
        model = _model_class(res)
        if model is None:
            continue
        generated = model.model_json_schema(by_alias=True)
        for python_name, definition in generated.pop("$defs", {}).items():
            schemas.setdefault(schema_name(python_name), _convert({**definition, "description": _description(definition.get("description", ""))}))
        top = _convert({**generated, "description": _description(generated.get("description", ""))})
        top["x-kubernetes-group-version-kind"] = [{"group": res.group, "kind": res.kind, "version": res.version}]
        schemas[schema_name(model.__name__)] = top
    return schemas
