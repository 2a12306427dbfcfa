"""How API requests and controller workers share the cluster's one event loop.

`settle_middleware` -- the request gate of seeded, zero-delay clusters (lessons under nbval,
grading, tests).

Controllers work off the request path, so what a client sees right after a write depends on how
far they got: on a real cluster the same `kubectl get` can show a Pod Pending or Running. Lessons
whose outputs are checked exactly, and grades that must repeat, need one answer. In this mode
every API request first waits until the controllers have no work ready, and a write also waits
after it is stored, before it is answered: a client always sees a cluster whose controllers have
caught up with everything it did, and IPs, names and counts do not depend on timing. The wait is
bounded (`timeout`), so a cluster with endless work (a Deployment of 100,000 replicas) still
answers, only later. Clusters started by `svclab up` for a learner do not gate: writes return as
soon as they are stored, as on a real cluster.

`priority_middleware` -- on those learners' clusters a request in progress goes first: while one
is being served, the workers wait (up to a short bound, so they still progress under a stream of
requests). On a real cluster the API server does not share a CPU with the controller manager;
here it does, and this keeps `kubectl get` quick while a Deployment of 20,000 replicas is made.
Long-running requests (watches, exec, attach, port-forward) do not count.
"""

from __future__ import annotations

from typing import Awaitable, Callable

from svclab.controllers.manager import ControllerManager
from svclab.wire.server import AnyResponse, Request

Handler = Callable[[Request], Awaitable[AnyResponse]]
MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def settle_middleware(manager: ControllerManager, timeout: float) -> Callable[[Request, Handler], Awaitable[AnyResponse]]:
    async def settle(request: Request, handler: Handler) -> AnyResponse:
        await manager.wait_settled(timeout)
        response = await handler(request)
        if request.method in MUTATING:
            await manager.wait_settled(timeout)
        return response

    return settle


def _long_running(request: Request) -> bool:
    """The apiserver's long-running requests: watches and streaming subresources."""
    if request.query.get("watch") in ("true", "1"):
        return True
    last = request.path.rstrip("/").rsplit("/", 1)[-1]
    return last in ("exec", "attach", "portforward", "proxy", "log")


def priority_middleware(manager: ControllerManager) -> Callable[[Request, Handler], Awaitable[AnyResponse]]:
    async def priority(request: Request, handler: Handler) -> AnyResponse:
        if _long_running(request):
            return await handler(request)
        manager.request_started()
        try:
            return await handler(request)
        finally:
            manager.request_finished()

    return priority
