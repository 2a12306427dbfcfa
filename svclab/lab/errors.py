"""Errors a lesson shows as one readable line (no traceback wall): the API's own message."""

from __future__ import annotations

import json
from typing import Any


class LabError(Exception):
    """Shown in Jupyter as its message alone."""

    def _render_traceback_(self) -> list[str]:  # IPython hook: replaces the traceback
        return [f"{type(self).__name__}: {self}"]


class ApplyError(LabError):
    """The API server refused a manifest; `status` holds its Status object."""

    def __init__(self, message: str, status: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status = status or {}

    @classmethod
    def from_api_exception(cls, exc: Any) -> "ApplyError":
        try:
            status = json.loads(exc.body)
            return cls(str(status.get("message", exc.reason)), status)
        except (TypeError, ValueError):
            return cls(f"{exc.status} {exc.reason}")


class ManifestError(LabError):
    """The manifest could not be read (bad YAML, not a Kubernetes object)."""


class WaitTimeout(LabError):
    """Pods did not become ready in time."""
