"""Label and field selectors, parsed and matched as the apiserver does (k8s.io/apimachinery/pkg/labels, fields)."""

from __future__ import annotations

import re
from typing import Any

from svclab.records import Record, set_field

_SET_RE = re.compile(r"^\s*(!?)\s*([A-Za-z0-9_./-]+)\s*(?:(notin|in)\s*\(([^)]*)\)|(==|=|!=)\s*([A-Za-z0-9_.-]*))?\s*$")


class Requirement(Record):
    """One requirement of a label selector (a frozen record: svclab.records)."""

    _fields = ("key", "op", "values")
    key: str
    op: str  # "=", "!=", "in", "notin", "exists", "!"
    values: tuple[str, ...]

    def __init__(self, key: str, op: str, values: tuple[str, ...] = ()) -> None:
        set_field(self, "key", key)
        set_field(self, "op", op)
        set_field(self, "values", values)

    def _key(self) -> tuple[Any, ...]:
        return (self.key, self.op, self.values)

    def matches(self, labels: dict[str, str]) -> bool:
        present = self.key in labels
        value = labels.get(self.key)
        if self.op == "exists":
            return present
        if self.op == "!":
            return not present
        if self.op == "=":
            return present and value == self.values[0]
        if self.op == "!=":
            return not present or value != self.values[0]
        if self.op == "in":
            return present and value in self.values
        return not present or value not in self.values  # notin


class SelectorError(ValueError):
    """A selector string that cannot be parsed."""


def _split_top_level(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    if current.strip():
        parts.append(current)
    return parts


def parse_label_selector(text: str | None) -> list[Requirement]:
    """Parse `a=b,c!=d,e in (f,g),!h,i` into requirements."""
    if not text or not text.strip():
        return []
    requirements = []
    for part in _split_top_level(text):
        match = _SET_RE.match(part)
        if not match:
            raise SelectorError(f"unable to parse requirement: {part.strip()!r}")
        negated, key, set_op, set_values, op, value = match.groups()
        if set_op:
            values = tuple(v.strip() for v in set_values.split(",") if v.strip())
            requirements.append(Requirement(key, set_op, values))
        elif op:
            requirements.append(Requirement(key, "!=" if op == "!=" else "=", (value,)))
        else:
            requirements.append(Requirement(key, "!" if negated else "exists"))
    return requirements


def selector_from_match(selector: dict[str, Any] | None) -> list[Requirement]:
    """Requirements of a metav1.LabelSelector (matchLabels + matchExpressions)."""
    if not selector:
        return []
    requirements = [Requirement(k, "=", (v,)) for k, v in sorted((selector.get("matchLabels") or {}).items())]
    op_names = {"In": "in", "NotIn": "notin", "Exists": "exists", "DoesNotExist": "!"}
    for expr in selector.get("matchExpressions") or []:
        requirements.append(Requirement(expr["key"], op_names[expr["operator"]], tuple(expr.get("values") or ())))
    return requirements


def labels_match(requirements: list[Requirement], labels: dict[str, str] | None) -> bool:
    labels = labels or {}
    return all(req.matches(labels) for req in requirements)


def selector_matches(selector: dict[str, str] | None, labels: dict[str, str] | None) -> bool:
    """A Service-style selector (a plain map): every pair must be present. An empty map matches nothing here."""
    if not selector:
        return False
    labels = labels or {}
    return all(labels.get(k) == v for k, v in selector.items())


class FieldRequirement(Record):
    """One requirement of a field selector (a frozen record: svclab.records)."""

    _fields = ("path", "op", "value")
    path: str
    op: str  # "=" or "!="
    value: str

    def __init__(self, path: str, op: str, value: str) -> None:
        set_field(self, "path", path)
        set_field(self, "op", op)
        set_field(self, "value", value)

    def _key(self) -> tuple[Any, ...]:
        return (self.path, self.op, self.value)


def parse_field_selector(text: str | None) -> list[FieldRequirement]:
    if not text or not text.strip():
        return []
    result = []
    for part in text.split(","):
        part = part.strip()
        for op in ("!=", "==", "="):
            if op in part:
                path, value = part.split(op, 1)
                result.append(FieldRequirement(path.strip(), "!=" if op == "!=" else "=", value.strip()))
                break
        else:
            raise SelectorError(f"invalid selector: '{part}'; can't understand '{part}'")
    return result


def field_value(obj: dict[str, Any], path: str) -> str:
    node: Any = obj
    for key in path.split("."):
        if not isinstance(node, dict):
            return ""
        node = node.get(key)
    if node is None:
        return ""
    if isinstance(node, bool):
        return "true" if node else "false"
    return str(node)


def fields_match(requirements: list[FieldRequirement], obj: dict[str, Any]) -> bool:
    for req in requirements:
        equal = field_value(obj, req.path) == req.value
        if equal != (req.op == "="):
            return False
    return True
