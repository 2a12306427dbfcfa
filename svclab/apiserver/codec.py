"""Request bodies in, JSON out: what the apiserver's serializers do at the edge."""

from __future__ import annotations

import json
from typing import Any

import yaml

from svclab.apiserver.gojson import go_syntax_error, json_kind
from svclab.validation import errors

PROTOBUF_MEDIA_TYPE = "application/vnd.kubernetes.protobuf"


def decode_body(raw: bytes, content_type: str) -> dict[str, Any]:
    """Decode a JSON, YAML or Kubernetes-protobuf object body; malformed input is a 400 with one clear line, never a 500."""
    if content_type.split(";", 1)[0].strip() == PROTOBUF_MEDIA_TYPE:
        from svclab.apiserver.protobuf import decode_protobuf  # only kubectl's typed commands send it

        return decode_protobuf(raw)
    text = raw.decode("utf-8", errors="replace")
    if not text.strip():
        raise errors.bad_request("Object 'Kind' is missing in ''")
    if "yaml" in content_type:
        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1}: " if mark is not None else ""
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise errors.bad_request(f"error converting YAML to JSON: yaml: {where}{problem}")
    else:
        syntax = go_syntax_error(text)
        if syntax is not None:
            raise errors.bad_request(f"couldn't get version/kind; json parse error: {syntax}")
        try:
            value = json.loads(text)
        except RecursionError:  # nesting deeper than Python parses: Go's decoder refuses it too
            raise errors.bad_request("couldn't get version/kind; json parse error: exceeded max depth")
    if not isinstance(value, dict):
        raise errors.bad_request(f"couldn't get version/kind; json parse error: json: cannot unmarshal {json_kind(value)} into Go value of type struct {{ APIVersion string \"json:\\\"apiVersion,omitempty\\\"\"; Kind string \"json:\\\"kind,omitempty\\\"\" }}")
    return value




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
