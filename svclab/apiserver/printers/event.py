"""printEvent for core/v1 Events and events.k8s.io/v1 Events (one storage, one printer in the apiserver)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from . import columns as c
from .base import Printer, Row, name_of
from .duration import parse_time, translate_timestamp_since

COLUMNS = (
    c.col("Last Seen", "string", c.EVENT_LAST_TIMESTAMP),
    c.col("Type", "string", c.EVENT_TYPE),
    c.col("Reason", "string", c.EVENT_REASON),
    c.col("Object", "string", c.EVENT_INVOLVED_OBJECT),
    c.col("Subobject", "string", c.OBJECT_REFERENCE_FIELD_PATH, priority=1),
    c.col("Source", "string", c.EVENT_SOURCE, priority=1),
    c.col("Message", "string", c.EVENT_MESSAGE),
    c.col("First Seen", "string", c.EVENT_FIRST_TIMESTAMP, priority=1),
    c.col("Count", "string", c.EVENT_COUNT, priority=1),
    c.name_col(priority=1),
)


def as_core_event(event: dict[str, Any]) -> dict[str, Any]:
    """An events.k8s.io/v1 Event in core/v1 field names (pkg/apis/events/v1 conversion); core events pass."""
    if not str(event.get("apiVersion") or "").startswith("events.k8s.io/"):
        return event
    return {
        "metadata": event.get("metadata") or {},
        "involvedObject": event.get("regarding") or {},
        "reason": event.get("reason") or "",
        "message": event.get("note") or "",
        "source": event.get("deprecatedSource") or {},
        "firstTimestamp": event.get("deprecatedFirstTimestamp"),
        "lastTimestamp": event.get("deprecatedLastTimestamp"),
        "count": event.get("deprecatedCount") or 0,
        "type": event.get("type") or "",
        "eventTime": event.get("eventTime"),
        "series": event.get("series"),
        "action": event.get("action") or "",
        "related": event.get("related"),
        "reportingComponent": event.get("reportingController") or "",
        "reportingInstance": event.get("reportingInstance") or "",
    }


def _first_non_empty(*values: str) -> str:
    for value in values:
        if value:
            return value
    return ""


def format_event_source(source: dict[str, Any], reporting_controller: str, reporting_instance: str) -> str:
    """formatEventSource: `component, host`, falling back to the reporting controller and instance."""
    component = _first_non_empty(str(source.get("component") or ""), reporting_controller)
    instance = _first_non_empty(str(source.get("host") or ""), reporting_instance)
    return component if not instance else f"{component}, {instance}"


def print_event(obj: dict[str, Any], now: datetime) -> Row:
    event = as_core_event(obj)
    first = translate_timestamp_since(event.get("firstTimestamp"), now)
    if parse_time(event.get("firstTimestamp")) is None:
        first = translate_timestamp_since(event.get("eventTime"), now)
    last = translate_timestamp_since(event.get("lastTimestamp"), now)
    if parse_time(event.get("lastTimestamp")) is None:
        last = first
    count = int(event.get("count") or 0)
    series = event.get("series")
    if series is not None:
        last = translate_timestamp_since(series.get("lastObservedTime"), now)
        count = int(series.get("count") or 0)
    elif count == 0:
        count = 1
    involved: dict[str, Any] = event.get("involvedObject") or {}
    kind = str(involved.get("kind") or "").lower()
    target = f"{kind}/{involved['name']}" if involved.get("name") else kind
    cells: list[Any] = [
        last,
        str(event.get("type") or ""),
        str(event.get("reason") or ""),
        target,
        str(involved.get("fieldPath") or ""),
        format_event_source(
            event.get("source") or {},
            str(event.get("reportingComponent") or ""),
            str(event.get("reportingInstance") or ""),
        ),
        str(event.get("message") or "").strip(),
        first,
        count,
        name_of(obj),
    ]
    return Row(cells)


PRINTER = Printer(COLUMNS, print_event)
