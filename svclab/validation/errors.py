"""API errors as the real apiserver serializes them: a metav1.Status per failure.

Mirrors staging/src/k8s.io/apimachinery/pkg/api/errors/errors.go (NewNotFound,
NewAlreadyExists, NewInvalid, NewConflict, ...) and the Status JSON field order
of staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/types.go.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from svclab.resources import Resource
from svclab.validation import messages as m


@dataclass(frozen=True)
class Cause:
    """One field.Error: ``type`` is the StatusCause reason, ``message`` is ErrorBody()."""

    type: str
    message: str
    field: str

    def error(self) -> str:
        """field.Error.Error(): ``<field>: <body>``."""
        return f"{self.field}: {self.message}"

    def to_status_cause(self) -> dict[str, str]:
        out: dict[str, str] = {}
        if self.type:
            out["reason"] = self.type
        if self.message:
            out["message"] = self.message
        if self.field:
            out["field"] = self.field
        return out


def qualified_resource(resource: Resource) -> str:
    """schema.GroupResource.String(): ``services`` or ``deployments.apps``."""
    return f"{resource.plural}.{resource.group}" if resource.group else resource.plural


def qualified_kind(resource: Resource) -> str:
    """schema.GroupKind.String(): ``Service`` or ``Deployment.apps``."""
    return f"{resource.kind}.{resource.group}" if resource.group else resource.kind


def aggregate_message(causes: list[Cause]) -> str:
    """field.ErrorList.ToAggregate().Error(): one message, or ``[a, b]``, duplicates dropped."""
    seen: list[str] = []
    for cause in causes:
        text = cause.error()
        if text not in seen:
            seen.append(text)
    if len(seen) == 1:
        return seen[0]
    return "[" + ", ".join(seen) + "]"


def _details(
    name: str = "",
    group: str = "",
    kind: str = "",
    causes: list[dict[str, str]] | None = None,
    retry_after: int = 0,
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if name:
        out["name"] = name
    if group:
        out["group"] = group
    if kind:
        out["kind"] = kind
    if causes:
        out["causes"] = causes
    if retry_after:
        out["retryAfterSeconds"] = retry_after
    return out


def status_dict(code: int, reason: str, message: str, details: dict[str, Any] | None) -> dict[str, Any]:
    """A failure metav1.Status in the apiserver's JSON key order (details omitted when nil)."""
    status: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
    }
    if message:
        status["message"] = message
    if reason:
        status["reason"] = reason
    if details is not None:
        status["details"] = details
    status["code"] = code
    return status


class ApiError(Exception):
    """An error response: ``status`` is the full metav1.Status dict, ``code`` its HTTP status."""

    def __init__(self, status: dict[str, Any]) -> None:
        super().__init__(status.get("message", ""))
        self.status = status

    @property
    def code(self) -> int:
        return int(self.status["code"])

    @property
    def reason(self) -> str:
        return str(self.status.get("reason", ""))

    @property
    def message(self) -> str:
        return str(self.status.get("message", ""))


def not_found(resource: Resource, name: str) -> ApiError:
    """errors.NewNotFound: ``services "x" not found``."""
    message = m.NOT_FOUND.format(resource=qualified_resource(resource), name=name)
    details = _details(name=name, group=resource.group, kind=resource.plural)
    return ApiError(status_dict(404, m.REASON_NOT_FOUND, message, details))


def namespace_not_found(namespace: str) -> ApiError:
    """The namespace lifecycle admission's NewNotFound(v1.Resource("namespaces"), ns)."""
    message = m.NOT_FOUND.format(resource="namespaces", name=namespace)
    return ApiError(status_dict(404, m.REASON_NOT_FOUND, message, _details(name=namespace, kind="namespaces")))


def already_exists(resource: Resource, name: str) -> ApiError:
    """errors.NewAlreadyExists: ``services "x" already exists`` (409)."""
    message = m.ALREADY_EXISTS.format(resource=qualified_resource(resource), name=name)
    details = _details(name=name, group=resource.group, kind=resource.plural)
    return ApiError(status_dict(409, m.REASON_ALREADY_EXISTS, message, details))


def invalid(resource: Resource, name: str, causes: list[Cause]) -> ApiError:
    """errors.NewInvalid: ``Service "x" is invalid: <cause>`` or ``...: [a, b]`` (422)."""
    kind = qualified_kind(resource)
    if causes:
        message = m.INVALID.format(kind=kind, name=name, errors=aggregate_message(causes))
    else:
        message = m.INVALID_NO_CAUSES.format(kind=kind, name=name)
    details = _details(
        name=name,
        group=resource.group,
        kind=resource.kind,
        causes=[cause.to_status_cause() for cause in causes],
    )
    return ApiError(status_dict(422, m.REASON_INVALID, message, details))


def invalid_options(kind: str, causes: list[Cause]) -> ApiError:
    """errors.NewInvalid(schema.GroupKind{Group: "meta.k8s.io", Kind: kind}, "", errs): a request's
    options (``CreateOptions.meta.k8s.io "" is invalid: dryRun: ...``)."""
    return invalid_kind(m.OPTIONS_GROUP, kind, "", causes)


