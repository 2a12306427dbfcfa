"""Go's encoding/json scanner messages, so decode errors read exactly as the apiserver's do."""

from __future__ import annotations

import json
from typing import Any

_LITERALS = {"t": "true", "f": "false", "n": "null"}


class FloatLiteral(float):
    """A number that is not a Go int, remembering the text Go would print in an UnmarshalTypeError
    (the JSON literal as sent, or json.Marshal's form for YAML)."""

    literal: str

    def __new__(cls, value: float, literal: str) -> "FloatLiteral":
        obj = super().__new__(cls, value)
        obj.literal = literal
        return obj


def _quote_char(c: str) -> str:
    if c == "'":
        return "'\\''"
    if c == '"':
        return "'\"'"
    return "'" + json.dumps(c, ensure_ascii=False)[1:-1] + "'"


def go_syntax_error(text: str) -> str | None:
    """The message Go's encoding/json scanner gives for ``text``, or None when it is valid JSON."""
    n, i = len(text), 0
    ws = " \t\r\n"
    stack: list[str] = []  # "o" object, "a" array

    def bad(pos: int, ctx: str) -> str:
        return f"invalid character {_quote_char(text[pos])} {ctx}"

    def skip(j: int) -> int:
        while j < n and text[j] in ws:
            j += 1
        return j

    state = "value"  # what the scanner expects next; "after" once a value has ended
    while True:
        i = skip(i)
        if i >= n:
            return None if state == "after" and not stack else "unexpected end of JSON input"
        c = text[i]
        if state == "after":
            if not stack:
                return bad(i, "after top-level value")
            closer, ctx = ("}", "after object key:value pair") if stack[-1] == "o" else ("]", "after array element")
            if c == ",":
                i, state = i + 1, "key" if stack[-1] == "o" else "value"
            elif c == closer:
                stack.pop()
                i += 1
            else:
                return bad(i, ctx)
            continue
        if state in ("key", "key_or_close"):
            if state == "key_or_close" and c == "}":
                stack.pop()
                i, state = i + 1, "after"
                continue
            if c != '"':
                return bad(i, "looking for beginning of object key string")
            i, err = _scan_string(text, i)
            if err:
                return err
            i = skip(i)
            if i >= n:
                return "unexpected end of JSON input"
            if text[i] != ":":
                return bad(i, "after object key")
            i, state = i + 1, "value"
            continue
        # state is "value" or "value_or_close"
        if state == "value_or_close" and c == "]":
            stack.pop()
            i, state = i + 1, "after"
            continue
        if c == "{":
            stack.append("o")
            i, state = i + 1, "key_or_close"
            continue
        if c == "[":
            stack.append("a")
            i, state = i + 1, "value_or_close"
            continue
        if c == '"':
            i, err = _scan_string(text, i)
        elif c == "-" or (c.isascii() and c.isdigit()):
            i, err = _scan_number(text, i, bad)
        elif c in _LITERALS:
            i, err = _scan_literal(text, i, bad)
        else:
            return bad(i, "looking for beginning of value")
        if err:
            return err
        state = "after"


def _scan_literal(text: str, i: int, bad: Any) -> tuple[int, str | None]:
    word = _LITERALS[text[i]]
    for k, want in enumerate(word[1:], 1):
        if i + k >= len(text):
            return len(text), "unexpected end of JSON input"
        if text[i + k] != want:
            return len(text), bad(i + k, f"in literal {word} (expecting {_quote_char(want)})")
    return i + len(word), None


def _scan_string(text: str, i: int) -> tuple[int, str | None]:
    n = len(text)
    i += 1
    while i < n:
        c = text[i]
        if c == '"':
            return i + 1, None
        if c == "\\":
            if i + 1 >= n:
                break
            e = text[i + 1]
            if e == "u":
                for k in range(2, 6):
                    if i + k >= n:
                        return n, "unexpected end of JSON input"
                    if text[i + k] not in "0123456789abcdefABCDEF":
                        return n, f"invalid character {_quote_char(text[i + k])} in \\u hexadecimal character escape"
                i += 6
                continue
            if e not in '"\\/bfnrt':
                return n, f"invalid character {_quote_char(e)} in string escape code"
            i += 2
            continue
        if ord(c) < 0x20:
            return n, f"invalid character {_quote_char(c)} in string literal"
        i += 1
    return n, "unexpected end of JSON input"


def _scan_number(text: str, i: int, bad: Any) -> tuple[int, str | None]:
    n = len(text)

    def digits(j: int) -> int:
        while j < n and text[j] in "0123456789":
            j += 1
        return j

    if text[i] == "-":
        i += 1
        if i >= n:
            return n, "unexpected end of JSON input"
        if text[i] not in "0123456789":
            return n, bad(i, "in numeric literal")
    i = i + 1 if text[i] == "0" else digits(i)
    if i < n and text[i] == ".":
        i += 1
        if i >= n:
            return n, "unexpected end of JSON input"
        if text[i] not in "0123456789":
            return n, bad(i, "after decimal point in numeric literal")
        i = digits(i)
    if i < n and text[i] in "eE":
        i += 1
        if i < n and text[i] in "+-":
            i += 1
        if i >= n:
            return n, "unexpected end of JSON input"
        if text[i] not in "0123456789":
            return n, bad(i, "in exponent of numeric literal")
        i = digits(i)
    return i, None


def json_kind(value: Any) -> str:
    """The JSON kind Go names in UnmarshalTypeError messages ("object", "array", "string", ...)."""
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "bool"
    return "number"
