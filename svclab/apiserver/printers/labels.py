"""Label maps and selectors as strings: labels.FormatLabels, metav1.LabelSelectorAsSelector(...).String()."""

from __future__ import annotations

from typing import Any

_OPERATORS = {"In": " in ", "NotIn": " notin ", "Exists": "", "DoesNotExist": ""}


class InvalidSelector(ValueError):
    """The selector has an operator LabelSelectorAsSelector rejects."""


def set_string(label_map: dict[str, str] | None) -> str:
    """labels.Set.String(): `k=v` pairs sorted by key, comma separated."""
    return ",".join(f"{k}={v}" for k, v in sorted((label_map or {}).items()))


def format_labels(label_map: dict[str, str] | None) -> str:
    """labels.FormatLabels: `<none>` when empty."""
    return set_string(label_map) or "<none>"


def _requirement(key: str, op: str, values: list[str]) -> str:
    if op == "DoesNotExist":
        return "!" + key
    if op == "Exists":
        return key
    if op == "Equals":
        return f"{key}={values[0]}"
    joined = values[0] if len(values) == 1 else ",".join(sorted(values))
    return f"{key}{_OPERATORS[op]}({joined})"


def selector_string(selector: dict[str, Any] | None) -> str:
    """metav1.LabelSelectorAsSelector(selector).String(); nil and empty selectors print as ``."""
    if selector is None:
        return ""
    match_labels: dict[str, str] = selector.get("matchLabels") or {}
    expressions: list[dict[str, Any]] = selector.get("matchExpressions") or []
    requirements: list[tuple[str, str]] = []
    for key, value in match_labels.items():
        requirements.append((key, _requirement(key, "Equals", [value])))
    for expr in expressions:
        op = expr.get("operator", "")
        if op not in _OPERATORS:
            raise InvalidSelector(f'"{op}" is not a valid label selector operator')
        key = expr.get("key", "")
        requirements.append((key, _requirement(key, op, list(expr.get("values") or []))))
    requirements.sort(key=lambda item: item[0])
    return ",".join(text for _, text in requirements)


def format_label_selector(selector: dict[str, Any] | None) -> str:
    """metav1.FormatLabelSelector: `<none>` when empty, `<error>` when invalid."""
    try:
        text = selector_string(selector)
    except InvalidSelector:
        return "<error>"
    return text or "<none>"
