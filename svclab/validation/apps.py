"""Deployment, ReplicaSet and StatefulSet validation.

Mirrors pkg/apis/apps/validation/validation.go (v1.35) and the apps/v1 strategies
(pkg/registry/apps/*/strategy.go: the selector is immutable on update).
"""

from __future__ import annotations

import copy
from typing import Any

from svclab.validation import field as f
from svclab.validation import messages as m
from svclab.validation.errors import Cause
from svclab.validation.govalue import GO_NIL, go_map
from svclab.validation.meta import (
    SelectorError,
    selector_go_value,
    selector_matches,
    validate_label_selector,
    validate_nonnegative,
    validate_object_meta,
    validate_object_meta_update,
)
from svclab.validation.names import is_valid_percent, name_is_dns_subdomain
from svclab.validation.pod import validate_pod_template_spec

POD_MANAGEMENT_POLICIES = ("OrderedReady", "Parallel")
PVC_RETENTION_POLICIES = ("Retain", "Delete")
DEPLOYMENT_STRATEGIES = ("Recreate", "RollingUpdate")


def _selector_checks(spec: dict[str, Any], empty_message: str) -> list[Cause]:
    selector = spec.get("selector")
    if selector is None:
        return [f.required("spec.selector")]
    causes = validate_label_selector(selector, "spec.selector")
    if not selector.get("matchLabels") and not selector.get("matchExpressions"):
        causes.append(f.invalid("spec.selector", selector_go_value(selector) or {}, empty_message))
    return causes


def _template_labels_match(spec: dict[str, Any], bad_selector_detail: str) -> list[Cause]:
    template = spec.get("template") or {}
    labels = (template.get("metadata") or {}).get("labels")
    try:
        matched = selector_matches(spec.get("selector"), labels)
    except SelectorError:
        return [f.invalid("spec.selector", selector_go_value(spec.get("selector")), bad_selector_detail)]
    if matched is False:
        return [f.invalid("spec.template.metadata.labels", go_map(labels) if labels is not None else GO_NIL, m.SELECTOR_DOES_NOT_MATCH)]
    return []


def _template_for_replicaset(spec: dict[str, Any]) -> list[Cause]:
    """ValidatePodTemplateSpecForReplicaSet."""
    causes = _template_labels_match(spec, m.INVALID_LABEL_SELECTOR)
    if causes and causes[0].field == "spec.selector":
        return causes
    template = spec.get("template") or {}
    causes += validate_pod_template_spec(template, "spec.template")
    tspec = template.get("spec") or {}
    restart = tspec.get("restartPolicy") or ""
    if restart != "Always":
        causes.append(f.not_supported("spec.template.spec.restartPolicy", restart, ["Always"]))
    if tspec.get("activeDeadlineSeconds") is not None:
        causes.append(
            f.invalid("spec.template.spec.activeDeadlineSeconds", tspec["activeDeadlineSeconds"], m.ACTIVE_DEADLINE_REPLICASET)
        )
    return causes


def _int_or_percent(value: Any, path: str) -> list[Cause]:
    """ValidatePositiveIntOrPercent + IsNotMoreThan100Percent."""
    if isinstance(value, str):
        msgs = is_valid_percent(value)
        if msgs:
            return [f.invalid(path, value, msg) for msg in msgs]
        if int(value[:-1]) > 100:
            return [f.invalid(path, value, m.PERCENT_NOT_GT_100)]
        return []
    return validate_nonnegative(int(value or 0), path)


def _is_zero(value: Any) -> bool:
    return value in (0, None) or (isinstance(value, str) and value.rstrip("%") in ("0", ""))


