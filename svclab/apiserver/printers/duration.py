"""Ages as kubectl shows them: k8s.io/apimachinery/pkg/util/duration plus the printers' timestamp helpers."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

_US_PER_SECOND = 1_000_000
_US_PER_MINUTE = 60 * _US_PER_SECOND
_US_PER_HOUR = 60 * _US_PER_MINUTE


def _trunc_div(a: int, b: int) -> int:
    """Integer division truncating toward zero, like Go's int conversion and `/`."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def _micros(d: timedelta) -> int:
    return (d.days * 86400 + d.seconds) * _US_PER_SECOND + d.microseconds


def short_human_duration(d: timedelta) -> str:
    """duration.ShortHumanDuration."""
    us = _micros(d)
    seconds = _trunc_div(us, _US_PER_SECOND)
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    if seconds < 60:
        return f"{seconds}s"
    minutes = _trunc_div(us, _US_PER_MINUTE)
    if minutes < 60:
        return f"{minutes}m"
    hours = _trunc_div(us, _US_PER_HOUR)
    if hours < 24:
        return f"{hours}h"
    if hours < 24 * 365:
        return f"{hours // 24}d"
    return f"{hours // 24 // 365}y"


def human_duration(d: timedelta) -> str:
    """duration.HumanDuration: ~2-3 significant figures, e.g. `4s`, `2m3s`, `5h2m`, `3d4h`."""
    us = _micros(d)
    seconds = _trunc_div(us, _US_PER_SECOND)
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    if seconds < 60 * 2:
        return f"{seconds}s"
    minutes = us // _US_PER_MINUTE
    if minutes < 10:
        s = (us // _US_PER_SECOND) % 60
        return f"{minutes}m" if s == 0 else f"{minutes}m{s}s"
    if minutes < 60 * 3:
        return f"{minutes}m"
    hours = us // _US_PER_HOUR
    if hours < 8:
        m = (us // _US_PER_MINUTE) % 60
        return f"{hours}h" if m == 0 else f"{hours}h{m}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        h = hours % 24
        return f"{hours // 24}d" if h == 0 else f"{hours // 24}d{h}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        dy = (hours // 24) % 365
        return f"{hours // 24 // 365}y" if dy == 0 else f"{hours // 24 // 365}y{dy}d"
    return f"{hours // 24 // 365}y"


def parse_time(value: Any) -> datetime | None:
    """A metav1.Time / MicroTime wire value as an aware datetime; None for the zero time."""
    if not value or not isinstance(value, str):
        return None
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    if parsed.year <= 1:
        return None
    return parsed


def aware(now: datetime) -> datetime:
    """`now` with a timezone (naive values are taken as UTC)."""
    return now if now.tzinfo is not None else now.replace(tzinfo=timezone.utc)


def translate_timestamp_since(value: Any, now: datetime) -> str:
    """translateTimestampSince / translateMicroTimestampSince: `<unknown>` for the zero time."""
    when = value if isinstance(value, datetime) else parse_time(value)
    if when is None:
        return "<unknown>"
    return human_duration(aware(now) - aware(when))
