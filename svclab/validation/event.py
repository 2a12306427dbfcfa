"""core/v1 Event validation: ObjectMeta, then legacyValidateEvent (pkg/apis/core/validation/events.go)
for an Event without eventTime, the form kubectl, client-go's recorder and this cluster's controllers
write: its involvedObject's namespace must be the Event's own (or empty, for an Event in "default")."""

from __future__ import annotations

from typing import Any

from svclab.validation import field as f
from svclab.validation import messages as m
from svclab.validation.errors import Cause
from svclab.validation.meta import validate_object_meta, validate_object_meta_update
from svclab.validation.names import name_is_dns_subdomain


def _legacy(event: dict[str, Any]) -> list[Cause]:
    if event.get("eventTime"):
        return []  # "new" Events (events.k8s.io style) are checked on other fields, not modelled here
    namespace = (event.get("metadata") or {}).get("namespace", "")
    involved = event.get("involvedObject") or {}
    involved_namespace = involved.get("namespace", "") if isinstance(involved, dict) else ""
    if not involved_namespace:
        if namespace not in ("", "default"):
            return [f.invalid("involvedObject.namespace", involved_namespace, m.EVENT_NAMESPACE_MISMATCH)]
    elif involved_namespace != namespace:
        return [f.invalid("involvedObject.namespace", involved_namespace, m.EVENT_NAMESPACE_MISMATCH)]
    return []


def validate_event(event: dict[str, Any]) -> list[Cause]:
    return validate_object_meta(event.get("metadata") or {}, True, name_is_dns_subdomain) + _legacy(event)


def validate_event_update(event: dict[str, Any], old: dict[str, Any]) -> list[Cause]:
    return validate_object_meta_update(event.get("metadata") or {}, old.get("metadata") or {}) + _legacy(event)
