"""Request bodies in, JSON out: what the apiserver's serializers do at the edge."""

from __future__ import annotations

import json
import math
from typing import Any

from svclab.apiserver.gojson import FloatLiteral, go_syntax_error, json_kind
from svclab.validation import errors, messages

PROTOBUF_MEDIA_TYPE = "application/vnd.kubernetes.protobuf"


MAX_INT_DIGITS = 4000  # longer integer literals are kept as text-carrying floats (no int64 holds them)


def _json_float(text: str) -> FloatLiteral:
    return FloatLiteral(float(text), text)


def _json_int(text: str) -> int | FloatLiteral:
    return int(text) if len(text) <= MAX_INT_DIGITS else FloatLiteral(math.inf if not text.startswith("-") else -math.inf, text)


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def decode_json(text: str) -> Any:
    """encoding/json's view of a body: Python's parser, with Go's messages when it is not JSON
    (NaN and Infinity are not JSON to Go either)."""
    try:
        return json.loads(text, parse_float=_json_float, parse_int=_json_int, parse_constant=_no_constants)
    except RecursionError:  # nesting deeper than Python parses: Go's decoder refuses it too
        raise errors.bad_request(messages.JSON_PARSE_ERROR.format(error="exceeded max depth")) from None
    except ValueError as exc:
        syntax = go_syntax_error(text)
        raise errors.bad_request(messages.JSON_PARSE_ERROR.format(error=syntax or str(exc))) from None


def decode_body(raw: bytes, content_type: str) -> dict[str, Any]:
    """Decode a JSON, YAML or Kubernetes-protobuf object body; malformed input is a 400 with one clear line, never a 500."""
    if content_type.split(";", 1)[0].strip() == PROTOBUF_MEDIA_TYPE:
        from svclab.apiserver.protobuf import decode_protobuf  # only kubectl's typed commands send it

        return decode_protobuf(raw)
    text = raw.decode("utf-8", errors="replace")
    if not text.strip():
        raise errors.bad_request("Object 'Kind' is missing in ''")
    if "yaml" in content_type:
        from svclab.apiserver.yamlbody import decode_yaml  # PyYAML loads with the first YAML body

        value = decode_yaml(text)
    else:
        value = decode_json(text)
    if not isinstance(value, dict):
        raise errors.bad_request(f"couldn't get version/kind; json parse error: json: cannot unmarshal {json_kind(value)} into Go value of type struct {{ APIVersion string \"json:\\\"apiVersion,omitempty\\\"\"; Kind string \"json:\\\"kind,omitempty\\\"\" }}")
    return value


def is_yaml(content_type: str) -> bool:
    return "yaml" in content_type


def check_type(obj: dict[str, Any], api_version: str, kind: str) -> None:
    """The body's apiVersion/kind must name the resource the URL names (or be empty)."""
    body_kind, body_version = obj.get("kind"), obj.get("apiVersion")
    if not body_kind and not body_version:
        return
    if not body_kind:
        raise errors.bad_request(f"Object 'Kind' is missing in '{json.dumps(obj, separators=(',', ':'))[:200]}'")
    if body_kind != kind or (body_version and body_version != api_version):
        raise errors.bad_request(f"the API version in the data ({body_version}) does not match the expected API version ({api_version})" if body_kind == kind else f"{kind} in version \"{api_version.split('/')[-1]}\" cannot be handled as a {kind}: no kind \"{body_kind}\" is registered for version \"{body_version}\" in scheme \"pkg/api/legacyscheme/scheme.go:30\"")


def dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode() + b"\n"
