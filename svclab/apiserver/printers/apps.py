"""printDeployment, printReplicaSet and printStatefulSet."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from . import columns as c
from .base import Printer, Row, layout_container_cells, meta, name_of, sub
from .duration import translate_timestamp_since
from .labels import InvalidSelector, format_label_selector, selector_string

DEPLOYMENT_COLUMNS = (
    c.name_col(),
    c.col("Ready", "string", c.READY_PODS),
    c.col("Up-to-date", "string", c.DEPLOYMENT_STATUS_UPDATED_REPLICAS),
    c.col("Available", "string", c.DEPLOYMENT_STATUS_AVAILABLE_REPLICAS),
    c.age_col(),
    c.col("Containers", "string", c.CONTAINERS, priority=1),
    c.col("Images", "string", c.IMAGES, priority=1),
    c.col("Selector", "string", c.DEPLOYMENT_SPEC_SELECTOR, priority=1),
)

REPLICA_SET_COLUMNS = (
    c.name_col(),
    c.col("Desired", "integer", c.REPLICA_SET_SPEC_REPLICAS),
    c.col("Current", "integer", c.REPLICA_SET_STATUS_REPLICAS),
    c.col("Ready", "integer", c.REPLICA_SET_STATUS_READY_REPLICAS),
    c.age_col(),
    c.col("Containers", "string", c.CONTAINERS, priority=1),
    c.col("Images", "string", c.IMAGES, priority=1),
    c.col("Selector", "string", c.REPLICA_SET_SPEC_SELECTOR, priority=1),
)

STATEFUL_SET_COLUMNS = (
    c.name_col(),
    c.col("Ready", "string", c.READY_PODS),
    c.age_col(),
    c.col("Containers", "string", c.CONTAINERS, priority=1),
    c.col("Images", "string", c.IMAGES, priority=1),
)


def _int(value: Any) -> int:
    return int(value or 0)


def _containers(obj: dict[str, Any]) -> list[dict[str, Any]]:
    return sub(obj, "spec", "template", "spec", "containers") or []


def print_deployment(dep: dict[str, Any], now: datetime) -> Row:
    spec: dict[str, Any] = dep.get("spec") or {}
    status: dict[str, Any] = dep.get("status") or {}
    try:
        selector = selector_string(spec.get("selector"))
    except InvalidSelector:
        selector = "<invalid>"
    names, images = layout_container_cells(_containers(dep))
    cells: list[Any] = [
        name_of(dep),
        f"{_int(status.get('readyReplicas'))}/{_int(spec.get('replicas'))}",
        _int(status.get("updatedReplicas")),
        _int(status.get("availableReplicas")),
        translate_timestamp_since(meta(dep).get("creationTimestamp"), now),
        names,
        images,
        selector,
    ]
    return Row(cells)


def print_replica_set(rs: dict[str, Any], now: datetime) -> Row:
    spec: dict[str, Any] = rs.get("spec") or {}
    status: dict[str, Any] = rs.get("status") or {}
    names, images = layout_container_cells(_containers(rs))
    cells: list[Any] = [
        name_of(rs),
        _int(spec.get("replicas")),
        _int(status.get("replicas")),
        _int(status.get("readyReplicas")),
        translate_timestamp_since(meta(rs).get("creationTimestamp"), now),
        names,
        images,
        format_label_selector(spec.get("selector")),
    ]
    return Row(cells)


def print_stateful_set(sts: dict[str, Any], now: datetime) -> Row:
    spec: dict[str, Any] = sts.get("spec") or {}
    status: dict[str, Any] = sts.get("status") or {}
    names, images = layout_container_cells(_containers(sts))
    cells: list[Any] = [
        name_of(sts),
        f"{_int(status.get('readyReplicas'))}/{_int(spec.get('replicas'))}",
        translate_timestamp_since(meta(sts).get("creationTimestamp"), now),
        names,
        images,
    ]
    return Row(cells)


DEPLOYMENT = Printer(DEPLOYMENT_COLUMNS, print_deployment)
REPLICA_SET = Printer(REPLICA_SET_COLUMNS, print_replica_set)
STATEFUL_SET = Printer(STATEFUL_SET_COLUMNS, print_stateful_set)
