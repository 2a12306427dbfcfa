"""PATCH bodies applied to stored objects, as the real kube-apiserver does.

Ports of ``gopkg.in/evanphx/json-patch.v4`` (JSON patch, merge patch),
``k8s.io/apimachinery/pkg/util/strategicpatch`` (strategic merge patch) and the
error mapping of ``apiserver/pkg/endpoints/handlers/patch.go``.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from svclab.apiserver.gojson import go_syntax_error, json_kind
from svclab.apiserver.patcherror import PatchError
from svclab.apiserver.patchmeta import Schema, schema_for
from svclab.resources import Resource

JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_PATCH = "application/strategic-merge-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"
# Order as installed by the apiserver (k8s.io/apiserver/pkg/endpoints/installer.go).
PATCH_TYPES: tuple[str, ...] = (JSON_PATCH, MERGE_PATCH, STRATEGIC_PATCH, APPLY_PATCH)

GENERIC_422 = "the server rejected our request due to an error in our request"


class _GoError(Exception):
    """An error of the ported Go code; ``kind`` selects the HTTP mapping."""

    def __init__(self, message: str, kind: str = "other"):
        super().__init__(message)
        self.kind = kind


def media_type(content_type: str) -> str:
    """Drop parameters the way PatchResource does (only when ';' is not first)."""
    idx = content_type.find(";")
    return content_type[:idx] if idx > 0 else content_type


def unsupported_media_type() -> PatchError:
    return PatchError(415, "the body of the request was in an unknown format - accepted media types include: "
                      + ", ".join(PATCH_TYPES))


def apply_patch(obj: dict, body: bytes, content_type: str, resource: Resource) -> dict:
    """Apply a JSON, merge or strategic-merge patch; return a new object."""
    ctype = media_type(content_type)
    if ctype not in PATCH_TYPES:
        raise unsupported_media_type()
    if ctype == APPLY_PATCH:
        raise ValueError("apply patches go through svclab.apiserver.apply.server_side_apply")
    original = copy.deepcopy(obj)
    if ctype == JSON_PATCH:
        return json_patch(original, body)
    if ctype == MERGE_PATCH:
        return merge_patch(original, body)
    return strategic_merge_patch(original, body, schema_for(resource))


# --------------------------------------------------------------------------- Go encoding/json




def go_loads(body: bytes) -> Any:
    """Decode JSON like Go's encoding/json, raising _GoError('syntax') with Go's message."""
    text = body.decode("utf-8", errors="replace")
    try:  # Python's parser first (Go's scanner in Python is slow on big bodies), Go's message on failure
        return json.loads(text, parse_constant=_not_json, parse_int=_bounded_int)
    except RecursionError:
        raise _GoError("exceeded max depth", "syntax") from None
    except ValueError as exc:
        raise _GoError(go_syntax_error(text) or str(exc), "syntax") from None


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _bounded_int(text: str) -> int | float:
    return int(text) if len(text) <= 4000 else float(text)


# --------------------------------------------------------------------------- Go %v formatting

def go_fmt(v: Any) -> str:
    """Format a decoded JSON value like Go's ``%v`` on interface{} values."""
    if v is None:
        return "<nil>"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, dict):
        return "map[" + " ".join(f"{k}:{go_fmt(v[k])}" for k in sorted(v)) + "]"
    if isinstance(v, list):
        return "[" + " ".join(go_fmt(x) for x in v) + "]"
    if isinstance(v, float):
        return _go_float(v)
    return str(v)


def _go_float(v: float) -> str:
    """strconv 'g' with shortest precision, as fmt's %v prints a float64."""
    if v != v or v in (float("inf"), float("-inf")):
        return {"nan": "NaN", "inf": "+Inf", "-inf": "-Inf"}[repr(v)]
    mantissa, _, exp_text = f"{v:e}".partition("e")
    digits = repr(abs(v)).replace(".", "").split("e")[0].lstrip("0").rstrip("0") or "0"
    exp = int(exp_text) if v else 0
    if exp < -4 or exp >= 6:
        body = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{'-' if v < 0 else ''}{body}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    text = repr(v)
    return text[:-2] if text.endswith(".0") else text


# --------------------------------------------------------------------------- RFC 6902 (json-patch v4)

_ErrMissing = "missing value"
_ErrTestFailed = "test failed"
_ErrInvalidIndex = "invalid index referenced"
_MISSING = object()


