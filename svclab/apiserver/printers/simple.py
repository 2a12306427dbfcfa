"""printNamespace, printConfigMap and printServiceAccount: name, one count or status, age."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from . import columns as c
from .base import Printer, Row, meta, name_of
from .duration import translate_timestamp_since


def _age(obj: dict[str, Any], now: datetime) -> str:
    return translate_timestamp_since(meta(obj).get("creationTimestamp"), now)


def print_namespace(ns: dict[str, Any], now: datetime) -> Row:
    return Row([name_of(ns), str((ns.get("status") or {}).get("phase") or ""), _age(ns, now)])


def print_config_map(cm: dict[str, Any], now: datetime) -> Row:
    count = len(cm.get("data") or {}) + len(cm.get("binaryData") or {})
    return Row([name_of(cm), count, _age(cm, now)])


def print_service_account(sa: dict[str, Any], now: datetime) -> Row:
    return Row([name_of(sa), len(sa.get("secrets") or []), _age(sa, now)])


NAMESPACE = Printer(
    (c.name_col(), c.col("Status", "string", "The status of the namespace"), c.age_col()), print_namespace
)
CONFIG_MAP = Printer((c.name_col(), c.col("Data", "string", c.CONFIG_MAP_DATA), c.age_col()), print_config_map)
SERVICE_ACCOUNT = Printer(
    (c.name_col(), c.col("Secrets", "string", c.SERVICE_ACCOUNT_SECRETS), c.age_col()), print_service_account
)
