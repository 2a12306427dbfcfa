"""Decode-time type checks: a body whose field has the wrong JSON type fails as the apiserver's typed
decoding (sigs.k8s.io/json) fails, with Go's UnmarshalTypeError text, as a 400 — never a 500 later.

The field types come from the protobuf schema (`protoschema`), which records each field's Go type.
"""

from __future__ import annotations

import re
from typing import Any

from svclab.apiserver.gojson import json_kind
from svclab.validation.govalue import go_float
from svclab.apiserver.protoschema import MESSAGES, SCALARS, FieldSpec, message_for
from svclab.validation import errors

INT_RANGES = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}

# k8s.io/apimachinery/pkg/api/resource/quantity.go: ErrFormatWrong, ErrSuffix, and the suffixes it parses
QUANTITY_FORMAT_ERROR = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
QUANTITY_SUFFIX_ERROR = "unable to parse quantity's suffix"
_QUANTITY = re.compile(r"([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)")
_QUANTITY_SUFFIXES = re.compile(r"(|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][-+]?[0-9]+)")


def quantity_problem(text: str) -> str:
    """Why Quantity.UnmarshalJSON refuses ``text`` ("" when it parses): ParseQuantity of the
    trimmed string."""
    match = _QUANTITY.fullmatch(text.strip(" \t\n\r\v\f"))
    if match is None or match.group(1).count(".") > 1 or match.group(1).strip("+-") in ("", "."):
        return QUANTITY_FORMAT_ERROR
    if not _QUANTITY_SUFFIXES.fullmatch(match.group(2)):
        return QUANTITY_SUFFIX_ERROR
    return ""


class _TypeError(Exception):
    pass




def _go_type(kind: str, repeated: bool = False) -> str:
    if kind.startswith("map:"):
        inner = kind[4:]
        base = f"map[string]{inner if inner in SCALARS else 'v1.' + inner}"
    elif kind in SCALARS:
        base = "[]uint8" if kind == "bytes" else kind
    elif kind == "IntOrString":
        base = "intstr.IntOrString"
    elif kind == "Quantity":
        base = "resource.Quantity"
    elif kind in ("Time", "MicroTime", "Duration"):
        base = f"v1.{kind}"
    else:
        base = f"v1.{kind}"
    return f"[]{base}" if repeated else base


def _fields(message: str) -> dict[str, tuple[str, FieldSpec]]:
    """json name -> (owning Go struct, spec), with inlined structs flattened into their parent."""
    found: dict[str, tuple[str, FieldSpec]] = {}
    for spec in MESSAGES[message].values():
        if spec.inline and spec.kind in MESSAGES:
            found.update(_fields(spec.kind))
        else:
            found[spec.name] = (message, spec)
    return found


def number_literal(value: int | float) -> str:
    """The number as the body wrote it (JSON keeps its literal; others print as Go's json.Marshal)."""
    literal = getattr(value, "literal", None)
    if literal is not None:
        return str(literal)
    return str(value) if isinstance(value, int) else go_float(value)


def _scalar(value: Any, kind: str, where: str) -> None:
    if kind == "bool" and not isinstance(value, bool):
        raise _TypeError(f"json: cannot unmarshal {json_kind(value)} into Go struct field {where} of type bool")
    if kind in ("string", "bytes") and not isinstance(value, str):
        raise _TypeError(f"json: cannot unmarshal {json_kind(value)} into Go struct field {where} of type {_go_type(kind)}")
    if kind in INT_RANGES:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _TypeError(f"json: cannot unmarshal {json_kind(value)} into Go struct field {where} of type {kind}")
        low, high = INT_RANGES[kind]
        # encoding/json parses an integer field's literal with strconv.ParseInt: 1e3 and 1.0 fail too
        if isinstance(value, float) or not low <= value <= high:
            raise _TypeError(f"json: cannot unmarshal number {number_literal(value)} into Go struct field {where} of type {kind}")


def _value(value: Any, kind: str, where: str, path: str) -> None:
    if value is None:
        return
    if kind in SCALARS:
        _scalar(value, kind, where)
    elif kind == "IntOrString":
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise _TypeError(f"json: cannot unmarshal {json_kind(value)} into Go value of type int32")
    elif kind == "Quantity":
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise _TypeError(QUANTITY_FORMAT_ERROR)
        if isinstance(value, str):
            problem = quantity_problem(value)
            if problem:
                raise _TypeError(problem)
    elif kind in ("Time", "MicroTime"):
        if not isinstance(value, str):
            raise _TypeError(f"json: cannot unmarshal {json_kind(value)} into Go struct field {where} of type string")
    elif kind in MESSAGES:
        if not isinstance(value, dict):
            raise _TypeError(f"json: cannot unmarshal {json_kind(value)} into Go struct field {where} of type {_go_type(kind)}")
        _message(value, kind, path)


