"""Render a field error's bad value exactly as Go does in field.Error.ErrorBody.

Since v1.34 (kubernetes PR #132314) ErrorBody prints int64/int32/float/bool with
``%v``, strings with ``%q`` and anything else (maps, slices, structs, Go ``int``,
typedefs) as ``json.Marshal`` output.  Python values map as: ``str`` -> ``%q``,
``bool``/``int``/``float`` -> ``%v``, ``None`` (a nil pointer) -> ``"null"``, ``dict``/``list`` ->
Go JSON (dict order is kept: callers pass label maps through ``go_map``, since
Go sorts map keys, and pass structs in Go field order).
"""

from __future__ import annotations

import math
from typing import Any

_SHORT_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}


def go_quote(text: str) -> str:
    """strconv.Quote: double-quoted Go string literal."""
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch in _SHORT_ESCAPES:
            out.append(_SHORT_ESCAPES[ch])
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        elif code >= 0x80 and not ch.isprintable():
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _json_string(text: str) -> str:
    """encoding/json string encoding (with its default HTML escaping)."""
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif code < 0x20 or ch in "<>&" or code in (0x2028, 0x2029):
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def go_float(value: float) -> str:
    """A float64 as json.Marshal and %v print it."""
    return _go_float(value)


def _go_float(value: float) -> str:
    if math.isinf(value) or math.isnan(value):
        return "+Inf" if value > 0 else ("-Inf" if value < 0 else "NaN")
    if value == int(value) and abs(value) < 1e21:
        return str(int(value))
    return repr(value)


def go_json(value: Any) -> str:
    """json.Marshal of a Go value built from plain Python data (compact form)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _go_float(value)
    if isinstance(value, str):
        return _json_string(value)
    if isinstance(value, dict):
        items = ",".join(f"{_json_string(str(k))}:{go_json(v)}" for k, v in value.items())
        return "{" + items + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(go_json(v) for v in value) + "]"
    raise TypeError(f"cannot render {type(value).__name__} as Go JSON")


def go_map(mapping: dict[str, Any] | None) -> dict[str, Any] | None:
    """A Go map as json.Marshal would order it (keys sorted)."""
    if mapping is None:
        return None
    return {k: mapping[k] for k in sorted(mapping)}


class GoInt(int):
    """A Go ``int`` (not int32/int64): ErrorBody renders it through json.Marshal.

    The digits are the same; the type exists so call sites say what Go says.
    """


class GoNil:
    """A typed nil map or slice: not a nil interface, so ErrorBody JSON-marshals it to ``null``."""


GO_NIL = GoNil()


def error_body_value(value: Any) -> str:
    """The ``<value>`` part of ``Invalid value: <value>`` (ErrorBody's default branch).

    A nil value (``None``) becomes the Go string "null" and is then quoted, as Go does.
    """
    if value is None:
        return go_quote("null")
    if isinstance(value, GoNil):
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, GoInt):
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _go_float(value)
    if isinstance(value, str):
        return go_quote(value)
    return go_json(value)
