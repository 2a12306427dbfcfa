"""Server-side apply and managedFields, after sigs.k8s.io/structured-merge-diff.

Field sets are sets of paths; a path is a tuple of FieldsV1 keys
(``f:name``, ``k:{"name":"web"}``, ``v:"x"``), so they map one-to-one onto the
``fieldsV1`` JSON the real apiserver stores.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any, Iterator

from svclab.apiserver.patcherror import PatchError
from svclab.apiserver.patchmeta import FieldMeta, Schema, schema_for
from svclab.resources import Resource, by_kind

Path = tuple[str, ...]
_EMPTY_META = FieldMeta()

# Fields the apiserver never records ownership of (fieldmanager's stripMeta manager).
_STRIPPED: frozenset[Path] = frozenset({("f:apiVersion",), ("f:kind",), ("f:metadata",)} | {
    ("f:metadata", f"f:{name}") for name in ("name", "namespace", "creationTimestamp", "selfLink", "uid",
                                              "clusterName", "generation", "managedFields", "resourceVersion")})
# Defaults of list-map key fields (the +default markers server-side apply honours).
_KEY_DEFAULTS = {"protocol": "TCP"}


@dataclass
class _Entry:
    manager: str
    operation: str
    api_version: str
    time: str | None
    subresource: str = ""
    paths: set[Path] = field(default_factory=set)

    @property
    def ident(self) -> tuple[str, str, str, str]:
        return (self.manager, self.operation, "" if self.operation == "Apply" else self.api_version, self.subresource)

    def describe(self) -> str:
        """printManager of fieldmanager/internal/conflict.go."""
        text = json.dumps(self.manager)
        if self.subresource:
            text += f" with subresource {json.dumps(self.subresource)}"
        if self.operation == "Update":
            text += f" using {self.api_version}"
        return text


# --------------------------------------------------------------------------- decoding

def decode_apply_body(body: bytes) -> dict:
    """Decode an application/apply-patch+yaml body (YAML or JSON) like applyPatcher does, with
    go-yaml's alias budget (svclab.apiserver.yamlbody, with PyYAML: loaded with the first apply)."""
    from svclab.apiserver.yamlbody import YamlRefused, yaml_to_json

    try:
        doc = yaml_to_json(body.decode("utf-8", errors="replace"))
    except YamlRefused as exc:
        raise PatchError(400, f"error decoding YAML: error converting YAML to JSON: {exc}") from None
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        kind = "array" if isinstance(doc, list) else "string" if isinstance(doc, str) else "number"
        raise PatchError(400, "error decoding YAML: error unmarshaling JSON: while decoding JSON: json: cannot "
                         f"unmarshal {kind} into Go value of type map[string]interface {{}}")
    return doc


# --------------------------------------------------------------------------- path elements

def _jsonv(v: Any) -> str:
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False)


def _item_key(item: Any, meta: FieldMeta) -> str | None:
    """FieldsV1 key of a list item: ``k:{...}`` for list maps, ``v:...`` for sets."""
    if meta.ssa_list_type == "set":
        return "v:" + _jsonv(item)
    if not isinstance(item, dict):
        return None
    keys = {}
    for name in sorted(meta.ssa_keys):
        if name in item:
            keys[name] = item[name]
        elif name in _KEY_DEFAULTS:
            keys[name] = _KEY_DEFAULTS[name]
    return "k:" + _jsonv(keys)


def path_string(path: Path) -> str:
    """fieldpath.Path.String(): ``.spec.ports[port=80,protocol="TCP"].targetPort``."""
    out = []
    for pe in path:
        kind, _, rest = pe.partition(":")
        if kind == "f":
            out.append("." + rest)
        elif kind == "k":
            keys = json.loads(rest)
            out.append("[" + ",".join(f"{k}={_jsonv(v)}" for k, v in keys.items()) + "]")
        elif kind == "v":
            out.append(f"[={rest}]")
        else:
            out.append(f"[{rest}]")
    return "".join(out)


# --------------------------------------------------------------------------- walking

def _walk(v: Any, schema: Schema, meta: FieldMeta, path: Path) -> Iterator[tuple[Path, Any, str]]:
    """Yield (path, value, category) below ``path``: category is leaf, item or node."""
    if isinstance(v, dict):
        if meta.atomic or schema.atomic:
            yield path, v, "leaf"
            return
        if path:
            yield path, None, "node" if not meta.value else "value"
        for k, child in v.items():
            yield from _walk(child, schema.child(k), schema.meta(k), path + ("f:" + k,))
        return
    if isinstance(v, list):
        list_type = meta.ssa_list_type
        if list_type == "atomic" or not v:
            yield path, v, "leaf"
            return
        yield path, None, "node"
        for item in v:
            key = _item_key(item, meta)
            if key is None:
                continue
            if list_type == "set":
                yield path + (key,), item, "leaf"
            else:
                yield path + (key,), None, "item"
                yield from _walk_item(item, schema, path + (key,))
        return
    yield path, v, "leaf"


