"""Manifests in (YAML text, dicts, lists, files), objects out: applied with server-side apply, which
creates or updates in one request on either backend, exactly as `kubectl apply --server-side` does."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterable, Union

import yaml
from kubernetes.client import ApiClient

from svclab.lab.applied import Outcome
from svclab.lab.errors import ApplyError, ManifestError
from svclab.lab.session import Session
from svclab.resources import Resource, by_kind

Manifest = Union[str, Path, dict[str, Any], Iterable[dict[str, Any]]]
FIELD_MANAGER = "svclab-lab"


def load(manifest: Manifest) -> list[dict[str, Any]]:
    """Every Kubernetes object in the input, in order (List kinds unpacked, empty documents skipped)."""
    if isinstance(manifest, Path) or (isinstance(manifest, str) and "\n" not in manifest and manifest.endswith((".yaml", ".yml", ".json")) and Path(manifest).exists()):
        manifest = Path(manifest).read_text()
    if isinstance(manifest, str):
        try:
            docs = [d for d in yaml.safe_load_all(manifest) if d is not None]
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
            raise ManifestError(f"the manifest is not valid YAML{where}: {getattr(exc, 'problem', None) or exc}") from None
    elif isinstance(manifest, dict):
        docs = [manifest]
    else:
        docs = list(manifest)
    objects: list[dict[str, Any]] = []
    for doc in docs:
        if not isinstance(doc, dict):
            raise ManifestError(f"expected a Kubernetes object (a mapping), got {type(doc).__name__}: {doc!r:.60}")
        if doc.get("kind", "").endswith("List") and isinstance(doc.get("items"), list):
            objects.extend(doc["items"])
        else:
            objects.append(doc)
    for obj in objects:
        if not obj.get("apiVersion") or not obj.get("kind"):
            raise ManifestError(f"every object needs apiVersion and kind; this one has neither: {json.dumps(obj)[:80]}")
        if not (obj.get("metadata") or {}).get("name"):
            raise ManifestError(f"the {obj['kind']} has no metadata.name")
    return objects


def resource_of(obj: dict[str, Any]) -> Resource:
    res = by_kind(obj["apiVersion"], obj["kind"])
    if res is None:
        raise ManifestError(f'no kind "{obj["kind"]}" in version "{obj["apiVersion"]}" is used in this course')
    return res


def object_path(res: Resource, namespace: str | None, name: str | None = None) -> str:
    base = f"/api/{res.version}" if not res.group else f"/apis/{res.group}/{res.version}"
    if res.namespaced and namespace:
        base += f"/namespaces/{namespace}"
    base += f"/{res.plural}"
    return f"{base}/{name}" if name else base


def request(api: ApiClient, method: str, path: str, body: Any = None, content_type: str = "application/json", query: list[tuple[str, str]] | None = None) -> tuple[int, Any]:
    """One raw API request through a configured client (auth and TLS from its kubeconfig)."""
    # The client serialises JSON bodies itself (a string would be sent as a JSON string); others go as text.
    payload = body if body is None or isinstance(body, (str, bytes)) or content_type == "application/json" else json.dumps(body)
    params = api.param_serialize(
        method=method,
        resource_path=path,
        query_params=query or [],
        header_params={"Content-Type": content_type, "Accept": "application/json"},
        body=payload,
        auth_settings=["BearerToken"],
    )
    response = api.call_api(*params)
    data = response.read()
    try:
        return response.status, json.loads(data) if data else None
    except ValueError:
        return response.status, data.decode(errors="replace")


def namespace_of(session: Session, obj: dict[str, Any], namespace: str | None = None) -> str:
    """The namespace an object of a manifest lands in ("" for a cluster-scoped kind), as `apply` places it."""
    if not resource_of(obj).namespaced:
        return ""
    return (obj.get("metadata") or {}).get("namespace") or namespace or session.namespace


def apply(session: Session, manifest: Manifest, namespace: str | None = None) -> list[dict[str, Any]]:
    """Create or update every object, in order; the first refusal raises ApplyError with the API
    server's message and stops the apply (as `kubectl apply` reports each object, this names the one
    refused). Every object's outcome is kept in `session.applies`."""
    objects = load(manifest)
    outcomes = [Outcome(obj["kind"], namespace_of(session, obj, namespace), obj["metadata"]["name"]) for obj in objects]
    applied = []
    try:
        for index, obj in enumerate(objects):
            res = resource_of(obj)
            ns = outcomes[index].namespace
            path = object_path(res, ns or None, obj["metadata"]["name"])
            status, result = request(session.api, "PATCH", path, obj, "application/apply-patch+yaml", [("fieldManager", FIELD_MANAGER), ("force", "true")])
            if status >= 400:
                message = result.get("message", str(result)) if isinstance(result, dict) else str(result)
                refused = outcomes[index]
                outcomes[index] = replace(refused, refusal=message)
                outcomes[index + 1:] = [replace(o, blocked_by=refused.label) for o in outcomes[index + 1:]]
                raise ApplyError(message, result if isinstance(result, dict) else None)
            applied.append(result)
    finally:
        session.applies.record(outcomes)
    return applied


def delete(session: Session, manifest: Manifest, namespace: str | None = None) -> list[str]:
    """Delete every object named in the manifest (missing ones are skipped); returns `kind/name` of those deleted."""
    gone = []
    for obj in load(manifest):
        res = resource_of(obj)
        ns = (obj.get("metadata") or {}).get("namespace") or namespace or session.namespace
        status, _ = request(session.api, "DELETE", object_path(res, ns if res.namespaced else None, obj["metadata"]["name"]), {"propagationPolicy": "Background"})
        if status < 300:
            gone.append(f"{res.kind.lower()}/{obj['metadata']['name']}")
    return gone