def invalid_kind(group: str, kind: str, name: str, causes: list[Cause]) -> ApiError:
    """errors.NewInvalid for a GroupKind that is not a served resource (options, Scale)."""
    qualified = f"{kind}.{group}" if group else kind
    message = m.INVALID.format(kind=qualified, name=name, errors=aggregate_message(causes)) if causes else m.INVALID_NO_CAUSES.format(kind=qualified, name=name)
    details = _details(name=name, group=group, kind=kind, causes=[cause.to_status_cause() for cause in causes])
    return ApiError(status_dict(422, m.REASON_INVALID, message, details))


def generate_name_conflict(resource: Resource, name: str) -> ApiError:
    """errors.NewGenerateNameConflict: 409 AlreadyExists after the name generation retries."""
    message = m.GENERATE_NAME_CONFLICT.format(resource=qualified_resource(resource), name=name)
    details = _details(name=name, group=resource.group, kind=resource.plural, retry_after=1)
    return ApiError(status_dict(409, m.REASON_ALREADY_EXISTS, message, details))


def conflict(resource: Resource, name: str, message: str = m.OBJECT_MODIFIED) -> ApiError:
    """errors.NewConflict: ``Operation cannot be fulfilled on services "x": <message>``."""
    text = m.CONFLICT.format(resource=qualified_resource(resource), name=name, message=message)
    details = _details(name=name, group=resource.group, kind=resource.plural)
    return ApiError(status_dict(409, m.REASON_CONFLICT, text, details))


def bad_request(message: str) -> ApiError:
    """errors.NewBadRequest (400, no details)."""
    return ApiError(status_dict(400, m.REASON_BAD_REQUEST, message, None))


def method_not_allowed() -> ApiError:
    """What go-restful's 405 becomes via the apiserver's serviceErrorHandler."""
    return ApiError(status_dict(405, m.REASON_METHOD_NOT_ALLOWED, m.SERVER_METHOD_NOT_ALLOWED, {}))


def method_not_supported(resource: Resource, action: str) -> ApiError:
    """errors.NewMethodNotSupported: ``<action> is not supported on resources of kind "x"``."""
    text = m.METHOD_NOT_SUPPORTED.format(action=action, resource=qualified_resource(resource))
    details = _details(group=resource.group, kind=resource.plural)
    return ApiError(status_dict(405, m.REASON_METHOD_NOT_ALLOWED, text, details))


def resource_not_found() -> ApiError:
    """go-restful 404 inside an API group: ``the server could not find the requested resource``."""
    return ApiError(status_dict(404, m.REASON_NOT_FOUND, m.SERVER_COULD_NOT_FIND, {}))


def unauthorized(message: str = m.UNAUTHORIZED) -> ApiError:
    """errors.NewUnauthorized("Unauthorized") as written by the authentication filter."""
    return ApiError(status_dict(401, m.REASON_UNAUTHORIZED, message or "not authorized", None))


def forbidden(resource: Resource | None, name: str, reason: str) -> ApiError:
    """errors.NewForbidden: ``pods "x" is forbidden: <reason>``."""
    if resource is None:
        text = m.FORBIDDEN_NO_RESOURCE.format(reason=reason)
        details = _details()
    else:
        qualified = qualified_resource(resource)
        if name:
            text = m.FORBIDDEN_NAMED.format(resource=qualified, name=name, reason=reason)
        else:
            text = m.FORBIDDEN_UNNAMED.format(resource=qualified, reason=reason)
        details = _details(name=name, group=resource.group, kind=resource.plural)
    return ApiError(status_dict(403, m.REASON_FORBIDDEN, text, details))


def namespace_terminating(resource: Resource, name: str, namespace: str) -> ApiError:
    """Creating in a Terminating namespace (namespace lifecycle admission)."""
    err = forbidden(resource, name, m.NAMESPACE_TERMINATING.format(namespace=namespace))
    err.status["details"]["causes"] = [
        {
            "reason": m.NAMESPACE_TERMINATING_CAUSE_TYPE,
            "message": m.NAMESPACE_TERMINATING_CAUSE.format(namespace=namespace),
            "field": "metadata.namespace",
        }
    ]
    return err


def gone(message: str) -> ApiError:
    """errors.NewResourceExpired (410 Expired), e.g. a watch from a too-old resourceVersion."""
    return ApiError(status_dict(410, m.REASON_EXPIRED, message, None))


def too_old_resource_version(requested: int, oldest: int) -> ApiError:
    """The watch cache's ``too old resource version: %d (%d)``."""
    return gone(m.TOO_OLD_RESOURCE_VERSION.format(requested=requested, oldest=oldest))


def too_large(limit: int = m.MAX_REQUEST_BODY_BYTES) -> ApiError:
    """errors.NewRequestEntityTooLargeError("limit is N") (413)."""
    text = m.TOO_LARGE.format(message=m.LIMIT_IS.format(limit=limit))
    return ApiError(status_dict(413, m.REASON_TOO_LARGE, text, None))


def unsupported_media_type(message: str = m.UNSUPPORTED_PATCH_TYPE) -> ApiError:
    """negotiation.errUnsupportedMediaType.Status(): 415 for unknown patch content types."""
    return ApiError(status_dict(415, m.REASON_UNSUPPORTED_MEDIA_TYPE, message, None))


def internal_error(message: str) -> ApiError:
    """errors.NewInternalError: ``Internal error occurred: <err>`` (500)."""
    text = m.INTERNAL_ERROR.format(message=message)
    return ApiError(status_dict(500, m.REASON_INTERNAL_ERROR, text, {"causes": [{"message": message}]}))
