"""Cluster time: real (lessons) or manual (tests step it without sleeping)."""

from __future__ import annotations

import time
from datetime import datetime, timezone


class Clock:
    def __init__(self, manual: bool = False, start: float | None = None) -> None:
        self.manual = manual
        self._offset = 0.0
        self._manual_now = start if start is not None else time.time()

    def time(self) -> float:
        return self._manual_now if self.manual else time.time() + self._offset

    def advance(self, seconds: float) -> None:
        if self.manual:
            self._manual_now += seconds
        else:
            self._offset += seconds

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), tz=timezone.utc)

    def rfc3339(self) -> str:
        return self.now().strftime("%Y-%m-%dT%H:%M:%SZ")

    def micro(self) -> str:
        return self.now().strftime("%Y-%m-%dT%H:%M:%S.%fZ")
