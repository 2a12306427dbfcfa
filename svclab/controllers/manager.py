"""The controller manager: informers feed one work queue per controller, and one worker per
controller syncs a key at a time, off the request path (kube-controller-manager's shape).

- A sync that raises is logged and its key requeued with the queue's rate limiter (per-item
  exponential backoff), exactly as `processNextWorkItem` does; a sync that succeeds `forget`s
  the key's backoff. Nothing a controller does can fail an API request or start-up.
- The workers share the event loop with the API server. They take turns holding one CPU token:
  a worker holds it while it syncs and hands it on between keys and at checkpoints inside long
  syncs, so the loop gets back to the sockets after each short slice and the API answers while
  thousands of pods are made. A slice ends after a count of work units when the cluster must
  repeat itself exactly (then the order of work is the same on every machine), or after
  `slice_seconds` of work otherwise (a learner's cluster: shorter waits for the API).
- `settled()` / `wait_settled()` say when no queue has a key ready or in progress (keys waiting
  for a later time do not count): tests, `advance()` and the seeded zero-delay request gate use
  it to see a cluster whose controllers have caught up.
"""

from __future__ import annotations

import asyncio
import logging
import time

from svclab.controllers.base import Context, Controller

log = logging.getLogger("svclab.controllers")
log.addHandler(logging.NullHandler())  # a library: the daemon's log file gets these, a notebook's stderr does not

# Units of work (see Context.checkpoint) a worker may do before it hands the loop back.
SLICE_UNITS = 8
# On a learner's cluster, the pause after each slice, as a share of the slice (2 ms work, 2 ms rest).
PAUSE_PER_SLICE = 1.0
# How long a worker waits for API requests in progress to finish before it takes a slice anyway.
API_PRIORITY_SECONDS = 0.05


class ControllerManager:
    def __init__(self, ctx: Context, controllers: list[Controller], slice_seconds: float | None = None) -> None:
        self.ctx = ctx
        self.controllers = controllers
        self.slice_seconds = slice_seconds
        self._slice_start = 0.0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._cpu: asyncio.Lock | None = None
        self._idle: asyncio.Event | None = None
        self._units = 0
        self._started = False
        self._requests = 0
        self._api_quiet: asyncio.Event | None = None
        ctx.queue_changed = self._queue_changed
        ctx.checkpoint = self.checkpoint

    # ---- lifecycle ---------------------------------------------------------------------------
    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """Register every controller's handlers, list and index what is stored (a full resync:
        each controller queues every key it owns) and start the workers. Nothing syncs here."""
        if self._started:
            return
        self._started = True
        self._loop = loop
        self.ctx.loop = loop
        self._cpu = asyncio.Lock()
        self._idle = asyncio.Event()
        self._api_quiet = asyncio.Event()
        self._api_quiet.set()
        for controller in self.controllers:
            controller.register()
        self.ctx.informers.start()
        self.ctx.timers.attach(loop)
        self._queue_changed()
        self._tasks = [loop.create_task(self._work(c), name=f"controller-{c.name}") for c in self.controllers]

    def stop(self) -> None:
        for controller in self.controllers:
            controller.queue.shut_down()
        for task in self._tasks:
            task.cancel()
        self._tasks = []
        self.ctx.timers.stop()

    # ---- the workers -------------------------------------------------------------------------
    async def _work(self, controller: Controller) -> None:
        assert self._cpu is not None
        while True:
            key = await controller.queue.get()
            await self._yield_to_api()
            await self._cpu.acquire()
            self._units = 0
            self._slice_start = time.perf_counter()
            try:
                await controller.sync(key)
                controller.queue.forget(key)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # utilruntime.HandleError, then AddRateLimited
                log.warning("%s: sync %s failed (retry %d): %s", controller.name, "/".join(k for k in key if k), controller.queue.num_requeues(key) + 1, exc, exc_info=not _expected(exc))
                controller.queue.add_rate_limited(key)
            finally:
                self._cpu.release()
                controller.queue.done(key)
            await self._breathe()

    async def checkpoint(self, weight: int = 1) -> None:
        """Called inside long syncs: at the end of a slice, let the loop run once."""
        if self._cpu is None:
            return
        self._units += weight
        if self.slice_seconds is None:
            if self._units < SLICE_UNITS:
                return
        elif time.perf_counter() - self._slice_start < self.slice_seconds:
            return
        self._units = 0
        self._cpu.release()
        try:
            await self._breathe()
            await self._yield_to_api()
        finally:
            await self._cpu.acquire()
            self._slice_start = time.perf_counter()

    async def _breathe(self) -> None:
        """Between slices: one turn of the loop; on a learner's cluster also a short pause, so the
        controllers leave a share of the CPU to the API server and to the learner's own tools."""
        await asyncio.sleep(self.slice_seconds * PAUSE_PER_SLICE if self.slice_seconds else 0)

    # ---- API requests first (learners' clusters) -------------------------------------------------
    def request_started(self) -> None:
        self._requests += 1
        if self._api_quiet is not None:
            self._api_quiet.clear()

    def request_finished(self) -> None:
        self._requests = max(0, self._requests - 1)
        if self._requests == 0 and self._api_quiet is not None:
            self._api_quiet.set()

    async def _yield_to_api(self) -> None:
        if self._requests and self._api_quiet is not None:
            try:
                await asyncio.wait_for(self._api_quiet.wait(), API_PRIORITY_SECONDS)
            except asyncio.TimeoutError:
                pass

    # ---- settling ----------------------------------------------------------------------------
    def settled(self) -> bool:
        return not any(c.queue.busy for c in self.controllers)

    def _queue_changed(self) -> None:
        if self._idle is None:
            return
        if self.settled():
            self._idle.set()
        else:
            self._idle.clear()

    async def wait_settled(self, timeout: float) -> bool:
        """Wait (at most `timeout` seconds) until no controller has work ready; True if none has."""
        if self._idle is None:
            return True
        try:
            await asyncio.wait_for(self._wait_idle(), timeout)
        except asyncio.TimeoutError:
            return False
        return True

    async def _wait_idle(self) -> None:
        assert self._idle is not None
        while not self.settled():
            await self._idle.wait()

    def fire_due(self) -> None:
        """Run the delayed requeues whose time has come (after the clock moved)."""
        self.ctx.timers.fire_due()

    def reconcile(self) -> None:
        """Something outside the store changed (an asynchronous probe finished, a container exited):
        controllers that watch such things look again. Returns at once; workers do the work.
        Safe to call from another thread (the pod runtime's workers): it hops onto the loop."""
        if self._loop is not None and not _on_loop(self._loop):
            self._loop.call_soon_threadsafe(self.reconcile)
            return
        for controller in self.controllers:
            controller.poke()
        self.fire_due()


def _on_loop(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


def _expected(exc: Exception) -> bool:
    from svclab.validation.errors import ApiError

    return isinstance(exc, ApiError)
