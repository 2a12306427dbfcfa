"""printPod: READY, STATUS (the aggregate reason), RESTARTS and the wide IP/NODE columns."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from . import columns as c
from .base import Printer, Row, meta, name_of, sub
from .duration import parse_time, translate_timestamp_since

NODE_UNREACHABLE_POD_REASON = "NodeLost"
POD_REASON_SCHEDULING_GATED = "SchedulingGated"

POD_SUCCESS_CONDITIONS = [
    {"type": "Completed", "status": "True", "reason": "Succeeded", "message": "The pod has completed successfully."}
]
POD_FAILED_CONDITIONS = [{"type": "Completed", "status": "True", "reason": "Failed", "message": "The pod failed."}]

COLUMNS = (
    c.name_col(),
    c.col("Ready", "string", "The aggregate readiness state of this pod for accepting traffic."),
    c.col("Status", "string", "The aggregate status of the containers in this pod."),
    c.col(
        "Restarts",
        "string",
        "The number of times the containers in this pod have been restarted and when the last container in this "
        "pod has restarted.",
    ),
    c.age_col(),
    c.col("IP", "string", c.POD_STATUS_POD_IP, priority=1),
    c.col("Node", "string", c.POD_SPEC_NODE_NAME, priority=1),
    c.col("Nominated Node", "string", c.POD_STATUS_NOMINATED_NODE_NAME, priority=1),
    c.col("Readiness Gates", "string", c.POD_SPEC_READINESS_GATES, priority=1),
)


def is_restartable_init_container(container: dict[str, Any] | None) -> bool:
    """podutil.IsRestartableInitContainer: a sidecar (restartPolicy Always)."""
    return container is not None and container.get("restartPolicy") == "Always"


def _has_condition(status: dict[str, Any], type_: str) -> bool:
    return any(cond.get("type") == type_ and cond.get("status") == "True" for cond in status.get("conditions") or [])


def _is_initialized(status: dict[str, Any]) -> bool:
    """isPodInitializedConditionTrue: the first Initialized condition decides."""
    for cond in status.get("conditions") or []:
        if cond.get("type") == "Initialized":
            return bool(cond.get("status") == "True")
    return False


def _later(current: datetime | None, candidate: datetime | None) -> datetime | None:
    """lastRestartDate.Before(&terminatedDate) bookkeeping."""
    if candidate is None:
        return current
    if current is None or current < candidate:
        return candidate
    return current


def _last_finished(container_status: dict[str, Any]) -> datetime | None:
    terminated = sub(container_status, "lastState", "terminated")
    return parse_time(terminated.get("finishedAt")) if isinstance(terminated, dict) else None


def _terminated_reason(terminated: dict[str, Any], prefix: str) -> str:
    signal = int(terminated.get("signal") or 0)
    if signal != 0:
        return f"{prefix}Signal:{signal}"
    return f"{prefix}ExitCode:{int(terminated.get('exitCode') or 0)}"


def print_pod(pod: dict[str, Any], now: datetime) -> Row:
    spec: dict[str, Any] = pod.get("spec") or {}
    status: dict[str, Any] = pod.get("status") or {}
    restarts = 0
    restartable_init_restarts = 0
    total_containers = len(spec.get("containers") or [])
    ready_containers = 0
    last_restart: datetime | None = None
    last_restartable_init_restart: datetime | None = None

    phase = str(status.get("phase") or "")
    reason = str(status.get("reason") or "") or phase

    for cond in status.get("conditions") or []:
        if cond.get("type") == "PodScheduled" and cond.get("reason") == POD_REASON_SCHEDULING_GATED:
            reason = POD_REASON_SCHEDULING_GATED

    conditions: list[dict[str, Any]] = []
    if phase == "Succeeded":
        conditions = [dict(x) for x in POD_SUCCESS_CONDITIONS]
    elif phase == "Failed":
        conditions = [dict(x) for x in POD_FAILED_CONDITIONS]

    init_specs = spec.get("initContainers") or []
    init_containers: dict[str, dict[str, Any]] = {}
    for container in init_specs:
        init_containers[str(container.get("name") or "")] = container
        if is_restartable_init_container(container):
            total_containers += 1

    initializing = False
    for i, cs in enumerate(status.get("initContainerStatuses") or []):
        restarts += int(cs.get("restartCount") or 0)
        last_restart = _later(last_restart, _last_finished(cs))
        sidecar = is_restartable_init_container(init_containers.get(str(cs.get("name") or "")))
        if sidecar:
            restartable_init_restarts += int(cs.get("restartCount") or 0)
            last_restartable_init_restart = _later(last_restartable_init_restart, _last_finished(cs))
        terminated = sub(cs, "state", "terminated")
        waiting = sub(cs, "state", "waiting")
        if isinstance(terminated, dict) and int(terminated.get("exitCode") or 0) == 0:
            continue
        if sidecar and cs.get("started") is True:
            if cs.get("ready"):
                ready_containers += 1
            continue
        if isinstance(terminated, dict):
            term_reason = str(terminated.get("reason") or "")
            reason = "Init:" + term_reason if term_reason else _terminated_reason(terminated, "Init:")
            initializing = True
        elif isinstance(waiting, dict) and waiting.get("reason") and waiting.get("reason") != "PodInitializing":
            reason = "Init:" + str(waiting["reason"])
            initializing = True
        else:
            reason = f"Init:{i}/{len(init_specs)}"
            initializing = True
        break

    if not initializing or _is_initialized(status):
        restarts = restartable_init_restarts
        last_restart = last_restartable_init_restart
        has_running = False
        for cs in reversed(status.get("containerStatuses") or []):
            restarts += int(cs.get("restartCount") or 0)
            last_restart = _later(last_restart, _last_finished(cs))
            waiting = sub(cs, "state", "waiting")
            terminated = sub(cs, "state", "terminated")
            running = sub(cs, "state", "running")
            if isinstance(waiting, dict) and waiting.get("reason"):
                reason = str(waiting["reason"])
            elif isinstance(terminated, dict) and terminated.get("reason"):
                reason = str(terminated["reason"])
            elif isinstance(terminated, dict):
                reason = _terminated_reason(terminated, "")
            elif cs.get("ready") and isinstance(running, dict):
                has_running = True
                ready_containers += 1
        if reason == "Completed" and has_running:
            reason = "Running" if _has_condition(status, "Ready") else "NotReady"

    deleting = meta(pod).get("deletionTimestamp") is not None
    if deleting and status.get("reason") == NODE_UNREACHABLE_POD_REASON:
        reason = "Unknown"
    elif deleting and phase not in ("Succeeded", "Failed"):
        reason = "Terminating"

    restarts_str = str(restarts)
    if restarts != 0 and last_restart is not None:
        restarts_str = f"{restarts} ({translate_timestamp_since(last_restart, now)} ago)"

    pod_ips = status.get("podIPs") or []
    pod_ip = str(pod_ips[0].get("ip") or "") if pod_ips else ""
    gates = spec.get("readinessGates") or []
    readiness_gates = "<none>"
    if gates:
        true_conditions = 0
        for gate in gates:
            for cond in status.get("conditions") or []:
                if cond.get("type") == gate.get("conditionType"):
                    if cond.get("status") == "True":
                        true_conditions += 1
                    break
        readiness_gates = f"{true_conditions}/{len(gates)}"

    cells: list[Any] = [
        name_of(pod),
        f"{ready_containers}/{total_containers}",
        reason,
        restarts_str,
        translate_timestamp_since(meta(pod).get("creationTimestamp"), now),
        pod_ip or "<none>",
        str(spec.get("nodeName") or "") or "<none>",
        str(status.get("nominatedNodeName") or "") or "<none>",
        readiness_gates,
    ]
    return Row(cells, conditions)


PRINTER = Printer(COLUMNS, print_pod)
