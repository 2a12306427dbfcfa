"""Decode ``application/vnd.kubernetes.protobuf`` request bodies into the JSON form of the object.

Mirrors k8s.io/apimachinery/pkg/runtime/serializer/protobuf/protobuf.go: a body is the magic
``k8s\\x00`` followed by a ``runtime.Unknown`` {typeMeta{apiVersion, kind}, raw,
contentEncoding, contentType} whose ``raw`` is the object's own protobuf. The object is
decoded with the gogo-protobuf rules of the generated Go code (unknown fields skipped, the
last occurrence of a singular field wins) and rendered as ``json.Marshal`` of the decoded Go
struct would render it, so the rest of the server sees what a JSON client would have sent.

The wire reader is a small generic proto decoder (varint, 64-bit, length-delimited, 32-bit);
the tables live in ``protoschema.py``.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

from svclab.apiserver.protoschema import MESSAGES, FieldSpec, message_for
from svclab.validation import errors

MAGIC = b"k8s\x00"
MEDIA_TYPE = "application/vnd.kubernetes.protobuf"

VARINT, FIXED64, BYTES, START_GROUP, END_GROUP, FIXED32 = 0, 1, 2, 3, 4, 5
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class ProtoError(ValueError):
    """Malformed protobuf; the message is what the gogo-generated Unmarshal would say."""


WireValue = int | bytes


# ---- wire level ---------------------------------------------------------------------------------
def read_varint(buf: bytes, pos: int) -> tuple[int, int]:
    """A base-128 varint at ``pos``: (value, next position)."""
    value = shift = 0
    while True:
        if shift >= 64:
            raise ProtoError("proto: integer overflow")
        if pos >= len(buf):
            raise ProtoError("unexpected EOF")
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value & 0xFFFFFFFFFFFFFFFF, pos
        shift += 7


def iter_fields(buf: bytes, message: str = "") -> Iterator[tuple[int, int, WireValue]]:
    """(field number, wire type, value) for each field: an int for numeric wire types, bytes for length-delimited."""
    pos, end = 0, len(buf)
    while pos < end:
        key, pos = read_varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == END_GROUP:
            raise ProtoError(f"proto: {message}: wiretype end group for non-group")
        if number <= 0:
            raise ProtoError(f"proto: {message}: illegal tag {number} (wire type {wire})")
        if wire == VARINT:
            value, pos = read_varint(buf, pos)
            yield number, wire, value
        elif wire == FIXED64:
            if pos + 8 > end:
                raise ProtoError("unexpected EOF")
            yield number, wire, int.from_bytes(buf[pos : pos + 8], "little")
            pos += 8
        elif wire == FIXED32:
            if pos + 4 > end:
                raise ProtoError("unexpected EOF")
            yield number, wire, int.from_bytes(buf[pos : pos + 4], "little")
            pos += 4
        elif wire == BYTES:
            length, pos = read_varint(buf, pos)
            if length > end - pos:
                raise ProtoError("unexpected EOF")
            yield number, wire, buf[pos : pos + length]
            pos += length
        elif wire == START_GROUP:
            pos = _skip_group(buf, pos)
        else:
            raise ProtoError(f"proto: illegal wireType {wire}")


def _skip_group(buf: bytes, pos: int) -> int:
    depth = 1
    while depth:
        key, pos = read_varint(buf, pos)
        wire = key & 7
        if wire == START_GROUP:
            depth += 1
        elif wire == END_GROUP:
            depth -= 1
        elif wire == VARINT:
            _, pos = read_varint(buf, pos)
        elif wire == FIXED64:
            pos += 8
        elif wire == FIXED32:
            pos += 4
        elif wire == BYTES:
            length, pos = read_varint(buf, pos)
            pos += length
        else:
            raise ProtoError(f"proto: illegal wireType {wire}")
        if pos > len(buf):
            raise ProtoError("unexpected EOF")
    return pos


def _signed(value: int, bits: int) -> int:
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


# ---- message level --------------------------------------------------------------------------------
def _collect(message: str, buf: bytes) -> dict[int, list[tuple[int, WireValue]]]:
    """Every known field's raw occurrences, in wire order; unknown fields are skipped."""
    schema = MESSAGES[message]
    seen: dict[int, list[tuple[int, WireValue]]] = {}
    for number, wire, value in iter_fields(buf, message):
        if number in schema:
            seen.setdefault(number, []).append((wire, value))
    return seen