def _walk_item(item: dict, schema: Schema, path: Path) -> Iterator[tuple[Path, Any, str]]:
    if schema.atomic:
        yield path, item, "leaf"
        return
    for k, child in item.items():
        yield from _walk(child, schema.child(k), schema.meta(k), path + ("f:" + k,))


def _values(obj: dict | None, schema: Schema) -> dict[Path, tuple[Any, str]]:
    if not obj:
        return {}
    body = {k: v for k, v in obj.items() if k != "metadata"}
    meta = {k: v for k, v in (obj.get("metadata") or {}).items() if k != "managedFields"}
    if meta:
        body["metadata"] = meta
    return {p: (v, c) for p, v, c in _walk(body, schema, FieldMeta(value=True), ()) if p}


def _field_set(obj: dict, schema: Schema) -> set[Path]:
    """typed.ToFieldSet of an applied configuration: leaves and list items."""
    return {p for p, (_, c) in _values(obj, schema).items() if c in ("leaf", "item")}


@dataclass
class _Comparison:
    added: set[Path]
    modified: set[Path]
    removed: set[Path]


def _compare(old: dict | None, new: dict, schema: Schema) -> _Comparison:
    before, after = _values(old, schema), _values(new, schema)
    added = {p for p, (_, c) in after.items() if p not in before and c != "value"}
    removed = {p for p, (_, c) in before.items() if p not in after and c != "value"}
    modified = {p for p, (v, c) in after.items() if p in before and c == "leaf" and not _same(before[p][0], v)}
    return _Comparison(added, modified, removed)


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and _jsonv(a) == _jsonv(b)


# --------------------------------------------------------------------------- managedFields <-> sets

def _set_to_fields(paths: set[Path]) -> dict:
    root: dict = {}
    for path in paths:
        node = root
        for pe in path:
            node = node.setdefault(pe, {})
    return _order(root, paths, ())


def _order(node: dict, paths: set[Path], prefix: Path) -> dict:
    out: dict = {}
    if prefix and prefix in paths and node:
        out["."] = {}
    for key in sorted((k for k in node if k != "."), key=_pe_sort_key):
        out[key] = _order(node[key], paths, prefix + (key,))
    return out


def _pe_sort_key(pe: str) -> tuple[int, str]:
    return ({"f": 0, "k": 1, "v": 2, "i": 3}.get(pe[:1], 4), pe)


def _sort_key(path: Path) -> tuple:
    return tuple(_pe_sort_key(pe) for pe in path)


def _fields_to_set(fields: dict, prefix: Path = ()) -> set[Path]:
    out: set[Path] = set()
    for key, child in fields.items():
        if key == ".":
            out.add(prefix)
            continue
        path = prefix + (key,)
        if child:
            out |= _fields_to_set(child, path)
        else:
            out.add(path)
    return out


def _decode_entries(obj: dict | None) -> list[_Entry]:
    entries = []
    for raw in ((obj or {}).get("metadata") or {}).get("managedFields") or []:
        entries.append(_Entry(raw.get("manager", ""), raw.get("operation", ""), raw.get("apiVersion", ""),
                              raw.get("time"), raw.get("subresource", ""), _fields_to_set(raw.get("fieldsV1") or {})))
    return entries


def _encode_entries(entries: list[_Entry]) -> list[dict]:
    def order(e: _Entry) -> tuple:
        return (e.operation, e.time or "", e.manager, e.api_version, e.subresource)

    out = []
    for e in sorted((e for e in entries if e.paths), key=order):
        raw: dict[str, Any] = {"manager": e.manager, "operation": e.operation, "apiVersion": e.api_version}
        if e.time:
            raw["time"] = e.time
        raw["fieldsType"] = "FieldsV1"
        raw["fieldsV1"] = _set_to_fields(e.paths)
        if e.subresource:
            raw["subresource"] = e.subresource
        out.append(raw)
    return out


def _ignored(resource: Resource | None, subresource: str) -> set[Path]:
    """Fields reset by the strategy of the endpoint written (status on the main resource)."""
    if resource is not None and not subresource and "status" in resource.subresources:
        return {("f:status",)}
    return set()


def _without(paths: set[Path], ignored: set[Path]) -> set[Path]:
    return {p for p in paths if p not in _STRIPPED and not any(p[:len(i)] == i for i in ignored)}


# --------------------------------------------------------------------------- merge and prune