def _validate_strategy(strategy: dict[str, Any]) -> list[Cause]:
    kind = strategy.get("type") or ""
    rolling = strategy.get("rollingUpdate")
    if kind == "Recreate":
        return [f.forbidden("spec.strategy.rollingUpdate", m.ROLLING_UPDATE_ON_RECREATE)] if rolling is not None else []
    if kind == "RollingUpdate":
        if rolling is None:
            return [f.required("spec.strategy.rollingUpdate", m.ROLLING_UPDATE_NIL)]
        path = "spec.strategy.rollingUpdate"
        causes = _int_or_percent(rolling.get("maxUnavailable"), f"{path}.maxUnavailable")
        causes += _int_or_percent(rolling.get("maxSurge"), f"{path}.maxSurge")
        if _is_zero(rolling.get("maxUnavailable")) and _is_zero(rolling.get("maxSurge")):
            causes.append(f.invalid(f"{path}.maxUnavailable", rolling.get("maxUnavailable"), m.MAX_UNAVAILABLE_BOTH_ZERO))
        return causes
    return [f.not_supported("spec.strategy", strategy, DEPLOYMENT_STRATEGIES)]


def validate_deployment(obj: dict[str, Any]) -> list[Cause]:
    """ValidateDeployment."""
    spec = obj.get("spec") or {}
    causes = validate_object_meta(obj.get("metadata") or {}, True, name_is_dns_subdomain)
    causes += validate_nonnegative(spec.get("replicas", 0), "spec.replicas")
    causes += _selector_checks(spec, m.EMPTY_SELECTOR_DEPLOYMENT)
    causes += _template_for_replicaset(spec)
    causes += _validate_strategy(spec.get("strategy") or {})
    causes += validate_nonnegative(spec.get("minReadySeconds", 0), "spec.minReadySeconds")
    if spec.get("revisionHistoryLimit") is not None:
        causes += validate_nonnegative(spec["revisionHistoryLimit"], "spec.revisionHistoryLimit")
    deadline = spec.get("progressDeadlineSeconds")
    if deadline is not None:
        causes += validate_nonnegative(deadline, "spec.progressDeadlineSeconds")
        if deadline <= int(spec.get("minReadySeconds") or 0):
            causes.append(f.invalid("spec.progressDeadlineSeconds", deadline, m.PROGRESS_DEADLINE_GT_MIN_READY))
    return causes


def validate_replicaset(obj: dict[str, Any]) -> list[Cause]:
    """ValidateReplicaSet."""
    spec = obj.get("spec") or {}
    causes = validate_object_meta(obj.get("metadata") or {}, True, name_is_dns_subdomain)
    causes += validate_nonnegative(spec.get("replicas", 0), "spec.replicas")
    causes += validate_nonnegative(spec.get("minReadySeconds", 0), "spec.minReadySeconds")
    causes += _selector_checks(spec, m.EMPTY_SELECTOR_DEPLOYMENT)
    causes += _template_for_replicaset(spec)
    return causes


def _selector_immutable(obj: dict[str, Any], old: dict[str, Any]) -> list[Cause]:
    new_sel, old_sel = (obj.get("spec") or {}).get("selector"), (old.get("spec") or {}).get("selector")
    if selector_go_value(new_sel) != selector_go_value(old_sel):
        return [f.invalid("spec.selector", selector_go_value(new_sel), m.FIELD_IMMUTABLE)]
    return []


def validate_deployment_update(obj: dict[str, Any], old: dict[str, Any]) -> list[Cause]:
    """ValidateDeploymentUpdate plus the apps/v1 strategy's immutable selector."""
    causes = validate_object_meta_update(obj.get("metadata") or {}, old.get("metadata") or {})
    causes += [c for c in validate_deployment(obj) if not c.field.startswith("metadata.")]
    return causes + _selector_immutable(obj, old)


def validate_replicaset_update(obj: dict[str, Any], old: dict[str, Any]) -> list[Cause]:
    """ValidateReplicaSetUpdate plus the apps/v1 strategy's immutable selector."""
    causes = validate_object_meta_update(obj.get("metadata") or {}, old.get("metadata") or {})
    causes += [c for c in validate_replicaset(obj) if not c.field.startswith("metadata.")]
    return causes + _selector_immutable(obj, old)


