"""meta.k8s.io Table responses, as the apiserver builds them for `kubectl get`.

Typed kinds go through their printer (pkg/printers/storage TableConvertor, always Wide); any other kind
through rest.NewDefaultTableConvertor (Name, Created At). Rows then carry what `includeObject` asks for
(endpoints/handlers/response.go asTable): PartialObjectMetadata by default, the full object, or null.
"""

from __future__ import annotations

import copy
from datetime import datetime, timezone
from typing import Any

from ..resources import Resource
from .printers import printer_for
from .printers.columns import META_CREATION_TIMESTAMP, META_NAME, col
from .printers.duration import parse_time

TABLE_GROUP = "meta.k8s.io"
TABLE_VERSIONS = ("v1", "v1beta1")
INCLUDE_OBJECT_VALUES = ("None", "Metadata", "Object")

DEFAULT_COLUMNS = (
    col("Name", "string", META_NAME, fmt="name"),
    col("Created At", "date", META_CREATION_TIMESTAMP),
)


class TableOptionsError(ValueError):
    """The request's table options are invalid: the apiserver answers 400 BadRequest with this message."""


def table_version_from_accept(accept: str | None) -> str | None:
    """The Table group/version an Accept header negotiates (`meta.k8s.io/v1`), or None for plain objects.

    Media ranges are taken in order, as kubectl sends them: the first one the server can honour wins.
    """
    for clause in (accept or "").split(","):
        parts = [p.strip() for p in clause.split(";")]
        media = parts[0].lower()
        params = dict(p.split("=", 1) for p in parts[1:] if "=" in p)
        if media not in ("application/json", "application/*", "*/*"):
            continue
        if "as" not in params:
            return None
        if params.get("as") == "Table" and params.get("g") == TABLE_GROUP and params.get("v") in TABLE_VERSIONS:
            return f"{TABLE_GROUP}/{params['v']}"
    return None


def _created_at(obj: dict[str, Any]) -> str:
    """m.GetCreationTimestamp().Time.UTC().Format(time.RFC3339); the zero time for unset."""
    when = parse_time((obj.get("metadata") or {}).get("creationTimestamp"))
    if when is None:
        return "0001-01-01T00:00:00Z"
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _row_object(resource: Resource, obj: dict[str, Any], include_object: str, group_version: str) -> Any:
    if include_object == "None":
        return None
    if include_object == "Object":
        full = {"kind": obj.get("kind") or resource.kind, "apiVersion": obj.get("apiVersion") or resource.api_version}
        full.update({k: v for k, v in obj.items() if k not in ("kind", "apiVersion")})
        return copy.deepcopy(full)
    return {
        "kind": "PartialObjectMetadata",
        "apiVersion": group_version,
        "metadata": copy.deepcopy(obj.get("metadata") or {}),
    }


def _table_meta(objects: list[dict[str, Any]], list_meta: dict[str, Any] | None) -> dict[str, Any]:
    if list_meta is None:
        rv = (objects[0].get("metadata") or {}).get("resourceVersion") if len(objects) == 1 else None
        return {"resourceVersion": rv} if rv else {}
    out: dict[str, Any] = {}
    for key in ("resourceVersion", "continue"):
        if list_meta.get(key):
            out[key] = list_meta[key]
    if list_meta.get("remainingItemCount") is not None:
        out["remainingItemCount"] = list_meta["remainingItemCount"]
    return out


def table_for(
    resource: Resource,
    objects: list[dict[str, Any]],
    *,
    now: datetime,
    include_object: str = "Metadata",
    list_meta: dict[str, Any] | None = None,
    no_headers: bool = False,
    group_version: str = "meta.k8s.io/v1",
) -> dict[str, Any]:
    """The Table a v1.35 apiserver returns for `objects`.

    `list_meta` is the list's metadata for a LIST (resourceVersion, continue, remainingItemCount); leave it
    None for a GET of one object, whose resourceVersion then becomes the table's. `include_object` is the
    `includeObject` query parameter ("" means Metadata); `no_headers` is TableOptions.noHeaders, which
    leaves `columnDefinitions` null.
    """
    include = include_object or "Metadata"
    if include not in INCLUDE_OBJECT_VALUES:
        raise TableOptionsError(f'unrecognized includeObject value: "{include_object}"')
    printer = printer_for(resource.group, resource.kind)
    rows: list[dict[str, Any]] | None
    if printer is not None:
        columns: list[dict[str, Any]] | None = [dict(c) for c in printer.columns]
        rows = []
        for obj in objects:
            printed = printer.print_row(obj, now)
            row: dict[str, Any] = {"cells": printed.cells}
            if printed.conditions:
                row["conditions"] = printed.conditions
            row["object"] = _row_object(resource, obj, include, group_version)
            rows.append(row)
    else:
        columns = [dict(c) for c in DEFAULT_COLUMNS]
        rows = [
            {
                "cells": [str((obj.get("metadata") or {}).get("name") or ""), _created_at(obj)],
                "object": _row_object(resource, obj, include, group_version),
            }
            for obj in objects
        ] or None
    return {
        "kind": "Table",
        "apiVersion": group_version,
        "metadata": _table_meta(objects, list_meta),
        "columnDefinitions": None if no_headers else columns,
        "rows": rows,
    }