def _message(obj: dict[str, Any], message: str, path: str) -> None:
    fields = _fields(message)
    for key, value in obj.items():
        if key not in fields or value is None:
            continue
        owner, spec = fields[key]
        field_path = f"{path}.{key}" if path else key
        where = f"{owner}.{field_path}"
        if spec.repeated:
            if not isinstance(value, list):
                raise _TypeError(f"json: cannot unmarshal {json_kind(value)} into Go struct field {where} of type {_go_type(spec.kind, True)}")
            for item in value:
                _value(item, spec.kind, where, field_path)
        elif spec.is_map:
            if not isinstance(value, dict):
                raise _TypeError(f"json: cannot unmarshal {json_kind(value)} into Go struct field {where} of type {_go_type(spec.kind)}")
            for item in value.values():
                _value(item, spec.map_value, where, field_path)
        else:
            _value(value, spec.kind, where, field_path)


def check_types(obj: dict[str, Any], api_version: str, kind: str) -> None:
    """Raise a 400 BadRequest like `Service in version "v1" cannot be handled as a Service: json: ...`."""
    message = message_for(api_version, kind)
    if message is None:
        return
    try:
        _message(obj, message, "")
    except _TypeError as exc:
        version = api_version.split("/")[-1]
        raise errors.bad_request(f'{kind} in version "{version}" cannot be handled as a {kind}: {exc}')


# Messages whose every field the schema lists, so a key it lacks is truly unknown. Status structs are
# left out: writes to the main resource ignore status anyway.
COMPLETE = frozenset({
    "Service", "Deployment", "StatefulSet", "ReplicaSet", "Pod", "Namespace", "EndpointSlice", "ConfigMap",
    "ObjectMeta", "ServiceSpec", "ServicePort", "SessionAffinityConfig", "ClientIPConfig",
    "DeploymentSpec", "DeploymentStrategy", "RollingUpdateDeployment", "StatefulSetSpec",
    "StatefulSetUpdateStrategy", "RollingUpdateStatefulSetStrategy", "LabelSelector", "LabelSelectorRequirement",
    "PodTemplateSpec", "PodSpec", "Container", "ContainerPort", "EnvVar", "Probe", "ProbeHandler", "ExecAction",
    "HTTPGetAction", "TCPSocketAction", "VolumeMount", "Endpoint", "EndpointConditions", "EndpointPort",
    "ObjectReference", "PodDNSConfig",
})
ALWAYS_KNOWN = {"": {"apiVersion", "kind"}, "ObjectMeta": {"managedFields"}}


def _unknown(obj: dict[str, Any], message: str, path: str, found: list[str], drop: bool) -> None:
    fields = _fields(message)
    for key, value in list(obj.items()):
        field_path = f"{path}.{key}" if path else key
        if key not in fields:
            if message in COMPLETE and key not in ALWAYS_KNOWN.get(message if path else "", set()) | ALWAYS_KNOWN.get(message, set()):
                found.append(field_path)
                if drop:
                    del obj[key]
            continue
        _owner, spec = fields[key]
        if spec.name == "status" and not path:
            continue
        kind = spec.map_value if spec.is_map else spec.kind
        if kind not in MESSAGES:
            continue
        if spec.repeated and isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, dict):
                    _unknown(item, kind, f"{field_path}[{index}]", found, drop)
        elif not spec.is_map and isinstance(value, dict):
            _unknown(value, kind, field_path, found, drop)


def unknown_fields(obj: dict[str, Any], api_version: str, kind: str, drop: bool = False) -> list[str]:
    """Paths of fields the kind does not have, as strict decoding names them (`spec.ports[0].nme`);
    with `drop`, they are also removed, as decoding into the typed object discards them."""
    message = message_for(api_version, kind)
    found: list[str] = []
    if message is not None:
        _unknown(obj, message, "", found, drop)
    return found


