"""Answers as plain, typed JSON: how a learner's values leave the kernel and reach the trusted checks.

The grader never evaluates a check inside the learner's kernel: the kernel only *exports* the values of the
assignment's answer variables (`encode`, run there by `svclab.grading.export`), and the checks run elsewhere
on what `decode` rebuilds. Only data crosses: every value is tagged with its exact type, and decoding builds
fresh objects of the grader's own types, so nothing of the learner's code (an ``__eq__`` that is always true,
a ``str`` subclass, a patched module) reaches a check. A value of any other type arrives as an `Opaque`
(its type's name and a short repr), which no check accepts.

Encoded forms (JSON arrays): ``["none"]``, ``["bool", b]``, ``["int", n]``, ``["float", "repr"]``,
``["str", s]``, ``["list"|"tuple"|"set", [...]]``, ``["dict", [[k, v], ...]]``, ``["ellipsis"]``,
``["numpy", "int64", n]``, ``["Series", {...}]``, ``["DataFrame", {...}]``, ``["ExecOutput", {...}]``,
``["Lookup", {...}]``, ``["opaque", "module.Type", "repr"]``, ``["missing"]`` (not defined).
"""

from __future__ import annotations

import math
import reprlib
from dataclasses import dataclass
from typing import Any

MAX_DEPTH = 24
MAX_BYTES = 8 << 20      # all answers of one snapshot together
MAX_ITEMS = 200_000      # elements in all containers of one value
NUMPY_SCALARS = ("bool_", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float32", "float64")
SERIES_DTYPES = ("int64", "int32", "float64", "bool", "object", "str", "string")
_short = reprlib.Repr()
_short.maxstring = 120
_short.maxother = 120


@dataclass(frozen=True)
class Opaque:
    """A value the grader does not take as an answer: what it was, for the message."""

    type_name: str
    text: str

    def __repr__(self) -> str:
        return f"<{self.type_name} {self.text}>"


class Missing:
    """The variable was not defined when the answers were read."""

    def __repr__(self) -> str:
        return "<not defined>"


MISSING = Missing()


class TooLarge(ValueError):
    pass


class _Budget:
    def __init__(self) -> None:
        self.items = 0
        self.bytes = 0

    def spend(self, items: int = 1, size: int = 0) -> None:
        self.items += items
        self.bytes += size
        if self.items > MAX_ITEMS or self.bytes > MAX_BYTES:
            raise TooLarge(f"more than {MAX_ITEMS} items or {MAX_BYTES >> 20} MiB")


def _type_name(value: Any) -> str:
    kind = type(value)
    module = getattr(kind, "__module__", "")
    return kind.__qualname__ if module in ("builtins", "__main__", "") else f"{module}.{kind.__qualname__}"


def _opaque(value: Any) -> list[Any]:
    try:
        text = _short.repr(value)
    except Exception as exc:  # noqa: BLE001 - a learner's __repr__ may raise anything
        text = f"<{_type_name(value)} whose repr failed: {type(exc).__name__}>"
    return ["opaque", _type_name(value), text[:200]]


def encode(value: Any, budget: _Budget | None = None, depth: int = 0) -> list[Any]:
    """The tagged form of `value` (exact types only; anything else is opaque). Runs in the learner's kernel."""
    budget = budget or _Budget()
    budget.spend()
    if depth > MAX_DEPTH:
        return ["opaque", _type_name(value), "nested too deeply"]
    kind = type(value)
    if value is None:
        return ["none"]
    if value is Ellipsis:
        return ["ellipsis"]
    if kind is bool:
        return ["bool", value]
    if kind is int:
        if value.bit_length() > 256:
            return ["opaque", "int", "an integer too large to grade"]
        return ["int", value]
    if kind is float:
        return ["float", repr(value)]
    if kind is str:
        budget.spend(0, len(value))
        return ["str", value]
    if kind in (list, tuple, set, frozenset):
        items = sorted(value, key=repr) if kind in (set, frozenset) else value
        return [{list: "list", tuple: "tuple", set: "set", frozenset: "set"}[kind], [encode(v, budget, depth + 1) for v in items]]
    if kind is dict:
        return ["dict", [[encode(k, budget, depth + 1), encode(v, budget, depth + 1)] for k, v in value.items()]]
    module = getattr(kind, "__module__", "")
    if module == "numpy" and kind.__name__ in NUMPY_SCALARS:
        item = value.item()
        return ["numpy", kind.__name__, repr(item) if isinstance(item, float) else item]
    qualified = f"{module}.{kind.__qualname__}"
    if qualified == "pandas.Series" or qualified == "pandas.core.series.Series":
        budget.spend(len(value))
        return ["Series", {"index": encode(list(value.index), budget, depth + 1), "values": encode(list(value), budget, depth + 1),
                           "name": encode(value.name, budget, depth + 1), "index_name": encode(value.index.name, budget, depth + 1),
                           "dtype": str(value.dtype)}]
    if qualified == "pandas.DataFrame" or qualified == "pandas.core.frame.DataFrame":
        budget.spend(value.size)
        return ["DataFrame", {"columns": encode([str(c) for c in value.columns], budget, depth + 1),
                              "rows": encode([list(row) for row in value.itertuples(index=False, name=None)], budget, depth + 1)}]
    if qualified == "svclab.lab.execution.ExecOutput":
        return ["ExecOutput", {"stdout": encode(value.stdout, budget), "stderr": encode(value.stderr, budget), "exit_code": encode(value.exit_code, budget)}]
    if qualified == "svclab.lab.lookups.Lookup":
        out = value.output
        return ["Lookup", {"query": encode(value.query, budget), "stdout": encode(out.stdout, budget), "stderr": encode(out.stderr, budget),
                           "exit_code": encode(out.exit_code, budget)}]
    return _opaque(value)


# ---- decoding (trusted side) ----------------------------------------------------------------------------------

class Malformed(ValueError):
    pass


def _expect(condition: bool, what: str) -> None:
    if not condition:
        raise Malformed(what)


def _text(data: Any, what: str) -> str:
    value = decode(data)
    _expect(type(value) is str, f"{what} should be text")
    return value


def decode(data: Any, depth: int = 0) -> Any:
    """Rebuild a value from its tagged form, with the grader's own types. Raises Malformed on anything else."""
    _expect(depth <= MAX_DEPTH + 2, "nested too deeply")
    _expect(type(data) is list and len(data) >= 1 and type(data[0]) is str, "not a tagged value")
    tag, rest = data[0], data[1:]
    if tag == "none":
        return None
    if tag == "missing":
        return MISSING
    if tag == "ellipsis":
        return Ellipsis
    if tag == "bool":
        _expect(len(rest) == 1 and type(rest[0]) is bool, "bad bool")
        return rest[0]
    if tag == "int":
        _expect(len(rest) == 1 and type(rest[0]) is int, "bad int")
        return rest[0]
    if tag == "float":
        _expect(len(rest) == 1 and type(rest[0]) is str and len(rest[0]) < 64, "bad float")
        try:
            return float(rest[0])
        except ValueError:
            raise Malformed("bad float") from None
    if tag == "str":
        _expect(len(rest) == 1 and type(rest[0]) is str, "bad str")
        return rest[0]
    if tag in ("list", "tuple", "set"):
        _expect(len(rest) == 1 and type(rest[0]) is list, f"bad {tag}")
        items = [decode(v, depth + 1) for v in rest[0]]
        if tag == "set":
            try:
                return set(items)
            except TypeError:
                raise Malformed("a set of unhashable values") from None
        return items if tag == "list" else tuple(items)
    if tag == "dict":
        _expect(len(rest) == 1 and type(rest[0]) is list, "bad dict")
        out: dict[Any, Any] = {}
        for pair in rest[0]:
            _expect(type(pair) is list and len(pair) == 2, "bad dict item")
            key = decode(pair[0], depth + 1)
            try:
                out[key] = decode(pair[1], depth + 1)
            except TypeError:
                raise Malformed("an unhashable dict key") from None
        return out
    if tag == "numpy":
        import numpy

        _expect(len(rest) == 2 and rest[0] in NUMPY_SCALARS, "bad numpy scalar")
        raw = rest[1]
        _expect(type(raw) in (bool, int, str), "bad numpy scalar")
        try:
            return getattr(numpy, rest[0])(float(raw) if type(raw) is str else raw)
        except (ValueError, OverflowError, TypeError):
            raise Malformed("bad numpy scalar") from None
    if tag == "Series":
        import pandas as pd

        _expect(len(rest) == 1 and type(rest[0]) is dict, "bad Series")
        body = rest[0]
        values, index = decode(body.get("values", ["list", []]), depth + 1), decode(body.get("index", ["list", []]), depth + 1)
        _expect(type(values) is list and type(index) is list and len(values) == len(index), "bad Series")
        dtype = body.get("dtype")
        series = pd.Series(values, index=index, name=decode(body.get("name", ["none"]), depth + 1),
                           dtype=dtype if dtype in SERIES_DTYPES else None)
        series.index.name = decode(body.get("index_name", ["none"]), depth + 1)
        return series
    if tag == "DataFrame":
        import pandas as pd

        _expect(len(rest) == 1 and type(rest[0]) is dict, "bad DataFrame")
        columns, rows = decode(rest[0].get("columns", ["list", []]), depth + 1), decode(rest[0].get("rows", ["list", []]), depth + 1)
        _expect(type(columns) is list and type(rows) is list and all(type(r) is list and len(r) == len(columns) for r in rows), "bad DataFrame")
        return pd.DataFrame(rows, columns=columns)
    if tag in ("ExecOutput", "Lookup"):
        from svclab.lab.execution import ExecOutput
        from svclab.lab.lookups import parse_nslookup

        _expect(len(rest) == 1 and type(rest[0]) is dict, f"bad {tag}")
        body = rest[0]
        code = decode(body.get("exit_code", ["int", 0]))
        _expect(type(code) is int, "bad exit code")
        output = ExecOutput(_text(body.get("stdout", ["str", ""]), "stdout"), _text(body.get("stderr", ["str", ""]), "stderr"), code)
        return output if tag == "ExecOutput" else parse_nslookup(_text(body.get("query", ["str", ""]), "query"), output)
    if tag == "opaque":
        _expect(len(rest) == 2 and type(rest[0]) is str and type(rest[1]) is str, "bad opaque value")
        return Opaque(rest[0][:200], rest[1][:200])
    raise Malformed(f"unknown tag {tag[:40]!r}")


def same(a: Any, b: Any) -> bool:
    """Equal values of equal exact types, all the way down (1 is not True, 1.0 is not 1)."""
    if type(a) is not type(b):
        return False
    if type(a) in (list, tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if type(a) is dict:
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if type(a) is float and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)
