"""Readiness probes, run by the emulated kubelet against the pod's sandbox.

exec probes run the command in the pod (so `touch /tmp/ready` flips them), httpGet probes ask the
pod's HTTP app, tcpSocket probes check the port is one the pod listens on. Thresholds, periods and
initial delays follow the probe spec. Probe commands that do no real I/O complete synchronously, so
results are deterministic; anything slower finishes as a task and re-triggers reconciliation.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Coroutine

from svclab.network.proxy import Route, listens_on

if TYPE_CHECKING:
    from svclab.network.runtime import ClusterNetwork

Obj = dict[str, Any]


@dataclass
class ProbeState:
    ready: bool = False
    successes: int = 0
    failures: int = 0
    next_at: float = 0.0
    running: bool = False


def drive(coro: Coroutine[Any, Any, Any]) -> tuple[bool, Any]:
    """Run a coroutine to completion without a loop if it never waits on real I/O."""
    try:
        coro.send(None)
    except StopIteration as done:
        return True, done.value
    coro.close()
    return False, None


class Prober:
    def __init__(self, network: "ClusterNetwork") -> None:
        self.network = network
        self.states: dict[str, ProbeState] = {}

    def forget(self, uid: str) -> None:
        self.states.pop(uid, None)

    def __call__(self, pod: Obj, now: float) -> tuple[bool, float | None]:
        probe = next((c["readinessProbe"] for c in pod["spec"].get("containers") or [] if c.get("readinessProbe")), None)
        if probe is None:
            return True, None
        uid = pod["metadata"]["uid"]
        state = self.states.get(uid)
        if state is None:
            sandbox = self.network.sandbox_for(pod)
            started = sandbox.started_at if sandbox else now
            state = self.states[uid] = ProbeState(next_at=started + float(probe.get("initialDelaySeconds", 0)))
        period = float(probe.get("periodSeconds", 10))
        if now + 1e-9 >= state.next_at and not state.running:
            state.next_at = now + period
            coro = self._check(pod, probe)
            finished, ok = drive(coro)
            if finished:
                self._record(state, probe, bool(ok))
            else:
                state.running = True
                asyncio.get_running_loop().create_task(self._check_async(pod, probe, state))
        return state.ready, state.next_at

    def _record(self, state: ProbeState, probe: Obj, ok: bool) -> None:
        if ok:
            state.successes, state.failures = state.successes + 1, 0
            if state.successes >= int(probe.get("successThreshold", 1)):
                state.ready = True
        else:
            state.failures, state.successes = state.failures + 1, 0
            if state.failures >= int(probe.get("failureThreshold", 3)) or not state.ready:
                state.ready = False

    async def _check_async(self, pod: Obj, probe: Obj, state: ProbeState) -> None:
        try:
            ok = await asyncio.wait_for(self._check(pod, probe), timeout=float(probe.get("timeoutSeconds", 1)))
        except (asyncio.TimeoutError, Exception):
            ok = False
        state.running = False
        before = state.ready
        self._record(state, probe, bool(ok))
        if state.ready != before:
            self.network.cluster.manager.reconcile()

    async def _check(self, pod: Obj, probe: Obj) -> bool:
        sandbox = self.network.sandbox_for(pod)
        if sandbox is None:
            return False
        if "exec" in probe:
            from svclab.network.shell import run

            result = await run(list(probe["exec"].get("command") or []), sandbox)
            return result.exit_code == 0 and result.runtime_error is None
        port_of = lambda spec: self._port(pod, spec.get("port"))  # noqa: E731
        if "httpGet" in probe:
            get = probe["httpGet"]
            port = port_of(get)
            if port is None or not listens_on(pod, port):
                return False
            response = await self.network.serve_http(Route(pod, port), pod["status"].get("hostIP", ""), "GET", get.get("path", "/"))
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
