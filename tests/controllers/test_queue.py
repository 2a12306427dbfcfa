"""The work queue (client-go util/workqueue): deduplication, one worker per key, delayed and
rate-limited requeues on the cluster clock, per-item exponential backoff."""

from __future__ import annotations

import asyncio

from svclab.controllers.queue import BucketRateLimiter, ItemExponentialFailureRateLimiter, WorkQueue
from svclab.controllers.timers import Timers
from svclab.state.clock import Clock


def _queue() -> tuple[WorkQueue[str], Timers, Clock]:
    clock = Clock(manual=True, start=1000.0)
    timers = Timers(clock)
    return WorkQueue("test", timers), timers, clock


def test_a_key_waits_once_and_a_key_in_progress_is_not_handed_out_twice() -> None:
    async def scenario() -> None:
        queue, _, _ = _queue()
        queue.add("a")
        queue.add("b")
        queue.add("a")  # already waiting: deduplicated
        assert len(queue) == 2
        key = await queue.get()
        assert key == "a" and queue.busy
        queue.add("a")  # dirty while processing: not queued until done
        assert len(queue) == 1
        assert await queue.get() == "b"
        queue.done("b")
        queue.done("a")  # re-queued now
        assert len(queue) == 1 and await queue.get() == "a"
        queue.done("a")
        assert not queue.busy

    asyncio.run(scenario())


def test_add_after_waits_on_the_cluster_clock_and_the_earlier_delay_wins() -> None:
    queue, timers, clock = _queue()
    queue.add_after("a", 10)
    queue.add_after("a", 30)  # later: ignored
    queue.add_after("b", 5)
    assert len(queue) == 0 and not queue.busy and queue.waiting() == 2
    clock.advance(5)
    timers.fire_due()
    assert list(queue._queue) == ["b"]
    clock.advance(5)
    timers.fire_due()
    assert list(queue._queue) == ["b", "a"]
    assert queue.waiting() == 0


def test_item_backoff_doubles_from_5ms_to_1000s_and_forget_resets_it() -> None:
    limiter = ItemExponentialFailureRateLimiter[str]()
    delays = [limiter.when("x") for _ in range(20)]
    assert delays[:4] == [0.005, 0.01, 0.02, 0.04]
    assert delays[-1] == 1000.0 and max(delays) == 1000.0
    assert limiter.num_requeues("x") == 20 and limiter.when("y") == 0.005
    limiter.forget("x")
    assert limiter.when("x") == 0.005


def test_overall_bucket_allows_a_burst_of_100_then_10_per_second() -> None:
    now = [0.0]
    bucket = BucketRateLimiter[str](lambda: now[0])
    assert all(bucket.when(str(i)) == 0.0 for i in range(100))
    assert abs(bucket.when("next") - 0.1) < 1e-9
    now[0] += 10.0  # refilled
    assert bucket.when("later") == 0.0


def test_a_failed_key_comes_back_after_its_backoff() -> None:
    async def scenario() -> None:
        queue, timers, clock = _queue()
        queue.add("bad")
        key = await queue.get()
        queue.add_rate_limited(key)  # the sync failed
        queue.done(key)
        assert not queue.busy and queue.num_requeues("bad") == 1
        clock.advance(0.005)
        timers.fire_due()
        assert await queue.get() == "bad"
        queue.forget("bad")  # the sync succeeded
        queue.done("bad")
        assert queue.num_requeues("bad") == 0

    asyncio.run(scenario())
