"""The autoscaling/v1 Scale view of Deployments, ReplicaSets and StatefulSets (the `scale` subresource)."""

from __future__ import annotations

from typing import Any

from svclab.state.selectors import selector_from_match


def _selector_string(selector: dict[str, Any] | None) -> str:
    parts = []
    for req in selector_from_match(selector):
        if req.op == "=":
            parts.append(f"{req.key}={req.values[0]}")
        elif req.op in ("in", "notin"):
            parts.append(f"{req.key} {req.op} ({','.join(sorted(req.values))})")
        elif req.op == "exists":
            parts.append(req.key)
        else:
            parts.append(f"!{req.key}")
    return ",".join(sorted(parts))


def scale_of(obj: dict[str, Any]) -> dict[str, Any]:
    meta = obj["metadata"]
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp") if k in meta},
        "spec": {"replicas": int(obj.get("spec", {}).get("replicas", 0))},
        "status": {"replicas": int(obj.get("status", {}).get("replicas", 0)), "selector": _selector_string(obj.get("spec", {}).get("selector"))},
    }
