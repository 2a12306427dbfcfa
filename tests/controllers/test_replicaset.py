"""The ReplicaSet controller's shape: slow-start batches that stop at the first failure, at most
burstReplicas (500) creations per sync, expectations, and failures on the ReplicaSet itself."""

from __future__ import annotations

import asyncio
from typing import Any

from svclab.controllers.replicaset import BURST_REPLICAS, slow_start_batch
from svclab.resources import PODS, REPLICASETS
from svclab.state.store import WatchEvent
from svclab.validation import errors
from tests.controllers.conftest import Running


def test_slow_start_doubles_the_batch_and_stops_after_the_first_failing_batch() -> None:
    calls: list[int] = []

    async def create() -> None:
        calls.append(len(calls))
        if len(calls) > 5:
            raise RuntimeError("quota")

    async def nothing(weight: int = 1) -> None:
        return None

    successes, error = asyncio.run(slow_start_batch(100, 1, create, nothing))
    assert (successes, str(error), len(calls)) == (5, "quota", 7)  # batches 1, 2, 4: the third has two failures
    calls.clear()
    assert asyncio.run(slow_start_batch(10, 1, lambda: asyncio.sleep(0), nothing)) == (10, None)


def exceeded_quota(name: str) -> errors.ApiError:
    return errors.forbidden(PODS, name, "exceeded quota: pods, requested: pods=1, used: pods=5, limited: pods=5")


def test_a_quota_that_refuses_pods_is_an_event_and_a_condition_on_the_replicaset(start) -> None:
    run = start(manual_clock=True)  # backoff waits for the clock: retries come only from events
    registry = run.cluster.registry
    real_create = registry.create
    controller = next(c for c in run.cluster.manager.controllers if c.name == "replicaset")
    real_sync = controller.sync
    syncs: list[int] = []
    attempts: list[tuple[int, str]] = []

    async def counted_sync(key: Any) -> None:
        syncs.append(len(syncs))
        await real_sync(key)

    def quota(res: Any, namespace: str, obj: dict, **kwargs: Any) -> dict:
        if res is PODS and namespace == "default":
            attempts.append((len(syncs), obj["metadata"]["name"]))
            if len(attempts) > 5:
                raise exceeded_quota(obj["metadata"]["name"])
        return real_create(res, namespace, obj, **kwargs)

    controller.sync = counted_sync  # type: ignore[method-assign]
    registry.create = quota  # type: ignore[method-assign]
    run.k("create", "deployment", "web", "--image=nginx:1.27", "--replicas=20")
    per_sync = [sum(1 for n, _ in attempts if n == i) for i in range(1, len(syncs) + 1)]
    assert per_sync[0] == 7, per_sync  # batches of 1, 2 and 4: the third has the first failures
    assert set(per_sync[1:]) <= {0, 1}, per_sync  # each later sync: one batch of one, refused
    rs = run.get("replicasets", "-l", "app=web")["items"][0]
    failure = next(c for c in rs["status"]["conditions"] if c["type"] == "ReplicaFailure")
    assert (failure["status"], failure["reason"]) == ("True", "FailedCreate")
    assert failure["message"].startswith('pods "web-') and failure["message"].endswith('" is forbidden: exceeded quota: pods, requested: pods=1, used: pods=5, limited: pods=5')
    created = run.messages("ReplicaSet", rs["metadata"]["name"], "FailedCreate")
    assert created and all(m.startswith('Error creating: pods "web-') for m in created)
    assert rs["status"]["replicas"] == 5
    assert run.k("create", "configmap", "unrelated").returncode == 0

    registry.create = real_create  # type: ignore[method-assign]
    run.cluster.advance(1000)  # the retry after the (capped) backoff succeeds
    rs = run.get("replicaset", rs["metadata"]["name"])
    assert rs["status"]["readyReplicas"] == 20
    assert not any(c["type"] == "ReplicaFailure" for c in rs["status"].get("conditions") or [])


def test_at_most_burst_replicas_creations_per_sync(start) -> None:
    run = start()
    trail: list[str] = []

    def watch(event: WatchEvent) -> None:
        if event.resource_key == PODS.key and event.type == "ADDED" and event.obj["metadata"].get("namespace") == "default":
            trail.append("pod")
        elif event.resource_key == REPLICASETS.key and event.type == "MODIFIED":
            trail.append("rs")

    run.cluster.call(lambda: run.cluster.store.subscribe(watch))
    run.k("create", "deployment", "web", "--image=nginx:1.27", "--replicas=1200")
    assert run.cluster.settle(120)
    runs = [len(chunk) for chunk in "".join("p" if t == "pod" else "|" for t in trail).split("|") if chunk]
    assert sum(runs) == 1200
    assert runs[0] == BURST_REPLICAS and max(runs) == BURST_REPLICAS, runs