def _scalar(spec: FieldSpec, kind: str, wire: int, value: WireValue) -> list[Any]:
    """One occurrence of a scalar field: a list, because a packed repeated field holds several."""
    if kind in ("string", "bytes"):
        if not isinstance(value, bytes):
            raise ProtoError(f"proto: wrong wireType = {wire} for field {_go_name(spec)}")
        return [value.decode("utf-8", errors="replace") if kind == "string" else base64.b64encode(value).decode()]
    if isinstance(value, bytes) and spec.repeated:  # packed numbers
        out: list[Any] = []
        pos = 0
        while pos < len(value):
            number, pos = read_varint(value, pos)
            out.append(_number(kind, number))
        return out
    if isinstance(value, bytes) or wire != VARINT:
        raise ProtoError(f"proto: wrong wireType = {wire} for field {_go_name(spec)}")
    return [_number(kind, value)]


def _number(kind: str, value: int) -> int | bool:
    if kind == "bool":
        return value != 0
    if kind == "int32":
        return _signed(value, 32)
    return _signed(value, 64)


def _go_name(spec: FieldSpec) -> str:
    return spec.name[:1].upper() + spec.name[1:]


def _bytes_of(spec: FieldSpec, wire: int, value: WireValue) -> bytes:
    if not isinstance(value, bytes):
        raise ProtoError(f"proto: wrong wireType = {wire} for field {_go_name(spec)}")
    return value


def decode_message(message: str, buf: bytes) -> dict[str, Any]:
    """The JSON form of one message, as Go's json.Marshal writes the decoded struct."""
    schema = MESSAGES[message]
    seen = _collect(message, buf)
    out: dict[str, Any] = {}
    for number, spec in schema.items():
        occurrences = seen.get(number, [])
        if spec.inline:
            embedded = _bytes_of(spec, *occurrences[-1]) if occurrences else b""
            out.update(decode_message(spec.kind, embedded))
            continue
        present, value = _field_value(spec, occurrences)
        if present:
            out[spec.name] = value
    return out


def _field_value(spec: FieldSpec, occurrences: list[tuple[int, WireValue]]) -> tuple[bool, Any]:
    """(write it?, JSON value) for one field, following the Go struct's pointer/omitempty/omitzero rules."""
    if spec.is_map:
        entries: dict[str, Any] = {}
        for wire, raw in occurrences:
            key, val = _map_entry(spec, _bytes_of(spec, wire, raw))
            entries[key] = val
        return _collection(spec, entries)
    if spec.repeated:
        items: list[Any] = []
        for wire, raw in occurrences:
            items.extend(_one(spec, wire, raw))
        return _collection(spec, items)
    scalar = spec.kind in SCALAR_KINDS
    if occurrences:
        value = _one(spec, *occurrences[-1])[0]
        if spec.pointer:
            return True, value
    elif spec.pointer:
        return False, None
    else:
        value = _zero(spec.kind)
    if scalar and spec.omitempty and not value:
        return False, None
    if spec.omitzero and value is None:
        return False, None
    return True, value


def _collection(spec: FieldSpec, value: list[Any] | dict[str, Any]) -> tuple[bool, Any]:
    if value:
        return True, value
    return (False, None) if spec.omitempty else (True, None)


SCALAR_KINDS = frozenset({"string", "int32", "int64", "bool", "bytes"})


def _one(spec: FieldSpec, wire: int, raw: WireValue) -> list[Any]:
    """Decoded value(s) of one occurrence of a non-map field."""
    kind = spec.kind
    if kind in SCALAR_KINDS:
        return _scalar(spec, kind, wire, raw)
    return [_wrapper_or_message(kind, _bytes_of(spec, wire, raw))]


def _wrapper_or_message(kind: str, buf: bytes) -> Any:
    if kind == "IntOrString":
        fields = decode_message("IntOrString", buf)
        return fields.get("strVal", "") if fields.get("type", 0) == 1 else fields.get("intVal", 0)
    if kind == "Quantity":
        return decode_message("Quantity", buf).get("string", "")
    if kind in ("Time", "MicroTime"):
        return _time(kind, buf)
    if kind == "Duration":
        return go_duration(int(decode_message("Duration", buf).get("duration", 0)))
    if kind == "RawExtension":
        raw = base64.b64decode(decode_message("RawExtension", buf).get("raw", ""))
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise ProtoError(f"RawExtension does not hold JSON: {exc}") from None
    return decode_message(kind, buf)


