"""ObjectMeta, labels, annotations and label selectors.

Mirrors staging/src/k8s.io/apimachinery/pkg/api/validation/objectmeta.go and
.../apis/meta/v1/validation/validation.go.
"""

from __future__ import annotations

from typing import Any, Callable

from svclab.validation import field as f
from svclab.validation import messages as m
from svclab.validation.errors import Cause
from svclab.validation.govalue import go_map
from svclab.validation.names import is_qualified_name, is_valid_label_value, name_is_dns_label

NameFunc = Callable[[str, bool], list[str]]
SELECTOR_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


def validate_labels(labels: dict[str, Any] | None, path: str) -> list[Cause]:
    """ValidateLabels (keys sorted: Go iterates the map in random order)."""
    causes: list[Cause] = []
    for k in sorted(labels or {}):
        causes += [f.invalid(path, k, msg) for msg in is_qualified_name(k)]
        value = str((labels or {})[k])
        causes += [f.invalid(path, value, msg) for msg in is_valid_label_value(value)]
    return causes


def validate_annotations(annotations: dict[str, Any] | None, path: str) -> list[Cause]:
    causes: list[Cause] = []
    total = 0
    for k in sorted(annotations or {}):
        causes += [f.invalid(path, k, msg) for msg in is_qualified_name(k.lower())]
        total += len(k.encode()) + len(str((annotations or {})[k]).encode())
    if total > m.TOTAL_ANNOTATION_SIZE_LIMIT_B:
        causes.append(f.too_long(path, m.TOTAL_ANNOTATION_SIZE_LIMIT_B))
    return causes


def validate_nonnegative(value: Any, path: str) -> list[Cause]:
    if isinstance(value, int) and not isinstance(value, bool) and value < 0:
        return [f.invalid(path, value, m.IS_NEGATIVE)]
    return []


def validate_object_meta(meta: dict[str, Any], namespaced: bool, name_fn: NameFunc, path: str = "metadata") -> list[Cause]:
    """ValidateObjectMeta, run after name generation."""
    causes: list[Cause] = []
    generate_name = meta.get("generateName") or ""
    name = meta.get("name") or ""
    if generate_name:
        causes += [f.invalid(f"{path}.generateName", generate_name, msg) for msg in name_fn(generate_name, True)]
    if not name:
        causes.append(f.required(f"{path}.name", m.NAME_REQUIRED))
    else:
        causes += [f.invalid(f"{path}.name", name, msg) for msg in name_fn(name, False)]
    namespace = meta.get("namespace") or ""
    if namespaced:
        if not namespace:
            causes.append(f.required(f"{path}.namespace"))
        else:
            causes += [f.invalid(f"{path}.namespace", namespace, msg) for msg in name_is_dns_label(namespace, False)]
    elif namespace:
        causes.append(f.forbidden(f"{path}.namespace", m.NAMESPACE_NOT_ALLOWED))
    causes += validate_nonnegative(meta.get("generation", 0), f"{path}.generation")
    causes += validate_labels(meta.get("labels"), f"{path}.labels")
    causes += validate_annotations(meta.get("annotations"), f"{path}.annotations")
    for finalizer in meta.get("finalizers") or []:
        causes += [f.invalid(f"{path}.finalizers", finalizer, msg) for msg in is_qualified_name(finalizer)]
    return causes


