"""`pods/NAME/log`: a container's log, as the API server and the kubelet serve it.

The API server picks the container (pkg/registry/core/pod/strategy.go LogLocation: a pod with
several containers needs ``container``), the kubelet picks the instance
(pkg/kubelet/kubelet_pods.go validateContainerLogStatus: the running one, else the last one that
terminated; ``previous`` the one before) and applies the options (pkg/kubelet/kuberuntime/logs:
``tailLines``, ``limitBytes``, ``sinceSeconds``/``sinceTime``, ``timestamps`` in RFC3339Nano, and
``follow``, which streams until the container exits or the client goes away). Its refusals are
400s with the kubelet's texts.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol

from svclab.network.containers import ContainerLog
from svclab.validation import errors
from svclab.wire.server import Request, StreamResponse

Obj = dict[str, Any]
FOLLOW_POLL_SECONDS = 1.0   # a follower checks this often that its pod still exists


class LogSource(Protocol):
    def log(self, uid: str, name: str, previous: bool = False) -> ContainerLog | None: ...


def go_rfc3339nano(moment: datetime) -> str:
    """time.RFC3339Nano: fractional seconds with trailing zeros trimmed."""
    utc = moment.astimezone(timezone.utc)
    fraction = f"{utc.microsecond * 1000:09d}".rstrip("0")
    return f"{utc:%Y-%m-%dT%H:%M:%S}" + (f".{fraction}" if fraction else "") + "Z"


def _int_option(request: Request, name: str) -> int | None:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise errors.bad_request(f'strconv.ParseInt: parsing "{raw}": invalid syntax') from None


def _since_time(raw: str | None) -> datetime | None:
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise errors.bad_request(f'parsing time "{raw}" as "2006-01-02T15:04:05Z07:00": cannot parse') from None


def pick_container(pod: Obj, wanted: str) -> str:
    """LogLocation's choice of container and its refusals."""
    name = pod["metadata"]["name"]
    containers = [c["name"] for c in pod["spec"].get("containers") or []]
    init = [c["name"] for c in pod["spec"].get("initContainers") or []]
    if not wanted:
        default = (pod["metadata"].get("annotations") or {}).get("kubectl.kubernetes.io/default-container")
        if len(containers) == 1:
            return containers[0]
        if default in containers:
            return str(default)
        message = f"a container name must be specified for pod {name}, choose one of: [{' '.join(containers)}]"
        if init:
            message += f" or one of the init containers: [{' '.join(init)}]"
        raise errors.bad_request(message)
    if wanted not in containers and wanted not in init:
        raise errors.bad_request(f"container {wanted} is not valid for pod {name}")
    return wanted


def pick_instance(pod: Obj, container: str, previous: bool) -> bool:
    """validateContainerLogStatus: which instance's log (True: the previous one) or the refusal."""
    name = pod["metadata"]["name"]
    statuses = {c["name"]: c for c in pod.get("status", {}).get("containerStatuses") or []}
    status = statuses.get(container)
    if status is None:
        raise errors.bad_request(f'container "{container}" in pod "{name}" is waiting to start: ContainerCreating'
                                 if pod["spec"].get("nodeName") else f"pod {name} does not have a host assigned")
    state, last = status.get("state") or {}, (status.get("lastState") or {}).get("terminated")
    if previous:
        if not last:
            raise errors.bad_request(f'previous terminated container "{container}" in pod "{name}" not found')
        # running: the instance before; waiting (back-off): lastState is the instance that just ended
        return "running" in state or "terminated" in state
    if "running" in state or "terminated" in state:
        return False
    if last:
        return False
    reason = (state.get("waiting") or {}).get("reason", "ContainerCreating")
    raise errors.bad_request(f'container "{container}" in pod "{name}" is waiting to start: {reason}')


class LogsHandler:
    """Serves ``pods/NAME/log`` for the API server."""

    def __init__(self, get_pod: Callable[[str, str], Obj], source: LogSource, exists: Callable[[str, str, str], bool]) -> None:
        self.get_pod = get_pod
        self.source = source
        self.exists = exists

    async def __call__(self, request: Request, namespace: str, name: str) -> StreamResponse:
        if request.method != "GET":
            raise errors.method_not_allowed()
        pod = self.get_pod(namespace, name)
        container = pick_container(pod, request.query.get("container", ""))
        flag = lambda key: request.query.get(key) in ("true", "1")  # noqa: E731
        previous, follow, stamps = flag("previous"), flag("follow"), flag("timestamps")
        tail, limit = _int_option(request, "tailLines"), _int_option(request, "limitBytes")
        since_seconds = _int_option(request, "sinceSeconds")
        since = _since_time(request.query.get("sinceTime"))
        if since_seconds is not None:
            since = datetime.now(timezone.utc) - timedelta(seconds=since_seconds)
        if not pod["spec"].get("nodeName"):
            raise errors.bad_request(f"pod {name} does not have a host assigned")
        use_previous = pick_instance(pod, container, previous)
        uid = pod["metadata"]["uid"]
        log = self.source.log(uid, container, use_previous)
        response = StreamResponse(status=200, headers={"Content-Type": "text/plain"})
        if log is None:
            response.content_length = 0
            await response.prepare(request)
            return response
        records, position = log.since(0)
        if since is not None:
            records = [r for r in records if r[0] >= since]
        if tail is not None:
            records = records[-tail:] if tail > 0 else []
        budget = limit if limit is not None and limit > 0 else None

        def render(batch: list[tuple[datetime, int, bytes]]) -> bytes:
            if stamps:
                return b"".join(go_rfc3339nano(t).encode() + b" " + data for t, _fd, data in batch)
            return b"".join(data for _t, _fd, data in batch)

        first = render(records)
        if budget is not None:
            first = first[:budget]
            budget -= len(first)
        if not follow or use_previous:
            response.content_length = len(first)
            await response.prepare(request)
            await response.write(first)
            return response
        await response.prepare(request)
        if first:
            await response.write(first)
        try:
            while not log.closed and (budget is None or budget > 0):
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(log.changed(), FOLLOW_POLL_SECONDS)
                batch, position = log.since(position)
                chunk = render(batch)
                if budget is not None:
                    chunk = chunk[:budget]
                    budget -= len(chunk)
                if chunk:
                    await response.write(chunk)
                if not self.exists(namespace, name, uid):
                    break
        except (ConnectionResetError, asyncio.CancelledError):
            return response
        with contextlib.suppress(ConnectionResetError):
            await response.write_eof()
        return response
