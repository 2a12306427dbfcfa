"""Query parameters decoded into the apiserver's option structs, with the real server's errors.

The apiserver decodes a request's query string with `metainternalversionscheme.ParameterCodec`:
strings as given (the first value), int64s with `strconv.ParseInt` (apimachinery runtime/conversion.go
`Convert_Slice_string_To_Pointer_int64`), bools true unless "false" or "0"
(`Convert_Slice_string_To_bool`). A value that does not parse is a 400 with Go's error text. The
options are then validated (apimachinery pkg/apis/meta/v1/validation ValidateCreateOptions,
ValidateUpdateOptions, ValidatePatchOptions, ValidateDeleteOptions; metainternalversion
validation ValidateListOptions): a 422 ``<Kind>.meta.k8s.io "" is invalid: ...``.
"""

from __future__ import annotations

from dataclasses import dataclass, field as dataclass_field
from typing import Any, Mapping, Protocol

from svclab.validation import errors, field, messages as m
from svclab.validation.errors import Cause
from svclab.validation.govalue import go_quote

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
UINT64_MAX = 2**64 - 1
FIELD_MANAGER_MAX_LENGTH = 128
FIELD_VALIDATION_VALUES = ("", "Ignore", "Strict", "Warn")  # sets.List order
PROPAGATION_POLICIES = ("Foreground", "Background", "Orphan", "nil")



class Query(Protocol):
    """A request's query parameters (svclab.wire.server.Query): every value of a key, in order."""

    def getall(self, key: str, default: list[str]) -> list[str]: ...

    def __contains__(self, key: object) -> bool: ...


def parse_int(text: str, bits: int = 64) -> int:
    """strconv.ParseInt(text, 10, bits); a 400 with Go's error text when it fails."""
    digits = text[1:] if text[:1] in "+-" else text
    if not digits or not digits.isascii() or not digits.isdigit():
        raise errors.bad_request(m.PARSE_INT_SYNTAX.format(value=go_quote(text)))
    value = int(text)
    if not -(2 ** (bits - 1)) <= value <= 2 ** (bits - 1) - 1:
        raise errors.bad_request(m.PARSE_INT_RANGE.format(value=go_quote(text)))
    return value


def parse_resource_version(text: str) -> int | None:
    """APIObjectVersioner.ParseResourceVersion: "" and "0" mean any; otherwise a uint64.

    The v1.35 server returns this error unconverted, so clients see a 500 (kubernetes/kubernetes
    #101350, #113939); here it is a 400 with the same text, since a 5xx would be a server bug."""
    if text in ("", "0"):
        return None
    if not text.isascii() or not text.isdigit():
        reason = m.PARSE_UINT_SYNTAX.format(value=go_quote(text))
    elif int(text) > UINT64_MAX:
        reason = m.PARSE_UINT_RANGE.format(value=go_quote(text))
    else:
        return int(text)
    raise errors.bad_request(field.invalid("resourceVersion", text, reason).error())


def _first(query: Query, key: str) -> str | None:
    values = query.getall(key, [])
    return values[0] if values else None


def _bool(query: Query, key: str) -> bool:
    value = _first(query, key)
    return value is not None and value != "0" and value.lower() != "false"


def _optional_bool(query: Query, key: str) -> bool | None:
    return _bool(query, key) if key in query else None


def _optional_int(query: Query, key: str) -> int | None:
    value = _first(query, key)
    return None if value is None else parse_int(value)


def _invalid_options(kind: str, causes: list[Cause]) -> None:
    if causes:
        raise errors.invalid_options(kind, causes)


def _field_manager_causes(manager: str) -> list[Cause]:
    causes: list[Cause] = []
    if len(manager.encode()) > FIELD_MANAGER_MAX_LENGTH:
        causes.append(field.too_long("fieldManager", FIELD_MANAGER_MAX_LENGTH))
    offset = 0
    for char in manager:
        if not char.isprintable():
            causes.append(field.invalid("fieldManager", manager, m.INVALID_CHARACTER_AT.format(char=f"U+{ord(char):04X}", position=offset)))
        offset += len(char.encode())
    return causes


def _dry_run_causes(dry_run: list[str]) -> list[Cause]:
    if all(value == "All" for value in dry_run):
        return []
    return [field.not_supported("dryRun", list(dry_run), ["All"])]


def _field_validation_causes(mode: str) -> list[Cause]:
    return [] if mode in FIELD_VALIDATION_VALUES else [field.not_supported("fieldValidation", mode, FIELD_VALIDATION_VALUES)]


@dataclass
class ListOptions:
    label_selector: str | None = None
    field_selector: str | None = None
    watch: bool = False
    allow_watch_bookmarks: bool = False
    resource_version: str = ""
    resource_version_match: str = ""
    timeout_seconds: int | None = None
    limit: int = 0
    continue_token: str = ""
    send_initial_events: bool | None = None

    @property
    def since(self) -> int | None:
        """The resourceVersion a watch starts after (None: send the current state first)."""
        return parse_resource_version(self.resource_version)


