"""A rate-limited work queue of object keys, shaped like client-go's util/workqueue.

- `add` deduplicates: a key waiting in the queue is there once (the dirty set); a key being
  processed is not handed to a second worker, it is queued again when `done` (the processing set).
- `add_after` waits on the cluster clock first (DelayingInterface.AddAfter); of two pending delays
  for one key the earlier wins.
- `add_rate_limited` asks the rate limiter how long to wait: DefaultControllerRateLimiter is the
  worse of a per-item exponential backoff (5 ms doubling to 1000 s) and an overall token bucket
  (10 qps, burst 100). `forget` resets the item's backoff after a sync that succeeded.

Sources: staging/src/k8s.io/client-go/util/workqueue/{queue.go,delaying_queue.go,
rate_limiting_queue.go,default_rate_limiters.go}.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Callable, Generic, Hashable, TypeVar

from svclab.controllers.timers import Timers

K = TypeVar("K", bound=Hashable)


class ItemExponentialFailureRateLimiter(Generic[K]):
    """base * 2^failures per item, capped at `cap` seconds."""

    def __init__(self, base: float = 0.005, cap: float = 1000.0) -> None:
        self.base = base
        self.cap = cap
        self.failures: dict[K, int] = {}

    def when(self, item: K) -> float:
        exp = self.failures.get(item, 0)
        self.failures[item] = exp + 1
        if exp > 64:
            return self.cap
        return min(self.base * (2 ** exp), self.cap)

    def num_requeues(self, item: K) -> int:
        return self.failures.get(item, 0)

    def forget(self, item: K) -> None:
        self.failures.pop(item, None)


class BucketRateLimiter(Generic[K]):
    """An overall token bucket (golang.org/x/time/rate.Limiter.Reserve().Delay())."""

    def __init__(self, now: Callable[[], float], qps: float = 10.0, burst: int = 100) -> None:
        self.now = now
        self.qps = qps
        self.burst = burst
        self.tokens = float(burst)
        self.last = now()

    def when(self, item: K) -> float:
        now = self.now()
        self.tokens = min(float(self.burst), self.tokens + max(0.0, now - self.last) * self.qps)
        self.last = now
        self.tokens -= 1.0
        return 0.0 if self.tokens >= 0 else -self.tokens / self.qps

    def num_requeues(self, item: K) -> int:
        return 0

    def forget(self, item: K) -> None:
        pass


class DefaultControllerRateLimiter(Generic[K]):
    """workqueue.DefaultControllerRateLimiter: the max of per-item backoff and the overall bucket."""

    def __init__(self, now: Callable[[], float]) -> None:
        self.item = ItemExponentialFailureRateLimiter[K]()
        self.bucket = BucketRateLimiter[K](now)

    def when(self, item: K) -> float:
        return max(self.item.when(item), self.bucket.when(item))

    def num_requeues(self, item: K) -> int:
        return self.item.num_requeues(item)

    def forget(self, item: K) -> None:
        self.item.forget(item)


class WorkQueue(Generic[K]):
    def __init__(self, name: str, timers: Timers, on_change: Callable[[], None] = lambda: None) -> None:
        self.name = name
        self.timers = timers
        self.rate_limiter = DefaultControllerRateLimiter[K](timers.clock.time)
        self._on_change = on_change
        self._queue: deque[K] = deque()
        self._dirty: set[K] = set()
        self._processing: set[K] = set()
        self._waiting: dict[K, float] = {}
        self._getters: deque[asyncio.Future[None]] = deque()
        self._shut_down = False

    # ---- state -----------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._queue)

    @property
    def busy(self) -> bool:
        """Keys ready to be worked on, or being worked on now (delayed keys do not count)."""
        return bool(self._queue or self._processing)

    def waiting(self) -> int:
        return len(self._waiting)

    # ---- adding ----------------------------------------------------------------------------
    def add(self, key: K) -> None:
        if self._shut_down or key in self._dirty:
            return
        was_busy = self.busy
        self._dirty.add(key)
        if key in self._processing:
            return
        self._queue.append(key)
        self._wake_one()
        if not was_busy:
            self._on_change()

    def add_after(self, key: K, delay: float) -> None:
        if delay <= 0:
            self.add(key)
            return
        due = self.timers.clock.time() + delay
        current = self._waiting.get(key)
        if current is not None and current <= due:
            return
        self._waiting[key] = due

        def ready() -> None:
            if self._waiting.get(key) == due:
                del self._waiting[key]
                self.add(key)

        self.timers.at(due, ready)

    def add_rate_limited(self, key: K) -> None:
        self.add_after(key, self.rate_limiter.when(key))

    def forget(self, key: K) -> None:
        self.rate_limiter.forget(key)

    def num_requeues(self, key: K) -> int:
        return self.rate_limiter.num_requeues(key)

    # ---- working ---------------------------------------------------------------------------
    async def get(self) -> K:
        while not self._queue:
            if self._shut_down:
                raise asyncio.CancelledError
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._getters.append(waiter)
            try:
                await waiter
            finally:
                if waiter in self._getters:
                    self._getters.remove(waiter)
        key = self._queue.popleft()
        self._processing.add(key)
        self._dirty.discard(key)
        return key

    def done(self, key: K) -> None:
        self._processing.discard(key)
        if key in self._dirty:
            self._queue.append(key)
            self._wake_one()
        elif not self.busy:
            self._on_change()

    def shut_down(self) -> None:
        self._shut_down = True
        for waiter in self._getters:
            if not waiter.done():
                waiter.set_result(None)

    def _wake_one(self) -> None:
        while self._getters:
            waiter = self._getters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