def _time(kind: str, buf: bytes) -> Any:
    """metav1.Time.Unmarshal: empty bytes are the zero time (JSON null); seconds only, nanos dropped.

    MicroTime keeps microseconds and writes them (RFC3339Micro).
    """
    if not buf:
        return None
    stamp = decode_message("Timestamp", buf)
    seconds, nanos = int(stamp.get("seconds", 0)), int(stamp.get("nanos", 0))
    try:
        when = _EPOCH + timedelta(seconds=seconds, microseconds=nanos // 1000 if kind == "MicroTime" else 0)
    except OverflowError:
        raise ProtoError(f"proto: timestamp seconds {seconds} out of range") from None
    text = f"{when.year:04d}-{when.month:02d}-{when.day:02d}T{when.hour:02d}:{when.minute:02d}:{when.second:02d}"
    return f"{text}.{when.microsecond:06d}Z" if kind == "MicroTime" else f"{text}Z"


def _map_entry(spec: FieldSpec, buf: bytes) -> tuple[str, Any]:
    key, value = "", _zero_map_value(spec.map_value)
    for number, wire, raw in iter_fields(buf, "MapEntry"):
        if number == 1:
            key = _bytes_of(spec, wire, raw).decode("utf-8", errors="replace")
        elif number == 2:
            kind = spec.map_value
            if kind in SCALAR_KINDS:
                value = _scalar(spec, kind, wire, raw)[0]
            else:
                value = _wrapper_or_message(kind, _bytes_of(spec, wire, raw))
    return key, value


def _zero_map_value(kind: str) -> Any:
    return _zero(kind)


def _zero(kind: str) -> Any:
    """What Go writes for a field never set on the wire (before omitempty is applied)."""
    if kind in ("string", "bytes"):
        return ""
    if kind in ("int32", "int64"):
        return 0
    if kind == "bool":
        return False
    if kind == "IntOrString":
        return 0
    if kind == "Quantity":
        return "0"
    if kind in ("Time", "MicroTime", "RawExtension"):
        return None
    if kind == "Duration":
        return "0s"
    return decode_message(kind, b"")


def go_duration(nanos: int) -> str:
    """time.Duration.String(): ``1h2m3.5s``, ``150ms``, ``0s``."""
    if nanos == 0:
        return "0s"
    sign = "-" if nanos < 0 else ""
    n = abs(nanos)
    if n < 1_000_000_000:
        for unit, size in (("ms", 1_000_000), ("µs", 1_000), ("ns", 1)):
            if n >= size:
                return sign + _trim(n, size) + unit
    hours, rest = divmod(n, 3_600_000_000_000)
    minutes, rest = divmod(rest, 60_000_000_000)
    text = _trim(rest, 1_000_000_000) + "s"
    if hours:
        return f"{sign}{hours}h{minutes}m{text}"
    if minutes:
        return f"{sign}{minutes}m{text}"
    return sign + text


def _trim(value: int, unit: int) -> str:
    whole, frac = divmod(value, unit)
    if not frac:
        return str(whole)
    digits = len(str(unit)) - 1
    return f"{whole}." + f"{frac:0{digits}d}".rstrip("0")


# ---- the envelope --------------------------------------------------------------------------------
def decode_protobuf(raw: bytes) -> dict[str, Any]:
    """A protobuf request body as the JSON-form object (``kind`` and ``apiVersion`` from the envelope).

    Undecodable bodies raise the same 400 BadRequest ApiError the JSON path raises.
    """
    if not raw.startswith(MAGIC):
        prefix = " ".join(str(byte) for byte in MAGIC)
        raise errors.bad_request(f"provided data does not appear to be a protobuf message, expected prefix [{prefix}]")
    try:
        envelope = _collect("Unknown", raw[len(MAGIC) :])
        type_meta = decode_message("TypeMeta", _last_bytes(envelope.get(1)))
        body = _last_bytes(envelope.get(2))
        encoding = _last_bytes(envelope.get(3)).decode("utf-8", errors="replace")
    except ProtoError as exc:
        raise errors.bad_request(f"couldn't get version/kind; protobuf parse error: {exc}") from None
    api_version, kind = type_meta.get("apiVersion", ""), type_meta.get("kind", "")
    if not kind:
        raise errors.bad_request(f"Object 'Kind' is missing in '{raw[:200]!r}'")
    if encoding:
        raise errors.bad_request(f"{kind} in version \"{_version(api_version)}\" cannot be handled as a {kind}: unsupported content encoding {encoding!r}")
    message = message_for(api_version, kind)
    if message is None:
        raise errors.bad_request(f"no kind \"{kind}\" is registered for version \"{api_version}\" in scheme \"pkg/api/legacyscheme/scheme.go:30\"")
    try:
        obj = decode_message(message, body)
    except ProtoError as exc:
        raise errors.bad_request(f"{kind} in version \"{_version(api_version)}\" cannot be handled as a {kind}: {exc}") from None
    return {"kind": kind, "apiVersion": api_version, **obj}


def _last_bytes(occurrences: list[tuple[int, WireValue]] | None) -> bytes:
    if not occurrences:
        return b""
    wire, value = occurrences[-1]
    if not isinstance(value, bytes):
        raise ProtoError(f"proto: wrong wireType = {wire} for field TypeMeta")
    return value


def _version(api_version: str) -> str:
    return api_version.rsplit("/", 1)[-1]


__all__ = ["MAGIC", "MEDIA_TYPE", "ProtoError", "decode_message", "decode_protobuf", "go_duration", "iter_fields", "read_varint"]