def _merge(lhs: Any, rhs: Any, schema: Schema, meta: FieldMeta) -> Any:
    """typed.Merge: rhs (the applied configuration) wins on leaves."""
    if isinstance(lhs, dict) and isinstance(rhs, dict):
        if meta.atomic or schema.atomic or (not lhs and not rhs):
            return copy.deepcopy(rhs)
        out = {}
        for k, v in lhs.items():
            out[k] = _merge(v, rhs[k], schema.child(k), schema.meta(k)) if k in rhs else v
        for k, v in rhs.items():
            if k not in lhs:
                out[k] = copy.deepcopy(v)
        return out
    if isinstance(lhs, list) and isinstance(rhs, list):
        list_type = meta.ssa_list_type
        if list_type == "atomic" or (not lhs and not rhs):
            return copy.deepcopy(rhs)
        rkeys = {_item_key(item, meta): item for item in rhs}
        out_list, seen = [], set()
        for item in lhs:
            key = _item_key(item, meta)
            seen.add(key)
            if key in rkeys and list_type == "map":
                out_list.append(_merge(item, rkeys[key], schema, _EMPTY_META))
            else:
                out_list.append(item)
        out_list += [copy.deepcopy(item) for item in rhs if _item_key(item, meta) not in seen]
        return out_list
    return copy.deepcopy(rhs)


def _remove_path(obj: Any, path: Path, schema: Schema, meta: FieldMeta) -> None:
    head, rest = path[0], path[1:]
    if head.startswith("f:") and isinstance(obj, dict):
        name = head[2:]
        if name not in obj:
            return
        if not rest:
            del obj[name]
        else:
            _remove_path(obj[name], rest, schema.child(name), schema.meta(name))
            child = obj[name]
            # an emptied list, or an emptied labels/annotations map, is omitted (omitempty) once stored
            if child == [] or (child == {} and name in ("labels", "annotations")):
                del obj[name]
    elif isinstance(obj, list):
        for i, item in enumerate(obj):
            if _item_key(item, meta) == head:
                if not rest:
                    del obj[i]
                else:
                    _remove_path(item, rest, schema, _EMPTY_META)
                return


def _strip_nulls(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _strip_nulls(x) for k, x in v.items() if x is not None}
    if isinstance(v, list):
        return [_strip_nulls(x) for x in v]
    return v


# --------------------------------------------------------------------------- public API

def server_side_apply(live: dict | None, applied: dict, *, manager: str, force: bool, resource: Resource,
                      now: str) -> dict:
    """Apply ``applied`` for ``manager``; return the new object with its managedFields."""
    schema = schema_for(resource)
    ignored = _ignored(resource, "")
    config = _strip_nulls(applied)
    config.setdefault("metadata", {}).pop("managedFields", None)
    if "status" in resource.subresources:
        config.pop("status", None)
    entries = _decode_entries(live)
    live_obj = copy.deepcopy(live) if live else {}
    live_obj.setdefault("metadata", {}).pop("managedFields", None)

    me = _Entry(manager, "Apply", resource.api_version, now)
    last: set[Path] = set()
    others = []
    for e in entries:
        if e.ident == me.ident:
            last = e.paths
            me.time = e.time
        else:
            others.append(e)
    new_set = _without(_field_set(config, schema), ignored)
    merged = _merge(live_obj, config, schema, FieldMeta(value=True))

    owned = set(new_set).union(*(e.paths for e in others)) if others else set(new_set)
    removed: set[Path] = set()
    for path in sorted(last - owned, key=len):  # a list item goes whole: its fields are not removed one by one first
        if any(path[:i] in removed for i in range(1, len(path))):
            continue
        if not any(p[:len(path)] == path for p in owned):
            _remove_path(merged, path, schema, _EMPTY_META)
            removed.add(path)

    cmp = _compare(live_obj if live else None, merged, schema)
    changed = cmp.added | cmp.modified
    conflicts = [(e, p) for e in others for p in sorted(e.paths & changed, key=_sort_key)]
    if conflicts and not force and manager == CSA_UPGRADE_MANAGER and live:
        allowed = _allowed_from_last_applied(live, schema)
        conflicts = [(e, p) for e, p in conflicts if p not in allowed]
    if conflicts and not force:
        raise _conflict_error(conflicts)
    for e in others:
        e.paths -= changed | cmp.removed
    me.paths = new_set
    if merged != live_obj or new_set != last or me.time is None:
        me.time = now
    merged.setdefault("metadata", {})["managedFields"] = _encode_entries(others + [me])
    if manager == CSA_UPGRADE_MANAGER and live and _last_applied(live) is not None:
        _set_last_applied(merged, build_last_applied(applied))
    return merged


# --------------------------------------------------------------------------- client-side apply upgrade

CSA_UPGRADE_MANAGER = "kubectl"  # only kubectl's own server-side applies take over client-side applied fields
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
LAST_APPLIED_MAX_BYTES = 256 * 1024  # apimachinery validation totalAnnotationSizeLimitB