def _validate_statefulset_spec(spec: dict[str, Any]) -> list[Cause]:
    causes: list[Cause] = []
    policy = spec.get("podManagementPolicy") or ""
    if not policy:
        causes.append(f.required("spec.podManagementPolicy"))
    elif policy not in POD_MANAGEMENT_POLICIES:
        causes.append(f.invalid("spec.podManagementPolicy", policy, m.STS_POD_MANAGEMENT))
    strategy = spec.get("updateStrategy") or {}
    kind = strategy.get("type") or ""
    if not kind:
        causes.append(f.required("spec.updateStrategy"))
    elif kind == "OnDelete":
        if strategy.get("rollingUpdate") is not None:
            causes.append(f.invalid("spec.updateStrategy.rollingUpdate", strategy["rollingUpdate"], m.STS_ROLLING_ONLY))
    elif kind == "RollingUpdate":
        rolling = strategy.get("rollingUpdate")
        if rolling is not None:
            causes += validate_nonnegative(rolling.get("partition", 0), "spec.updateStrategy.rollingUpdate.partition")
    else:
        causes.append(f.invalid("spec.updateStrategy", strategy, m.STS_UPDATE_STRATEGY))
    retention = spec.get("persistentVolumeClaimRetentionPolicy") or {}
    for key in ("whenDeleted", "whenScaled"):
        value = retention.get(key)
        if value is not None and value not in PVC_RETENTION_POLICIES:
            causes.append(f.not_supported(f"spec.persistentVolumeClaimRetentionPolicy.{key}", value, PVC_RETENTION_POLICIES))
    causes += validate_nonnegative(spec.get("replicas", 0), "spec.replicas")
    causes += validate_nonnegative(spec.get("minReadySeconds", 0), "spec.minReadySeconds")
    causes += _selector_checks(spec, m.EMPTY_SELECTOR_STATEFULSET)
    labels_causes = _template_labels_match(spec, "")
    causes += labels_causes
    if not (labels_causes and labels_causes[0].field == "spec.selector"):
        causes += validate_pod_template_spec(spec.get("template") or {}, "spec.template")
    tspec = (spec.get("template") or {}).get("spec") or {}
    restart = tspec.get("restartPolicy") or ""
    if restart != "Always":
        causes.append(f.not_supported("spec.template.spec.restartPolicy", restart, ["Always"]))
    if tspec.get("activeDeadlineSeconds") is not None:
        causes.append(f.forbidden("spec.template.spec.activeDeadlineSeconds", m.ACTIVE_DEADLINE_STATEFULSET))
    return causes


def validate_statefulset(obj: dict[str, Any]) -> list[Cause]:
    """ValidateStatefulSet."""
    causes = validate_object_meta(obj.get("metadata") or {}, True, name_is_dns_subdomain)
    return causes + _validate_statefulset_spec(obj.get("spec") or {})


STS_UPDATABLE = (
    "replicas", "template", "updateStrategy", "minReadySeconds", "ordinals",
    "revisionHistoryLimit", "persistentVolumeClaimRetentionPolicy",
)


def validate_statefulset_update(obj: dict[str, Any], old: dict[str, Any]) -> list[Cause]:
    """ValidateStatefulSetUpdate: only the STS_UPDATABLE spec fields may change."""
    causes = validate_object_meta_update(obj.get("metadata") or {}, old.get("metadata") or {})
    spec, old_spec = obj.get("spec") or {}, old.get("spec") or {}
    causes += _validate_statefulset_spec(spec)
    clone = copy.deepcopy(spec)
    for key in STS_UPDATABLE:
        if key in old_spec:
            clone[key] = old_spec[key]
        else:
            clone.pop(key, None)
    if clone != old_spec:
        causes.append(f.forbidden("spec", m.STS_UPDATE_FORBIDDEN))
    return causes
