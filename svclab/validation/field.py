"""field.Required/Invalid/Duplicate/... constructors producing Causes with Go's ErrorBody.

Mirrors staging/src/k8s.io/apimachinery/pkg/util/validation/field/errors.go.
"""

from __future__ import annotations

from typing import Any, Iterable

from svclab.validation import messages as m
from svclab.validation.errors import Cause
from svclab.validation.govalue import GoInt, error_body_value, go_quote


def _body(cause_type: str, detail: str, value: Any = None, show_value: bool = False) -> str:
    text = m.ERROR_TYPE_TEXT[cause_type]
    if show_value:
        text = f"{text}: {error_body_value(value)}"
    if detail:
        text = f"{text}: {detail}"
    return text


def required(path: str, detail: str = "") -> Cause:
    return Cause(m.CAUSE_REQUIRED, _body(m.CAUSE_REQUIRED, detail), path)


def forbidden(path: str, detail: str) -> Cause:
    return Cause(m.CAUSE_FORBIDDEN, _body(m.CAUSE_FORBIDDEN, detail), path)


def invalid(path: str, value: Any, detail: str) -> Cause:
    return Cause(m.CAUSE_INVALID, _body(m.CAUSE_INVALID, detail, value, True), path)


def duplicate(path: str, value: Any) -> Cause:
    return Cause(m.CAUSE_DUPLICATE, _body(m.CAUSE_DUPLICATE, "", value, True), path)


def not_found(path: str, value: Any) -> Cause:
    return Cause(m.CAUSE_NOT_FOUND, _body(m.CAUSE_NOT_FOUND, "", value, True), path)


def not_supported(path: str, value: Any, valid: Iterable[str]) -> Cause:
    values = list(valid)
    detail = m.SUPPORTED_VALUES.format(values=", ".join(go_quote(v) for v in values)) if values else ""
    return Cause(m.CAUSE_NOT_SUPPORTED, _body(m.CAUSE_NOT_SUPPORTED, detail, value, True), path)


def too_long(path: str, max_length: int) -> Cause:
    detail = m.TOO_LONG_BYTES.format(max=max_length)
    return Cause(m.CAUSE_TOO_LONG, _body(m.CAUSE_TOO_LONG, detail), path)


def too_many(path: str, actual: int, max_items: int) -> Cause:
    detail = m.TOO_MANY_ITEMS.format(max=max_items)
    return Cause(m.CAUSE_TOO_MANY, _body(m.CAUSE_TOO_MANY, detail, GoInt(actual), True), path)


def internal(path: str, message: str) -> Cause:
    return Cause(m.CAUSE_INTERNAL, _body(m.CAUSE_INTERNAL, message), path)


def index(path: str, i: int) -> str:
    """field.Path.Index: ``spec.ports[1]``."""
    return f"{path}[{i}]"


def key(path: str, k: str) -> str:
    """field.Path.Key: ``metadata.annotations[example.com/x]``."""
    return f"{path}[{k}]"