def _last_applied(obj: dict) -> str | None:
    value = ((obj.get("metadata") or {}).get("annotations") or {}).get(LAST_APPLIED)
    return value if isinstance(value, str) and value else None


def _allowed_from_last_applied(live: dict, schema: Schema) -> set[Path]:
    """lastAppliedManager.allowedConflictsFromLastApplied (apiserver fieldmanager internal
    lastappliedmanager.go): the fields of the last client-side applied configuration whose value the
    live object still has. A server-side apply by `kubectl` may take those over without a conflict."""
    text = _last_applied(live)
    if text is None:
        return set()
    try:
        last = json.loads(text)
    except ValueError:
        return set()
    if not isinstance(last, dict) or last.get("apiVersion") != live.get("apiVersion"):
        return set()  # "expected version of last applied to match live object": nothing is allowed
    last_values = _values(last, schema)
    live_values = _values(live, schema)
    allowed = set()
    for path, (value, category) in last_values.items():
        if category not in ("leaf", "item"):
            continue
        if category == "leaf" and (path not in live_values or not _same(live_values[path][0], value)):
            continue
        if category == "item" and path not in live_values:
            continue
        allowed.add(path)
    return allowed


def _go_sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _go_sorted(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_go_sorted(v) for v in value]
    return value


def build_last_applied(applied: dict) -> str:
    """lastappliedupdater.go buildLastApplied: the applied configuration without the annotation itself,
    encoded as UnstructuredJSONScheme encodes it (json.Marshal of a map: keys sorted, then a newline)."""
    from svclab.validation.govalue import go_json

    config = copy.deepcopy(applied)
    meta = config.get("metadata")
    if isinstance(meta, dict) and isinstance(meta.get("annotations"), dict):
        meta["annotations"].pop(LAST_APPLIED, None)
    return go_json(_go_sorted(config)) + "\n"


def _set_last_applied(obj: dict, value: str) -> None:
    """setLastApplied: too big an annotation is dropped rather than stored."""
    annotations = obj.setdefault("metadata", {}).setdefault("annotations", {})
    if len(value) > LAST_APPLIED_MAX_BYTES:
        annotations.pop(LAST_APPLIED, None)
        return
    annotations[LAST_APPLIED] = value


def _conflict_error(conflicts: list[tuple[_Entry, Path]]) -> PatchError:
    causes = [{"type": "FieldManagerConflict", "message": f"conflict with {e.describe()}", "field": path_string(p)}
              for e, p in conflicts]
    if len(conflicts) == 1:
        e, p = conflicts[0]
        message = f"Apply failed with 1 conflict: conflict with {e.describe()}: {path_string(p)}"
    else:
        lines: list[str] = []
        for who in sorted({e.describe() for e, _ in conflicts}):
            lines.append(f"conflicts with {who}:")
            lines += [f"- {path_string(p)}" for e, p in conflicts if e.describe() == who]
        message = f"Apply failed with {len(conflicts)} conflicts: " + "\n".join(lines)
    return PatchError(409, message, reason="Conflict", causes=causes)


def _written_entries(live_before: dict | None, after: dict, subresource: str) -> list[_Entry]:
    """FieldManager.Update (apiserver fieldmanager.go): the managedFields the request itself carries are
    the starting point when they decode and are not empty (how kubectl's csaupgrade JSON patch moves
    client-side applied fields to its server-side apply manager); otherwise the live object's, so a
    client that does not know managedFields cannot drop them. Subresources always keep the live ones."""
    written = (after.get("metadata") or {}).get("managedFields")
    if not subresource and isinstance(written, list) and written:
        try:
            entries = _decode_entries(after)
        except (AttributeError, TypeError, ValueError):
            entries = []
        if entries:
            return entries
    return _decode_entries(live_before)


def record_update(live_before: dict | None, after: dict, manager: str, api_version: str, now: str, *,
                  subresource: str = "", resource: Resource | None = None) -> list:
    """managedFields after a non-apply write (operation Update) by ``manager``."""
    if resource is None:
        resource = by_kind(after.get("apiVersion", api_version), after.get("kind", ""))
    schema = schema_for(resource) if resource is not None else Schema({}, {})
    ignored = _ignored(resource, subresource)
    before = copy.deepcopy(live_before) if live_before else None
    cmp = _compare(before, after, schema)
    added, modified, removed = (_without(s, ignored) for s in (cmp.added, cmp.modified, cmp.removed))
    entries = _written_entries(live_before, after, subresource)
    me = _Entry(manager, "Update", api_version, now, subresource)
    kept = []
    for e in entries:
        if e.ident == me.ident:
            me.paths = set(e.paths)
            me.time = e.time
            continue
        e.paths -= added | modified | removed
        kept.append(e)
    new_paths = (me.paths - removed) | modified | added
    if new_paths != me.paths or added or modified:
        me.time = now
    me.paths = new_paths
    return _encode_entries(kept + [me])
