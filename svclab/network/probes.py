"""Readiness probes, run by the emulated kubelet against the pod's sandbox.

exec probes run the command in the pod, in a session of their own off the cluster's loop (so
`touch /tmp/ready` flips them, and a probe that loops forever costs its own thread, not the API):
the result arrives later, on the cluster's loop, and asks the kubelet to look again. A probe that
outlives ``timeoutSeconds`` is killed and fails, as the kubelet's exec probe does. httpGet probes
ask the pod's HTTP app, tcpSocket probes check the port is one the pod listens on; both finish at
once. Thresholds, periods and initial delays follow the probe spec.

When probes run (pkg/kubelet/prober/worker.go run and doProbe, prober_manager.go UpdatePodStatus):
the kubelet's worker probes on a ticker of `periodSeconds`, and the pod sync that sees the container
running (PLEG's ContainerStarted) triggers a probe at once through the worker's manualTriggerCh, so the
first probe runs when the container starts, or once `initialDelaySeconds` have passed since it did.
Here the periodic probes follow the first one at `periodSeconds` intervals. Every later sync of a
running container that is not Ready triggers a probe too (`triggered`: an update to the pod, e.g. an
annotation, makes the kubelet sync it); such a probe does not move the ticker, and a trigger that comes
while a probe runs waits for it to end (the worker's manualTriggerCh holds one). Not modelled: the
random wait a worker takes before its first probe when the kubelet itself started less than one
period ago (a learner's pods start long after their node's kubelet did), the trigger of the sync that
follows a change of the probe's own result.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Protocol

from svclab.network.podenv import HttpResponse
from svclab.network.podenv import ConnectionRefused, NotHttp
from svclab.network.proxy import Route, listens_on

Obj = dict[str, Any]


class ProbeHost(Protocol):
    """What the prober needs from the network."""

    def sandbox_for(self, pod: Obj) -> Any: ...

    def run_probe(self, pod: Obj, argv: list[str], timeout: float, done: Callable[[bool], None]) -> bool: ...

    def serve_http(self, route: Route, client_ip: str, method: str, path: str) -> Awaitable[HttpResponse]: ...

    def resync(self) -> None: ...


@dataclass
class ProbeState:
    ready: bool = False
    successes: int = 0
    failures: int = 0
    next_at: float = 0.0
    running: bool = False
    not_before: float = 0.0   # the container's start + initialDelaySeconds: no probe, triggered or not, before
    triggered: bool = False   # a manual trigger came while a probe ran: it runs when that one ends


def drive(coro: Coroutine[Any, Any, Any]) -> tuple[bool, Any]:
    """Run a coroutine to completion without a loop if it never waits on real I/O."""
    try:
        coro.send(None)
    except StopIteration as done:
        return True, done.value
    coro.close()
    return False, None


class Prober:
    def __init__(self, host: ProbeHost) -> None:
        self.host = host
        self.states: dict[str, ProbeState] = {}
        self._in_flight: set[asyncio.Future[None]] = set()

    def forget(self, uid: str) -> None:
        self.states.pop(uid, None)

    def track(self, future: asyncio.Future[None]) -> None:
        """An exec probe in flight (``settle`` waits for it)."""
        self._in_flight.add(future)
        future.add_done_callback(self._in_flight.discard)

    async def settle(self) -> None:
        while self._in_flight:
            await asyncio.wait(list(self._in_flight))

    def __call__(self, pod: Obj, now: float, triggered: bool = False) -> tuple[bool, float | None]:
        """(ready, when to look again); probes when the period is due, or at once when `triggered` and the
        pod is not Ready (a manual trigger: the period's schedule stays as it was)."""
        probe = next((c["readinessProbe"] for c in pod["spec"].get("containers") or [] if c.get("readinessProbe")), None)
        if probe is None:
            return True, None
        uid = pod["metadata"]["uid"]
        state = self.states.get(uid)
        if state is None:
            sandbox = self.host.sandbox_for(pod)
            started = sandbox.started_at if sandbox else now
            first = started + float(probe.get("initialDelaySeconds", 0))
            state = self.states[uid] = ProbeState(next_at=first, not_before=first)
        period = float(probe.get("periodSeconds", 10))
        due = now + 1e-9 >= state.next_at
        manual = (triggered and not state.ready or state.triggered) and now + 1e-9 >= state.not_before
        if manual and state.running:
            state.triggered = True
        elif (due or manual) and not state.running:
            state.triggered = False
            if due:
                state.next_at = now + period
            if "exec" in probe:
                self._exec(pod, probe, state, uid)
            else:
                finished, ok = drive(self._check(pod, probe))
                if finished:
                    self._record(state, probe, bool(ok))
                else:
                    state.running = True
                    self.track(asyncio.ensure_future(self._check_async(pod, probe, state, uid)))
        return state.ready, state.next_at

    def _exec(self, pod: Obj, probe: Obj, state: ProbeState, uid: str) -> None:
        state.running = True

        def done(ok: bool) -> None:
            state.running = False
            self._finish(state, probe, ok, uid)

        argv = [str(arg) for arg in probe["exec"].get("command") or []]
        if not self.host.run_probe(pod, argv, float(probe.get("timeoutSeconds", 1)), done):
            state.running = False   # no room for another probe now: it runs at the next period

    def _finish(self, state: ProbeState, probe: Obj, ok: bool, uid: str) -> None:
        if self.states.get(uid) is not state:
            return   # the pod has gone meanwhile
        before = state.ready
        self._record(state, probe, ok)
        if state.ready != before or state.triggered:
            self.host.resync()   # the kubelet looks again: a new readiness, or the trigger that waited

    def _record(self, state: ProbeState, probe: Obj, ok: bool) -> None:
        if ok:
            state.successes, state.failures = state.successes + 1, 0
            if state.successes >= int(probe.get("successThreshold", 1)):
                state.ready = True
        else:
            state.failures, state.successes = state.failures + 1, 0
            if state.failures >= int(probe.get("failureThreshold", 3)) or not state.ready:
                state.ready = False

    async def _check_async(self, pod: Obj, probe: Obj, state: ProbeState, uid: str) -> None:
        try:
            ok = await asyncio.wait_for(self._check(pod, probe), timeout=float(probe.get("timeoutSeconds", 1)))
        except (asyncio.TimeoutError, Exception):
            ok = False
        state.running = False
        self._finish(state, probe, bool(ok), uid)

    async def _check(self, pod: Obj, probe: Obj) -> bool:
        sandbox = self.host.sandbox_for(pod)
        if sandbox is None:
            return False
        port_of = lambda spec: self._port(pod, spec.get("port"))  # noqa: E731
        if "httpGet" in probe:
            get = probe["httpGet"]
            port = port_of(get)
            if port is None or not listens_on(pod, port):
                return False
            try:
                response = await self.host.serve_http(Route(pod, port), pod["status"].get("hostIP", ""), "GET", get.get("path", "/"))
            except (ConnectionRefused, NotHttp):   # nothing listens, or not an HTTP server
                return False
            return 200 <= response.status < 400
        if "tcpSocket" in probe:
            port = port_of(probe["tcpSocket"])
            return port is not None and listens_on(pod, port)
        return False

    @staticmethod
    def _port(pod: Obj, port: Any) -> int | None:
        if isinstance(port, int):
            return port
        for container in pod["spec"].get("containers") or []:
            for declared in container.get("ports") or []:
                if declared.get("name") == port:
                    return int(declared["containerPort"])
        return int(port) if isinstance(port, str) and port.isdigit() else None