def list_options(query: Query) -> ListOptions:
    """Decode (in the struct's field order, the first failure wins) and validate ListOptions."""
    options = ListOptions(
        label_selector=_first(query, "labelSelector"),
        field_selector=_first(query, "fieldSelector"),
        watch=_bool(query, "watch"),
        allow_watch_bookmarks=_bool(query, "allowWatchBookmarks"),
        resource_version=_first(query, "resourceVersion") or "",
        resource_version_match=_first(query, "resourceVersionMatch") or "",
        timeout_seconds=_optional_int(query, "timeoutSeconds"),
    )
    limit = _first(query, "limit")
    options.limit = parse_int(limit) if limit is not None else 0
    options.continue_token = _first(query, "continue") or ""
    options.send_initial_events = _optional_bool(query, "sendInitialEvents")
    _invalid_options("ListOptions", _list_option_causes(options))
    parse_resource_version(options.resource_version)
    return options


def _list_option_causes(options: ListOptions) -> list[Cause]:
    causes: list[Cause] = []
    match = options.resource_version_match
    if options.watch:
        if options.send_initial_events is not None and match != "NotOlderThan":
            causes.append(field.forbidden("resourceVersionMatch", m.SEND_INITIAL_EVENTS_REQUIRES_MATCH))
        if match:
            if options.send_initial_events is None:
                causes.append(field.forbidden("resourceVersionMatch", m.MATCH_FORBIDDEN_FOR_WATCH))
            if match != "NotOlderThan":
                causes.append(field.not_supported("resourceVersionMatch", match, ["NotOlderThan"]))
        return causes
    if match:
        if not options.resource_version:
            causes.append(field.forbidden("resourceVersionMatch", m.MATCH_FORBIDDEN_WITHOUT_VERSION))
        if options.continue_token:
            causes.append(field.forbidden("resourceVersionMatch", m.MATCH_FORBIDDEN_WITH_CONTINUE))
        if match not in ("Exact", "NotOlderThan"):
            causes.append(field.not_supported("resourceVersionMatch", match, ["Exact", "NotOlderThan", ""]))
        if match == "Exact" and options.resource_version == "0":
            causes.append(field.forbidden("resourceVersionMatch", m.MATCH_EXACT_FORBIDDEN_FOR_ZERO))
    if options.send_initial_events is not None:
        causes.append(field.forbidden("sendInitialEvents", m.SEND_INITIAL_EVENTS_FORBIDDEN_FOR_LIST))
    return causes


def get_options(query: Query) -> str:
    """GetOptions: the resourceVersion asked for (parsed, so a malformed one is refused)."""
    version = _first(query, "resourceVersion") or ""
    parse_resource_version(version)
    return version


@dataclass
class WriteOptions:
    """CreateOptions, UpdateOptions and PatchOptions (force only for patches)."""

    dry_run: list[str] = dataclass_field(default_factory=list)
    field_manager: str = ""
    field_validation: str = ""
    force: bool | None = None

    @property
    def is_dry_run(self) -> bool:
        return bool(self.dry_run)


def write_options(query: Query, kind: str, apply_patch: bool = False) -> WriteOptions:
    """Decode and validate the options of a create ("CreateOptions"), update or patch."""
    options = WriteOptions(
        dry_run=list(query.getall("dryRun", [])),
        field_manager=_first(query, "fieldManager") or "",
        field_validation=_first(query, "fieldValidation") or "",
    )
    causes: list[Cause] = []
    if kind == "PatchOptions":
        options.force = _optional_bool(query, "force")
        if not apply_patch and options.force is not None:
            causes.append(field.forbidden("force", m.FORCE_FOR_NON_APPLY))
    causes += _field_manager_causes(options.field_manager)
    causes += _dry_run_causes(options.dry_run)
    causes += _field_validation_causes(options.field_validation)
    _invalid_options(kind, causes)
    return options


@dataclass
class DeleteOptions:
    grace_period_seconds: int | None = None
    preconditions: dict[str, Any] = dataclass_field(default_factory=dict)
    orphan_dependents: bool | None = None
    propagation_policy: str | None = None
    dry_run: list[str] = dataclass_field(default_factory=list)

    @property
    def is_dry_run(self) -> bool:
        return bool(self.dry_run)

    @property
    def propagation(self) -> str:
        if self.propagation_policy:
            return self.propagation_policy
        if self.orphan_dependents:
            return "Orphan"
        return "Background"


def delete_options(query: Query, body: Mapping[str, Any] | None) -> DeleteOptions:
    """DeleteOptions from the body when there is one, else from the query (handlers/delete.go), then
    ValidateDeleteOptions. A body's fields have been type-checked by the decoder."""
    if body:
        preconditions = body.get("preconditions")
        options = DeleteOptions(
            grace_period_seconds=body.get("gracePeriodSeconds"),
            preconditions=preconditions if isinstance(preconditions, dict) else {},
            orphan_dependents=body.get("orphanDependents"),
            propagation_policy=body.get("propagationPolicy"),
            dry_run=list(body.get("dryRun") or []),
        )
    else:
        options = DeleteOptions(grace_period_seconds=_optional_int(query, "gracePeriodSeconds"))
        options.orphan_dependents = _optional_bool(query, "orphanDependents")
        options.propagation_policy = _first(query, "propagationPolicy")
        options.dry_run = list(query.getall("dryRun", []))
    causes: list[Cause] = []
    if options.orphan_dependents is not None and options.propagation_policy is not None:
        causes.append(field.invalid("propagationPolicy", options.propagation_policy, m.ORPHAN_AND_PROPAGATION))
    if options.propagation_policy is not None and options.propagation_policy not in PROPAGATION_POLICIES[:3]:
        causes.append(field.not_supported("propagationPolicy", options.propagation_policy, PROPAGATION_POLICIES))
    causes += _dry_run_causes(options.dry_run)
    _invalid_options("DeleteOptions", causes)
    return options