def validate_object_meta_update(new: dict[str, Any], old: dict[str, Any], path: str = "metadata") -> list[Cause]:
    """ValidateObjectMetaUpdate."""
    causes: list[Cause] = []
    if not new.get("resourceVersion"):
        causes.append(f.invalid(f"{path}.resourceVersion", new.get("resourceVersion") or "", m.RESOURCE_VERSION_FOR_UPDATE))
    if int(new.get("generation", 0) or 0) < int(old.get("generation", 0) or 0):
        causes.append(f.invalid(f"{path}.generation", int(new.get("generation", 0) or 0), m.GENERATION_DECREMENTED))
    for key in ("name", "namespace", "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds"):
        new_value, old_value = new.get(key), old.get(key)
        if key in ("name", "namespace", "uid"):
            new_value, old_value = new_value or "", old_value or ""
        if new_value != old_value:
            causes.append(f.invalid(f"{path}.{key}", new_value, m.FIELD_IMMUTABLE))
    causes += validate_labels(new.get("labels"), f"{path}.labels")
    causes += validate_annotations(new.get("annotations"), f"{path}.annotations")
    return causes


def validate_label_selector(selector: dict[str, Any] | None, path: str) -> list[Cause]:
    """metav1validation.ValidateLabelSelector (strict label values)."""
    if selector is None:
        return []
    causes = validate_labels(selector.get("matchLabels"), f"{path}.matchLabels")
    for i, expr in enumerate(selector.get("matchExpressions") or []):
        expr_path = f"{path}.matchExpressions[{i}]"
        operator = expr.get("operator") or ""
        values = expr.get("values") or []
        if operator in ("In", "NotIn"):
            if not values:
                causes.append(f.required(f"{expr_path}.values", m.SELECTOR_VALUES_REQUIRED))
        elif operator in ("Exists", "DoesNotExist"):
            if values:
                causes.append(f.forbidden(f"{expr_path}.values", m.SELECTOR_VALUES_FORBIDDEN))
        else:
            causes.append(f.invalid(f"{expr_path}.operator", operator, m.SELECTOR_BAD_OPERATOR))
        key = expr.get("key") or ""
        causes += [f.invalid(f"{expr_path}.key", key, msg) for msg in is_qualified_name(key)]
        for j, value in enumerate(values):
            causes += [f.invalid(f"{expr_path}.values[{j}]", value, msg) for msg in is_valid_label_value(value)]
    return causes


def selector_go_value(selector: dict[str, Any] | None) -> dict[str, Any] | None:
    """A metav1.LabelSelector as json.Marshal renders it (omitempty fields dropped)."""
    if selector is None:
        return None
    out: dict[str, Any] = {}
    if selector.get("matchLabels"):
        out["matchLabels"] = go_map(selector["matchLabels"])
    if selector.get("matchExpressions"):
        exprs = []
        for expr in selector["matchExpressions"]:
            item: dict[str, Any] = {"key": expr.get("key", ""), "operator": expr.get("operator", "")}
            if expr.get("values"):
                item["values"] = list(expr["values"])
            exprs.append(item)
        out["matchExpressions"] = exprs
    return out


class SelectorError(ValueError):
    """metav1.LabelSelectorAsSelector failed."""


def selector_matches(selector: dict[str, Any] | None, labels: dict[str, Any] | None) -> bool | None:
    """LabelSelectorAsSelector(selector).Matches(labels); None when the selector is empty.

    A nil selector is labels.Nothing() (matches nothing); an empty one is Everything().
    Raises SelectorError where LabelSelectorAsSelector would fail.
    """
    if selector is None:
        return False
    match_labels = selector.get("matchLabels") or {}
    exprs = selector.get("matchExpressions") or []
    if not match_labels and not exprs:
        return None
    have = {str(k): str(v) for k, v in (labels or {}).items()}
    for k, v in match_labels.items():
        if have.get(k) != str(v):
            return False
    for expr in exprs:
        operator, key, values = expr.get("operator"), expr.get("key", ""), [str(v) for v in expr.get("values") or []]
        if operator not in SELECTOR_OPERATORS:
            raise SelectorError(f"{operator!r} is not a valid label selector operator")
        if operator == "In" and have.get(key) not in values:
            return False
        if operator == "NotIn" and key in have and have[key] in values:
            return False
        if operator == "Exists" and key not in have:
            return False
        if operator == "DoesNotExist" and key in have:
            return False
    return True
