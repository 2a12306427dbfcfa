"""The controller manager: level-triggered reconciliation to a fixpoint after every write, and at the
wake-up times controllers ask for (pod start delays, probe periods, graceful stops)."""

from __future__ import annotations

import asyncio
from typing import Protocol

from svclab.controllers.base import Context


class Controller(Protocol):
    def sync(self) -> None: ...


MAX_PASSES = 200


class ControllerManager:
    def __init__(self, ctx: Context, controllers: list[Controller]) -> None:
        self.ctx = ctx
        self.controllers = controllers
        self._running = False
        self._timer: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def reconcile(self) -> None:
        """Run every controller until nothing changes."""
        if self._running:
            return
        self._running = True
        try:
            self.ctx.wakeups.clear()
            for _ in range(MAX_PASSES):
                before = self.ctx.store.resource_version
                for controller in self.controllers:
                    controller.sync()
                if self.ctx.store.resource_version == before:
                    break
                self.ctx.wakeups.clear()
        finally:
            self._running = False
        self._schedule_wakeup()

    def _schedule_wakeup(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        future = [t for t in self.ctx.wakeups if t > self.ctx.clock.time()]
        if self.ctx.wakeups and not future:
            future = [self.ctx.clock.time()]
        if not future or self._loop is None or self.ctx.clock.manual:
            return
        delay = max(0.0, min(future) - self.ctx.clock.time()) + 0.001
        self._timer = self._loop.call_later(delay, self.reconcile)

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
