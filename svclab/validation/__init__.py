"""Defaulting, validation and API errors with texts copied from Kubernetes v1.35."""

from svclab.validation.defaults import apply_defaults
from svclab.validation.errors import ApiError, Cause
from svclab.validation.validate import validate_create, validate_update

__all__ = ["ApiError", "Cause", "apply_defaults", "validate_create", "validate_update"]
