"""The autoscaling/v1 Scale view of Deployments, ReplicaSets and StatefulSets (the `scale` subresource),
and what a write of it may carry: decoded as a Scale (int32 replicas, with the decoder's text) and
validated as ValidateScale does (pkg/apis/autoscaling/validation/validation.go)."""

from __future__ import annotations

from typing import Any

from svclab.apiserver.codec import check_type
from svclab.resources import Resource
from svclab.state.selectors import selector_from_match
from svclab.validation import errors, field, messages

SCALE_API_VERSION = "autoscaling/v1"


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
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    return {
        "kind": "Scale",
        "apiVersion": SCALE_API_VERSION,
        "metadata": {k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp") if k in meta},
        "spec": {"replicas": int(spec.get("replicas", 0) or 0)},
        "status": {"replicas": int(status.get("replicas", 0) or 0), "selector": _selector_string(spec.get("selector"))},
    }


def replicas_of_scale(body: dict[str, Any], res: Resource, name: str, current: dict[str, Any]) -> int:
    """The replicas a Scale body asks for; the decoder's 400 or ValidateScale's 422 when it cannot be had,
    a 409 when its resourceVersion or uid precondition no longer holds."""
    from svclab.apiserver.typecheck import check_types, drop_nulls

    check_type(body, SCALE_API_VERSION, "Scale")
    check_types(body, SCALE_API_VERSION, "Scale")
    drop_nulls(body, SCALE_API_VERSION, "Scale")
    meta = body.get("metadata") or {}
    if meta.get("name") and meta["name"] != name:
        raise errors.bad_request(messages.NAME_MISMATCH.format(obj=meta["name"], url=name))
    replicas = (body.get("spec") or {}).get("replicas", 0)
    if replicas < 0:
        raise errors.invalid_kind(messages.SCALE_GROUP, "Scale", name, [field.invalid("spec.replicas", replicas, messages.IS_NEGATIVE)])
    current_meta = current["metadata"]
    if meta.get("uid") and meta["uid"] != current_meta.get("uid"):
        raise errors.conflict(res, name, messages.PRECONDITION_UID.format(want=meta["uid"], have=current_meta.get("uid", "")))
    if meta.get("resourceVersion") and meta["resourceVersion"] != current_meta.get("resourceVersion"):
        raise errors.conflict(res, name, messages.OBJECT_MODIFIED)
    return int(replicas)
