"""Callbacks at cluster-clock times: what delayed requeues (AddAfter) and rate-limited retries wait on.

On the real clock a single loop timer is armed for the earliest due time. On a manual clock nothing
fires until `fire_due` is called (EmbeddedCluster.advance does), so tests step time exactly.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from typing import Callable

from svclab.state.clock import Clock


class Timers:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._order = itertools.count()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._handle: asyncio.TimerHandle | None = None
        self._armed_for: float | None = None

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._arm()

    def at(self, due: float, callback: Callable[[], None]) -> None:
        """Run `callback` once the cluster clock reaches `due`."""
        heapq.heappush(self._heap, (due, next(self._order), callback))
        if self._armed_for is None or due < self._armed_for:
            self._arm()

    def next_due(self) -> float | None:
        return self._heap[0][0] if self._heap else None

    def fire_due(self) -> int:
        """Run every callback whose time has come; returns how many ran."""
        now = self.clock.time()
        fired = 0
        while self._heap and self._heap[0][0] <= now:
            _, _, callback = heapq.heappop(self._heap)
            callback()
            fired += 1
        self._arm()
        return fired

    def _arm(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        self._armed_for = None
        if not self._heap or self._loop is None or self.clock.manual or self._loop.is_closed():
            return
        due = self._heap[0][0]
        self._armed_for = due
        self._handle = self._loop.call_later(max(0.0, due - self.clock.time()), self._on_timer)

    def _on_timer(self) -> None:
        self._handle = None
        self._armed_for = None
        self.fire_due()

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        self._loop = None