class _JPError(Exception):
    pass


def _decode_pointer_key(key: str) -> str:
    return key.replace("~1", "/").replace("~0", "~")


def _atoi(key: str) -> int:
    """Go's strconv.Atoi: optional sign and ASCII digits only."""
    body = key[1:] if key[:1] in "+-" else key
    if not body or not body.isascii() or not body.isdigit():
        raise _JPError(f'strconv.Atoi: parsing "{key}": invalid syntax')
    return int(key)


def _container_get(con: Any, key: str) -> Any:
    if isinstance(con, dict):
        return con.get(key, _MISSING)
    idx = _atoi(key)
    if idx >= len(con):
        raise _JPError(f"Unable to access invalid index: {idx}: {_ErrInvalidIndex}")
    if idx < 0:
        raise _JPError(f"Unable to access invalid index: {idx}: {_ErrInvalidIndex}")
    return con[idx]


def _container_add(con: Any, key: str, val: Any) -> None:
    if isinstance(con, dict):
        con[key] = val
        return
    if key == "-":
        con.append(val)
        return
    try:
        idx = _atoi(key)
    except _JPError as exc:
        raise _JPError(f"value was not a proper array index: '{key}': {exc}") from None
    size = len(con) + 1
    if idx >= size or idx < -size:
        raise _JPError(f"Unable to access invalid index: {idx}: {_ErrInvalidIndex}")
    if idx < 0:
        idx += size
    con.insert(idx, val)


def _container_remove(con: Any, key: str) -> None:
    if isinstance(con, dict):
        if key not in con:
            raise _JPError(f"Unable to remove nonexistent key: {key}: {_ErrMissing}")
        del con[key]
        return
    idx = _atoi(key)
    if idx >= len(con) or idx < -len(con):
        raise _JPError(f"Unable to access invalid index: {idx}: {_ErrInvalidIndex}")
    del con[idx]


def _find_object(doc: Any, path: str) -> tuple[Any, str]:
    split = path.split("/")
    if len(split) < 2:
        return None, ""
    cur = doc
    for part in split[1:-1]:
        try:
            nxt = _container_get(cur, _decode_pointer_key(part))
        except _JPError:
            return None, ""
        if nxt is _MISSING or nxt is None or not isinstance(nxt, (dict, list)):
            return None, ""
        cur = nxt
    return cur, _decode_pointer_key(split[-1])


