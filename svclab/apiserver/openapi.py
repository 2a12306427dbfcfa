"""A minimal /openapi/v3: per group-version documents whose PATCH operations declare the
`fieldValidation` query parameter, so kubectl uses server-side field validation (no `--validate=false`).
They carry the kinds' schemas (so `kubectl explain` works) but no PATCH request bodies, so client-side
apply computes strategic merge patches from kubectl's compiled-in types."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from svclab import __version__ as svclab_version
from svclab.resources import RESOURCES
from svclab.version import KUBERNETES_VERSION

QUERY_PARAMS = ("dryRun", "fieldManager", "fieldValidation", "force", "pretty")


def _gv_path(api_version: str) -> str:
    return f"api/{api_version}" if "/" not in api_version else f"apis/{api_version}"


def group_version_document(gv_path: str) -> dict[str, Any] | None:
    paths: dict[str, Any] = {}
    for res in RESOURCES:
        if _gv_path(res.api_version) != gv_path:
            continue
        prefix = f"/{gv_path}/namespaces/{{namespace}}" if res.namespaced else f"/{gv_path}"
        gvk = {"group": res.group, "version": res.version, "kind": res.kind}
        params = [{"name": name, "in": "query", "schema": {"type": "string", "uniqueItems": True}} for name in QUERY_PARAMS]
        paths[f"{prefix}/{res.plural}/{{name}}"] = {
            "patch": {"operationId": f"patch{res.kind}", "x-kubernetes-action": "patch", "x-kubernetes-group-version-kind": gvk, "parameters": params},
            "get": {"operationId": f"read{res.kind}", "x-kubernetes-action": "get", "x-kubernetes-group-version-kind": gvk},
        }
    if not paths:
        return None
    from svclab.apiserver.schemas import all_schemas  # the kubernetes client's models: imported when first asked for, not at start

    return {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": KUBERNETES_VERSION}, "paths": paths, "components": {"schemas": all_schemas()}}


def root_document() -> dict[str, Any]:
    """The index; each document's hash names what it holds (this svclab's resources), without building it."""
    paths = {}
    for gv in sorted({_gv_path(res.api_version) for res in RESOURCES}):
        served = [(r.kind, r.plural, r.namespaced) for r in RESOURCES if _gv_path(r.api_version) == gv]
        digest = hashlib.sha512(json.dumps([svclab_version, KUBERNETES_VERSION, gv, served]).encode()).hexdigest().upper()[:128]
        paths[gv] = {"serverRelativeURL": f"/openapi/v3/{gv}?hash={digest}"}
    return {"paths": paths}