def strict_decoding_error(api_version: str, kind: str, unknown: list[str]) -> errors.ApiError:
    version = api_version.split("/")[-1]
    listed = ", ".join(f'unknown field "{path}"' for path in unknown)
    return errors.bad_request(f'{kind} in version "{version}" cannot be handled as a {kind}: strict decoding error: {listed}')


def _zero(kind: str) -> Any:
    if kind in ("string", "bytes", "Quantity", "IntOrString"):
        return "" if kind != "IntOrString" else 0
    if kind in INT_RANGES:
        return 0
    if kind == "bool":
        return False
    return {}


def _drop_nulls(obj: dict[str, Any], message: str) -> None:
    fields = _fields(message)
    for key, value in list(obj.items()):
        if key not in fields:
            continue
        _owner, spec = fields[key]
        if value is None:
            del obj[key]  # a null field decodes to the Go zero value: as if it were absent
            continue
        kind = spec.map_value if spec.is_map else spec.kind
        if spec.repeated and isinstance(value, list):
            obj[key] = [_zero(kind) if item is None else item for item in value]
            if kind in MESSAGES:
                for item in obj[key]:
                    if isinstance(item, dict):
                        _drop_nulls(item, kind)
        elif spec.is_map and isinstance(value, dict):
            for map_key, item in list(value.items()):
                if item is None:
                    value[map_key] = _zero(kind)
                elif kind in MESSAGES and isinstance(item, dict):
                    _drop_nulls(item, kind)
        elif kind in MESSAGES and isinstance(value, dict):
            _drop_nulls(value, kind)


def drop_nulls(obj: dict[str, Any], api_version: str, kind: str) -> dict[str, Any]:
    """What decoding into the typed object makes of JSON nulls: a null struct field, pointer or
    slice is left unset; a null list item or map value becomes its type's zero value. In place."""
    message = message_for(api_version, kind)
    if message is not None:
        _drop_nulls(obj, message)
    return obj


# ---- runtime.DefaultUnstructuredConverter (a strategic merge patch's result is converted, not decoded)
def _go_kind(value: Any) -> str:
    """reflect.Kind of a decoded JSON value (apimachinery's JSON decoder keeps integers as int64)."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int64"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "slice"
    return "map"


# Types with their own UnmarshalJSON: the converter hands them the value as it is.
_CUSTOM_UNMARSHALERS = frozenset({"IntOrString", "Quantity", "Time", "MicroTime", "Duration", "RawExtension", "FieldsV1"})


def _restore(value: Any, kind: str, is_map: bool = False, repeated: bool = False) -> str | None:
    if value is None:
        return None
    if repeated:
        if not isinstance(value, list):
            return f"cannot restore slice from {_go_kind(value)}"
        for item in value:
            problem = _restore(item, kind)
            if problem:
                return problem
        return None
    if is_map:
        if not isinstance(value, dict):
            return f"cannot restore map from {_go_kind(value)}"
        for item in value.values():
            problem = _restore(item, kind)
            if problem:
                return problem
        return None
    if kind in MESSAGES and kind not in _CUSTOM_UNMARSHALERS:
        if not isinstance(value, dict):
            return f"cannot restore struct from: {_go_kind(value)}"
        return _restore_message(value, kind)
    return None


def _restore_message(obj: dict[str, Any], message: str) -> str | None:
    fields = _fields(message)
    for key, value in obj.items():
        if key in fields:
            _owner, spec = fields[key]
            problem = _restore(value, spec.map_value if spec.is_map else spec.kind, spec.is_map, spec.repeated)
            if problem:
                return problem
    return None


def unstructured_conversion_error(obj: dict[str, Any], api_version: str, kind: str) -> str | None:
    """What FromUnstructured (k8s.io/apimachinery runtime/converter.go mapFromUnstructured,
    sliceFromUnstructured, structFromUnstructured) says first when a map, list or struct field holds
    another kind of value: ``cannot restore map from string``. None when the shapes fit (scalars are
    left to `check_types`)."""
    message = message_for(api_version, kind)
    return _restore_message(obj, message) if message is not None else None


def go_print(value: Any) -> str:
    """fmt's %+v of a decoded JSON value: ``map[metadata:map[labels:invalid]]`` (map keys sorted)."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return go_float(value) if value != int(value) or abs(value) >= 1e21 else str(int(value))
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{go_print(value[k])}" for k in sorted(value)) + "]"
    if isinstance(value, list):
        return "[" + " ".join(go_print(v) for v in value) + "]"
    return str(value)