def _lazy_equal(a: Any, b: Any) -> bool:
    """json-patch v4 lazyNode.equal: documents compare a's keys only."""
    if isinstance(a, dict):
        if not isinstance(b, dict):
            return False
        for k, v in a.items():
            if k not in b:
                return False
            if v is None and b[k] is None:
                continue
            if v is None or b[k] is None or not _lazy_equal(v, b[k]):
                return False
        return True
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(_lazy_equal(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def _op_str(op: dict, field: str, label: str) -> str:
    if op.get(field) is None:
        raise _JPError(f"{label}: {_ErrMissing}")
    val = op[field]
    if not isinstance(val, str):
        raise _JPError(f"json: cannot unmarshal {json_kind(val)} into Go value of type string")
    return val


def _apply_op(doc: Any, op: dict) -> None:  # noqa: C901 - one branch per operation, as upstream
    raw_kind = op.get("op")
    kind = raw_kind if isinstance(raw_kind, str) else "unknown"
    value = op.get("value")
    if kind == "add":
        try:
            path = _op_str(op, "path", "operation missing path field")
        except _JPError:
            raise _JPError(f"add operation failed to decode path: {_ErrMissing}") from None
        con, key = _find_object(doc, path)
        if con is None:
            raise _JPError(f'add operation does not apply: doc is missing path: "{path}": {_ErrMissing}')
        try:
            _container_add(con, key, copy.deepcopy(value))
        except _JPError as exc:
            raise _JPError(f"error in add for path: '{path}': {exc}") from None
    elif kind == "remove":
        try:
            path = _op_str(op, "path", "operation missing path field")
        except _JPError:
            raise _JPError(f"remove operation failed to decode path: {_ErrMissing}") from None
        con, key = _find_object(doc, path)
        if con is None:
            raise _JPError(f'remove operation does not apply: doc is missing path: "{path}": {_ErrMissing}')
        try:
            _container_remove(con, key)
        except _JPError as exc:
            raise _JPError(f"error in remove for path: '{path}': {exc}") from None
    elif kind == "replace":
        try:
            path = _op_str(op, "path", "operation missing path field")
        except _JPError as exc:
            raise _JPError(f"replace operation failed to decode path: {exc}") from None
        con, key = _find_object(doc, path)
        if con is None:
            raise _JPError(f"replace operation does not apply: doc is missing path: {path}: {_ErrMissing}")
        if isinstance(con, list):
            try:
                idx = _atoi(key)
                _container_get(con, key)
            except _JPError:
                raise _JPError(f"replace operation does not apply: doc is missing key: {path}: {_ErrMissing}") from None
            con[idx] = copy.deepcopy(value)
        else:
            con[key] = copy.deepcopy(value)  # v4 quirk: a missing object key is added
    elif kind in ("move", "copy"):
        try:
            frm = _op_str(op, "from", "operation, missing from field")
        except _JPError as exc:
            raise _JPError(f"{kind} operation failed to decode from: {exc}") from None
        con, key = _find_object(doc, frm)
        if con is None:
            raise _JPError(f"{kind} operation does not apply: doc is missing from path: {frm}: {_ErrMissing}")
        where = f"error in move for path: '{key}'" if kind == "move" else f"error in copy for from: '{frm}'"
        try:
            val = _container_get(con, key)
        except _JPError as exc:
            raise _JPError(f"{where}: {exc}") from None
        val = None if val is _MISSING else val
        if kind == "move":
            try:
                _container_remove(con, key)
            except _JPError as exc:
                raise _JPError(f"{where}: {exc}") from None
        try:
            path = _op_str(op, "path", "operation missing path field")
        except _JPError as exc:
            raise _JPError(f"{kind} operation failed to decode path: {exc}") from None
        con, key = _find_object(doc, path)
        if con is None:
            raise _JPError(f"{kind} operation does not apply: doc is missing destination path: {path}: {_ErrMissing}")
        try:
            _container_add(con, key, copy.deepcopy(val))
        except _JPError as exc:
            what = f"error in move for path: '{path}'" if kind == "move" else "error while adding value during copy"
            raise _JPError(f"{what}: {exc}") from None
    elif kind == "test":
        try:
            path = _op_str(op, "path", "operation missing path field")
        except _JPError as exc:
            raise _JPError(f"test operation failed to decode path: {exc}") from None
        con, key = _find_object(doc, path)
        if con is None:
            raise _JPError(f"test operation does not apply: is missing path: {path}: {_ErrMissing}")
        try:
            val = _container_get(con, key)
        except _JPError as exc:
            raise _JPError(f"error in test for path: '{path}': {exc}") from None
        if val is _MISSING or val is None:
            if value is None:
                return
            raise _JPError(f"testing value {path} failed: {_ErrTestFailed}")
        if "value" not in op or not _lazy_equal(val, value):
            raise _JPError(f"testing value {path} failed: {_ErrTestFailed}")
    else:
        raise _JPError(f"Unexpected kind: {kind}")


def json_patch(doc: dict, body: bytes) -> dict:
    """RFC 6902 with json-patch v4 behaviour; failures are 422 like the apiserver's."""
    try:
        ops = go_loads(body)
    except _GoError as exc:
        raise PatchError(400, str(exc)) from None
    if ops is None:
        ops = []
    if not isinstance(ops, list):
        raise PatchError(400, f"json: cannot unmarshal {json_kind(ops)} into Go value of type jsonpatch.Patch")
    for op in ops:
        if op is not None and not isinstance(op, dict):
            raise PatchError(400, f"json: cannot unmarshal {json_kind(op)} into Go value of type jsonpatch.Operation")
    if len(ops) > 10000:
        raise PatchError(413, f"Request entity too large: The allowed maximum operations in a JSON patch is 10000, got {len(ops)}")
    for op in ops:
        try:
            _apply_op(doc, op or {})
        except _JPError as exc:
            raise PatchError(422, GENERIC_422, cause=str(exc)) from None
    return doc


# --------------------------------------------------------------------------- RFC 7386 (json-patch v4 MergePatch)

def _prune_nulls(v: Any) -> Any:
    if isinstance(v, dict):
        for k in [k for k, x in v.items() if x is None]:
            del v[k]
        for x in v.values():
            _prune_nulls(x)
    elif isinstance(v, list):
        for x in v:
            if x is not None:
                _prune_nulls(x)
    return v


def _merge_docs(doc: dict, patch: dict) -> None:
    for k, v in patch.items():
        if v is None:
            doc.pop(k, None)
            continue
        cur = doc.get(k)
        if cur is None:
            doc[k] = _prune_nulls(v)
        elif not isinstance(cur, dict):
            doc[k] = _prune_nulls(v)
        elif not isinstance(v, dict):
            doc[k] = v
        else:
            _merge_docs(cur, v)


def merge_patch(doc: dict, body: bytes) -> dict:
    """JSON merge patch; a non-object patch becomes the document, as in json-patch v4."""
    bad = PatchError(400, "Invalid JSON Patch")
    try:
        patch = go_loads(body)
    except _GoError:
        raise bad from None
    if patch is None:
        raise bad
    if isinstance(patch, dict):
        _merge_docs(doc, patch)
        return doc
    if isinstance(patch, list):
        result = _prune_nulls(patch)
        raise PatchError(422, _not_an_object_message(result), cause="merge patch replaced the object with a list")
    raise bad


def _not_an_object_message(result: Any) -> str:
    encoded = json.dumps(result, separators=(",", ":"))
    err = ("couldn't get version/kind; json parse error: json: cannot unmarshal array into Go value of type "
           'struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }')
    return f' "" is invalid: patch: Invalid value: {json.dumps(encoded)}: {err}'


# --------------------------------------------------------------------------- strategic merge patch

DIRECTIVE = "$patch"
DELETE, REPLACE, MERGE = "delete", "replace", "merge"
RETAIN_KEYS = "$retainKeys"
DELETE_FROM_PRIMITIVE = "$deleteFromPrimitiveList"
SET_ELEMENT_ORDER = "$setElementOrder"

ErrBadJSONDoc = "invalid JSON document"
ErrNoListOfLists = "lists of lists are not supported"
ErrBadPatchFormatForPrimitiveList = "invalid patch format of primitive list"
ErrBadPatchFormatForRetainKeys = "invalid patch format of retainKeys"
ErrBadPatchFormatForSetElementOrderList = "invalid patch format of setElementOrder list"
_BAD_REQUEST = {ErrBadJSONDoc, ErrBadPatchFormatForPrimitiveList, ErrBadPatchFormatForRetainKeys,
                ErrBadPatchFormatForSetElementOrderList}
_UNPROCESSABLE = {ErrNoListOfLists}


def _go_type(v: Any) -> str:
    if isinstance(v, dict):
        return "map[string]interface {}"
    if isinstance(v, list):
        return "[]interface {}"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, str):
        return "string"
    if isinstance(v, int):
        return "int64"
    if isinstance(v, float):
        return "float64"
    return "<nil>"


def _err_no_merge_key(m: dict, key: str) -> _GoError:
    return _GoError(f"map: {go_fmt(m)} does not contain declared merge key: {key}")


def _err_bad_arg_type(expected: str, actual: Any) -> _GoError:
    return _GoError(f"expected a {expected}, but received a {_go_type(actual)}")


def strategic_merge_patch(original: dict, body: bytes, schema: Schema) -> dict:
    """Apply a strategic merge patch body to ``original`` (which is mutated and returned)."""
    try:
        patch = go_loads(body)
    except _GoError as exc:
        raise PatchError(400, str(exc)) from None
    if patch is None:
        patch = {}
    if not isinstance(patch, dict):
        raise PatchError(400, f"json: cannot unmarshal {json_kind(patch)} into Go value of type map[string]interface {{}}")
    try:
        result = strategic_merge(original, patch, schema)
    except _GoError as exc:
        msg = str(exc)
        if msg in _BAD_REQUEST:
            raise PatchError(400, msg) from None
        if msg in _UNPROCESSABLE:
            raise PatchError(422, GENERIC_422, cause=msg) from None
        raise PatchError(500, msg) from None
    _strip_directives(result)
    return result


def strategic_merge(original: dict, patch: dict, schema: Schema) -> dict:
    """StrategicMergeMapPatch (server side: parallel lists merged, unmatched nulls ignored)."""
    return _merge_map(original, patch, schema)


def _strip_directives(v: Any) -> None:
    """Decoding into a typed object drops directive keys left in newly added subtrees."""
    if isinstance(v, dict):
        for k in [k for k in v if k == DIRECTIVE or k == RETAIN_KEYS
                  or k.startswith(SET_ELEMENT_ORDER + "/") or k.startswith(DELETE_FROM_PRIMITIVE + "/")]:
            del v[k]
        for x in v.values():
            _strip_directives(x)
    elif isinstance(v, list):
        for x in v:
            _strip_directives(x)


def _handle_directive_in_merge_map(directive: Any, patch: dict) -> dict:
    if directive == REPLACE:
        del patch[DIRECTIVE]
        return patch
    if directive == DELETE:
        return {}
    raise _GoError(f"unknown patch type: {go_fmt(directive)} in map: {go_fmt(patch)}")


def _merge_map(original: dict | None, patch: dict, schema: Schema) -> dict:
    if DIRECTIVE in patch:
        return _handle_directive_in_merge_map(patch[DIRECTIVE], patch)
    if original is None:
        original = {}
    _apply_retain_keys(original, patch)
    _merge_patch_into_original(original, patch, schema)
    for k in list(patch):
        patch_v = patch[k]
        is_delete_list = False
        if k.startswith(DELETE_FROM_PRIMITIVE):
            k = _extract_key(k, DELETE_FROM_PRIMITIVE)
            is_delete_list = True
        if patch_v is None:
            original.pop(k, None)
            continue
        if k not in original:
            original[k] = patch_v
            continue
        orig_v = original[k]
        if isinstance(orig_v, dict) and isinstance(patch_v, dict):
            meta = schema.meta(k)
            if meta.patch_strategy == REPLACE:
                original[k] = patch_v
            else:
                original[k] = _merge_map(orig_v, patch_v, schema.child(k))
        elif isinstance(orig_v, list) and isinstance(patch_v, list):
            meta = schema.meta(k)
            if meta.patch_strategy == MERGE:
                original[k] = _merge_slice(orig_v, patch_v, schema.child(k), meta.merge_key, is_delete_list)
            else:
                original[k] = patch_v
        else:
            original[k] = patch_v
    return original


def _extract_key(s: str, prefix: str) -> str:
    parts = s.split("/", 1)
    if len(parts) <= 1 or parts[0] != prefix:
        if prefix == DELETE_FROM_PRIMITIVE:
            raise _GoError(ErrBadPatchFormatForPrimitiveList)
        if prefix == SET_ELEMENT_ORDER:
            raise _GoError(ErrBadPatchFormatForSetElementOrderList)
        raise _GoError(f'fail to find unknown prefix "{prefix}" in {s}\n')
    return parts[1]


def _apply_retain_keys(original: dict, patch: dict) -> None:
    if RETAIN_KEYS not in patch:
        return
    retain = patch.pop(RETAIN_KEYS)
    if not isinstance(retain, list):
        raise _GoError(ErrBadPatchFormatForRetainKeys)
    keep = set(json.dumps(v) for v in retain)
    for k, v in patch.items():
        if v is None or k.startswith(DELETE_FROM_PRIMITIVE) or k.startswith(SET_ELEMENT_ORDER):
            continue
        if json.dumps(k) not in keep:
            raise _GoError(ErrBadPatchFormatForRetainKeys)
    for k in list(original):
        if json.dumps(k) not in keep:
            del original[k]


def _merge_patch_into_original(original: dict, patch: dict, schema: Schema) -> None:
    for key in list(patch):
        if not key.startswith(SET_ELEMENT_ORDER):
            continue
        order = patch.pop(key)
        if not isinstance(order, list):
            raise _err_bad_arg_type("[]interface {}", order)
        orig_key = _extract_key(key, SET_ELEMENT_ORDER)
        found_original, found_patch = orig_key in original, orig_key in patch
        original_list: list = []
        patch_list: list = []
        if found_original:
            if not isinstance(original[orig_key], list):
                raise _err_bad_arg_type("[]interface {}", original[orig_key])
            original_list = original[orig_key]
        if found_patch:
            if not isinstance(patch[orig_key], list):
                raise _err_bad_arg_type("[]interface {}", patch[orig_key])
            patch_list = patch[orig_key]
        meta = schema.meta(orig_key)
        merge_key = meta.merge_key
        _validate_patch_with_set_order_list(patch_list, order, merge_key)
        if found_original and not found_patch:
            merged = original_list
        elif not found_original and found_patch:
            merged = patch_list
        elif found_original and found_patch:
            if meta.patch_strategy == MERGE:
                merged = _merge_slice(original_list, patch_list, schema.child(orig_key), merge_key, False)
            else:
                merged = patch_list
        else:
            continue
        if not merge_key:
            patch_items, server_only = _partition_primitives(merged, order)
        else:
            patch_items, server_only = _partition_maps(merged, order, merge_key)
        kind = _slice_element_kind(original_list, patch_list)
        original[orig_key] = _normalize_element_order(patch_items, server_only, order, original_list, merge_key, kind)
        patch.pop(orig_key, None)


def _validate_patch_with_set_order_list(patch_list: list, order: list, merge_key: str) -> None:
    if not order or not patch_list:
        return
    if merge_key:
        non_delete, _ = _extract_to_delete_items(patch_list)
    else:
        non_delete = patch_list
    pi = si = 0
    while pi < len(non_delete) and si < len(order):
        if isinstance(non_delete[pi], dict) and DIRECTIVE in non_delete[pi]:
            pi += 1
            continue
        if _merge_key_value_equal(non_delete[pi], order[si], merge_key):
            pi += 1
        si += 1
    if pi < len(non_delete) and si >= len(order):
        raise _GoError(f"The order in patch list:\n{go_fmt(patch_list)}\n doesn't match {SET_ELEMENT_ORDER} list:\n"
                       f"{go_fmt(order)}\n")


def _merge_key_value_equal(left: Any, right: Any, merge_key: str) -> bool:
    if not merge_key:
        return _go_eq(left, right)
    if not isinstance(left, dict):
        raise _err_bad_arg_type("map[string]interface {}", left)
    if not isinstance(right, dict):
        raise _err_bad_arg_type("map[string]interface {}", right)
    if merge_key not in left:
        raise _err_no_merge_key(left, merge_key)
    if merge_key not in right:
        raise _err_no_merge_key(right, merge_key)
    return _go_eq(left[merge_key], right[merge_key])


def _go_eq(a: Any, b: Any) -> bool:
    """Go interface equality for JSON scalars (int64 and float64 never equal)."""
    return type(a) is type(b) and a == b


def _partition_primitives(items: list, by: list) -> tuple[list, list]:
    patch, server = [], []
    for v in items:
        (patch if any(_go_eq(v, b) for b in by) else server).append(v)
    return patch, server


def _partition_maps(items: list, by: list, merge_key: str) -> tuple[list, list]:
    patch, server = [], []
    for v in items:
        if not isinstance(v, dict):
            raise _err_bad_arg_type("map[string]interface {}", v)
        if merge_key not in v:
            raise _err_no_merge_key(v, merge_key)
        found = _find_map_in_slice(by, merge_key, v[merge_key])[1] >= 0
        (patch if found else server).append(v)
    return patch, server


def _find_map_in_slice(items: list, key: str, value: Any) -> tuple[dict | None, int]:
    for i, v in enumerate(items):
        if not isinstance(v, dict):
            raise _GoError(f"value for key {i} is not a map.")
        if key in v and _go_eq(v[key], value):
            return v, i
    return None, -1


def _slice_element_kind(*slices: list) -> str:
    prev: str | None = None
    for s in slices:
        for v in s:
            cur = _go_type(v)
            if prev is None:
                prev = cur
                if isinstance(v, list):
                    raise _GoError(ErrNoListOfLists)
            elif prev != cur:
                raise _GoError(f"list element types are not identical: {go_fmt(list(slices))}")
    if prev is None:
        raise _GoError("no elements in any of the given slices")
    return "map" if prev.startswith("map") else prev


def _index(items: list, val: Any, merge_key: str, kind: str) -> int:
    def get(item: Any) -> Any:
        if kind == "map":
            return item.get(merge_key) if isinstance(item, dict) else None
        return item
    target = get(val)
    for i, v in enumerate(items):
        if _go_eq(target, get(v)):
            return i
    return -1


def _extract_to_delete_items(items: list) -> tuple[list, list]:
    keep, delete = [], []
    for v in items:
        if not isinstance(v, dict):
            raise _err_bad_arg_type("map[string]interface {}", v)
        (delete if v.get(DIRECTIVE) == DELETE else keep).append(v)
    return keep, delete


def _normalize_slice_order(to_sort: list, order: list, merge_key: str, kind: str) -> list:
    to_delete: list = []
    if kind == "map":
        for lst in (to_sort, order):
            for item in lst:
                if not isinstance(item, dict):
                    raise _err_bad_arg_type("map[string]interface {}", item)
                if merge_key not in item:
                    raise _err_no_merge_key(item, merge_key)
        to_sort, to_delete = _extract_to_delete_items(to_sort)
    # Every item is found in ``order`` here, so Go's SliceStable reduces to a stable sort by index.
    ranked = sorted(to_sort, key=lambda item: _index(order, item, merge_key, kind))
    return ranked + to_delete


def _merge_sorted_slice(left: list, right: list, server_order: list, merge_key: str, kind: str) -> list:
    out: list = []
    i = j = 0
    while i < len(left) or j < len(right):
        if i >= len(left):
            out.append(right[j])
            j += 1
        elif j >= len(right):
            out.append(left[i])
            i += 1
        else:
            li = _index(server_order, left[i], merge_key, kind)
            ri = _index(server_order, right[j], merge_key, kind)
            if li >= 0 and ri >= 0 and li < ri:
                out.append(left[i])
                i += 1
            else:
                out.append(right[j])
                j += 1
    return out


def _normalize_element_order(patch: list, server_only: list, patch_order: list, server_order: list,
                             merge_key: str, kind: str) -> list:
    patch = _normalize_slice_order(patch, patch_order, merge_key, kind)
    server_only = _normalize_slice_order(server_only, server_order, merge_key, kind)
    return _merge_sorted_slice(server_only, patch, server_order, merge_key, kind)


def _deduplicate_scalars(s: list) -> list:
    """The 'clever' in-place dedupe of strategicpatch (it reorders)."""
    s = list(s)
    length = len(s) - 1
    i = 0
    while i < length:
        j = i + 1
        while j <= length:
            if _go_eq(s[i], s[j]):
                s[j] = s[length]
                s = s[:length]
                length -= 1
                j -= 1
            j += 1
        i += 1
    return s


def _merge_slice(original: list, patch: list, elem: Schema, merge_key: str, is_delete_list: bool) -> list:
    if not original and not patch:
        return original
    kind = _slice_element_kind(original, patch)
    if kind != "map":
        if is_delete_list:
            return [v for v in original if not any(_go_eq(v, d) for d in patch)]
        merged = _deduplicate_scalars(original + patch)
    else:
        if not merge_key:
            raise _GoError("cannot merge lists without merge key for type map")
        original, patch = _merge_slice_with_special_elements(original, patch, merge_key)
        merged = _merge_slice_without_special_elements(original, patch, merge_key, elem)
    if not merge_key:
        patch_items, server_only = _partition_primitives(merged, patch)
    else:
        patch_items, server_only = _partition_maps(merged, patch, merge_key)
    return _normalize_element_order(patch_items, server_only, patch, original, merge_key, kind)


def _merge_slice_with_special_elements(original: list, patch: list, merge_key: str) -> tuple[list, list]:
    plain: list = []
    replace = False
    original = list(original)
    for v in patch:
        if DIRECTIVE not in v:
            plain.append(v)
            continue
        directive = v[DIRECTIVE]
        if directive == DELETE:
            if merge_key not in v:
                raise _err_no_merge_key(v, merge_key)
            original = [o for o in original if not (isinstance(o, dict) and merge_key in o
                                                    and _go_eq(o[merge_key], v[merge_key]))]
        elif directive == REPLACE:
            replace = True
        elif directive == MERGE:
            raise _GoError("merging lists cannot yet be specified in the patch")
        else:
            raise _GoError(f"unknown patch type: {go_fmt(directive)} in map: {go_fmt(v)}")
    if replace:
        return plain, []
    return original, plain


def _merge_slice_without_special_elements(original: list, patch: list, merge_key: str, elem: Schema) -> list:
    original = list(original)
    for v in patch:
        if merge_key not in v:
            raise _err_no_merge_key(v, merge_key)
        found, idx = _find_map_in_slice(original, merge_key, v[merge_key])
        if found is not None:
            original[idx] = _merge_map(found, v, elem)
        else:
            original.append(v)
    return original
