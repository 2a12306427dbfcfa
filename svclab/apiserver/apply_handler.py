"""PATCH with application/apply-patch+yaml: server-side apply, creating the object when it is missing."""

from __future__ import annotations

from typing import Any

from svclab.apiserver.apply import decode_apply_body, server_side_apply
from svclab.apiserver.codec import check_type
from svclab.apiserver.typecheck import check_types, drop_nulls, unknown_fields
from svclab.registry.core import Registry
from svclab.resources import Resource
from svclab.state.clock import Clock
from svclab.validation import errors


def server_side_apply_request(
    registry: Registry,
    res: Resource,
    namespace: str,
    name: str,
    raw: bytes,
    manager: str,
    force: bool,
    dry_run: bool,
    clock: Clock,
    decoded: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], bool]:
    """``decoded``: the body already decoded (by `decode_apply_body`, off the event loop)."""
    if not manager or manager == "unknown":
        raise errors.bad_request("PATCH, application/apply-patch+yaml requests require a fieldManager")
    applied = decoded if decoded is not None else decode_apply_body(raw)
    check_type(applied, res.api_version, res.kind)
    check_types(applied, res.api_version, res.kind)
    drop_nulls(applied, res.api_version, res.kind)
    unknown = unknown_fields(applied, res.api_version, res.kind)
    if unknown:  # an apply configuration is always typed strictly (structured-merge-diff)
        group_version = f"{res.group}/{res.version}" if res.group else f"/{res.version}"
        where = f"{namespace}/{name}" if namespace else name
        detail = ", ".join(f".{path}: field not declared in schema" for path in unknown)
        raise errors.ApiError(errors.status_dict(500, "", f"failed to create typed patch object ({where}; {group_version}, Kind={res.kind}): {detail}", None))
    if not isinstance(applied.get("metadata"), dict):
        applied["metadata"] = {}
    meta = applied["metadata"]
    if meta.get("name") and meta["name"] != name:
        raise errors.bad_request("the name of the object (%s) does not match the name on the URL (%s)" % (meta["name"], name))
    meta["name"] = name
    live = registry.store.get(res, namespace, name)
    result = server_side_apply(live, applied, manager=manager, force=force, resource=res, now=clock.rfc3339())
    if live is None:
        return registry.create(res, namespace, result, dry_run=dry_run), True
    return registry.update(res, namespace, name, result, dry_run=dry_run), False
