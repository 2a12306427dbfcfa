"""The error a PATCH (or a server-side apply) ends with when the apiserver refuses it: its HTTP code and
Status, apart from the patch algorithms (svclab.apiserver.patch), which load with the first PATCH."""

from __future__ import annotations

_REASONS = {400: "BadRequest", 404: "NotFound", 409: "Conflict", 413: "RequestEntityTooLarge",
            415: "UnsupportedMediaType", 422: "Invalid", 500: ""}


class PatchError(Exception):
    """A patch the apiserver refuses: HTTP code, Status message/reason, and the underlying cause."""

    def __init__(self, code: int, message: str, *, reason: str | None = None, cause: str = "",
                 causes: list[dict[str, str]] | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.reason = _REASONS.get(code, "") if reason is None else reason
        self.cause = cause or message  # library text (hidden by the real server for 422s)
        self.causes = causes or []  # Status.details.causes
