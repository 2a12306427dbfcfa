"""The scheduler and the kubelets: place pods on nodes, give them IPs, start them, judge readiness, stop them.

Readiness comes from a probe hook (the pod runtime evaluates readinessProbes); without a hook a
running pod is Ready.
"""

from __future__ import annotations

import copy
import hashlib
from datetime import datetime, timezone
from typing import Callable, Protocol

from svclab.controllers import events
from svclab.controllers.base import NODES, PODS, Context, Obj, is_terminating
from svclab.network.ipalloc import PodIPAllocator


class ReadinessProbe(Protocol):
    def __call__(self, pod: Obj, now: float) -> tuple[bool, float | None]:
        """(ready, when to look again) for a running pod with a readinessProbe."""


def _ts_seconds(ts: str) -> float:
    return datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp()


def _tolerates(pod: Obj, taint: Obj) -> bool:
    for toleration in pod.get("spec", {}).get("tolerations") or []:
        if toleration.get("effect") not in (None, "", taint.get("effect")):
            continue
        if toleration.get("operator") == "Exists" and (not toleration.get("key") or toleration.get("key") == taint.get("key")):
            return True
        if toleration.get("key") == taint.get("key") and toleration.get("value", "") == taint.get("value", ""):
            return True
    return False


def _owner_uid(pod: Obj) -> str:
    refs = pod["metadata"].get("ownerReferences") or []
    return refs[0].get("uid", "") if refs else ""


class Kubelets:
    def __init__(self, ctx: Context, allocators: dict[str, PodIPAllocator], probe: ReadinessProbe | None = None) -> None:
        self.ctx = ctx
        self.allocators = allocators
        self.probe = probe
        self.on_pod_stopped: list[Callable[[Obj], None]] = []
        self.on_pod_started: list[Callable[[Obj], None]] = []

    def sync(self) -> None:
        for pod in list(self.ctx.store.items(PODS)):
            if is_terminating(pod):
                self._stop(pod)
            elif not pod["spec"].get("nodeName"):
                self._schedule(pod)
            else:
                self._run(pod)

    # ---- scheduling ----------------------------------------------------------------------------
    def _schedule(self, pod: Obj) -> None:
        nodes = [n for n in self.ctx.store.items(NODES) if all(_tolerates(pod, t) for t in n.get("spec", {}).get("taints") or [] if t.get("effect") in ("NoSchedule", "NoExecute"))]
        if pod["spec"].get("nodeSelector"):
            nodes = [n for n in nodes if all(n["metadata"].get("labels", {}).get(k) == v for k, v in pod["spec"]["nodeSelector"].items())]
        if not nodes:
            return
        owner = _owner_uid(pod)
        pods = [p for p in self.ctx.store.items(PODS) if p["spec"].get("nodeName")]

        def load(node: Obj) -> tuple[int, int, str]:
            name = node["metadata"]["name"]
            siblings = sum(1 for p in pods if p["spec"]["nodeName"] == name and owner and _owner_uid(p) == owner)
            total = sum(1 for p in pods if p["spec"]["nodeName"] == name)
            return (siblings, total, name)

        node = min(nodes, key=load)
        scheduled = copy.deepcopy(pod)
        scheduled["spec"]["nodeName"] = node["metadata"]["name"]
        status = scheduled.setdefault("status", {})
        stamp = self.ctx.clock.rfc3339()
        names = " ".join(c["name"] for c in scheduled["spec"].get("containers") or [])
        status["conditions"] = [
            {"type": "PodReadyToStartContainers", "status": "False", "lastProbeTime": None, "lastTransitionTime": stamp},
            {"type": "Initialized", "status": "True", "lastProbeTime": None, "lastTransitionTime": stamp},
            {"type": "Ready", "status": "False", "lastProbeTime": None, "lastTransitionTime": stamp, "reason": "ContainersNotReady", "message": f"containers with unready status: [{names}]"},
            {"type": "ContainersReady", "status": "False", "lastProbeTime": None, "lastTransitionTime": stamp, "reason": "ContainersNotReady", "message": f"containers with unready status: [{names}]"},
            {"type": "PodScheduled", "status": "True", "lastProbeTime": None, "lastTransitionTime": stamp},
        ]
        status["hostIP"] = _internal_ip(node)
        status["hostIPs"] = [{"ip": status["hostIP"]}]
        status["startTime"] = stamp
        status["containerStatuses"] = [
            {"name": c["name"], "state": {"waiting": {"reason": "ContainerCreating"}}, "lastState": {}, "ready": False, "restartCount": 0, "image": c.get("image", ""), "imageID": "", "started": False}
            for c in scheduled["spec"].get("containers") or []
        ]
        self.ctx.store.update(PODS, scheduled)
        namespace = pod["metadata"].get("namespace", "")
        events.record(self.ctx, scheduled, "Normal", "Scheduled", f"Successfully assigned {namespace}/{pod['metadata']['name']} to {node['metadata']['name']}", "default-scheduler")

    # ---- running -------------------------------------------------------------------------------
    def _node(self, name: str) -> Obj | None:
        return self.ctx.store.peek(NODES, "", name)

    def _run(self, pod: Obj) -> None:
        status = pod.get("status", {})
        now = self.ctx.clock.time()
        if status.get("phase") == "Pending":
            start_at = _ts_seconds(pod["metadata"]["creationTimestamp"]) + self.ctx.pod_start_seconds
            if now < start_at:
                self.ctx.wake_at(start_at)
                return
            self._start(pod)
            return
        if status.get("phase") == "Running":
            self._update_readiness(pod, now)

    def _start(self, pod: Obj) -> None:
        node = self._node(pod["spec"]["nodeName"])
        if node is None:
            return
        node_ip = _internal_ip(node)
        if pod["spec"].get("hostNetwork"):
            ip = node_ip
        else:
            ip = self.allocators[pod["spec"]["nodeName"]].allocate_next()
        started = copy.deepcopy(pod)
        now = self.ctx.clock.rfc3339()
        status = started["status"]
        status.update({
            "phase": "Running",
            "hostIP": node_ip,
            "hostIPs": [{"ip": node_ip}],
            "podIP": ip,
            "podIPs": [{"ip": ip}],
            "startTime": status.get("startTime", now),
        })
        containers = started["spec"].get("containers") or []
        status["containerStatuses"] = [self._container_status(pod, c, now) for c in containers]
        has_probe = any(c.get("readinessProbe") for c in containers) and self.probe is not None
        ready = not has_probe
        status["conditions"] = [
            {"type": "PodReadyToStartContainers", "status": "True", "lastProbeTime": None, "lastTransitionTime": now},
            {"type": "Initialized", "status": "True", "lastProbeTime": None, "lastTransitionTime": now},
            {"type": "Ready", "status": "True" if ready else "False", "lastProbeTime": None, "lastTransitionTime": now},
            {"type": "ContainersReady", "status": "True" if ready else "False", "lastProbeTime": None, "lastTransitionTime": now},
            {"type": "PodScheduled", "status": "True", "lastProbeTime": None, "lastTransitionTime": next((c["lastTransitionTime"] for c in pod["status"].get("conditions") or [] if c["type"] == "PodScheduled"), now)},
        ]
        if not ready:
            for condition in status["conditions"][2:4]:
                condition["reason"] = "ContainersNotReady"
                condition["message"] = f"containers with unready status: [{' '.join(c['name'] for c in containers)}]"
        for c in status["containerStatuses"]:
            c["ready"] = ready
        stored = self.ctx.store.update(PODS, started)
        for hook in self.on_pod_started:
            hook(stored)
        host = pod["spec"]["nodeName"]
        for index, container in enumerate(containers):
            path = f"spec.containers{{{container['name']}}}"
            events.record(self.ctx, started, "Normal", "Pulled", f'Container image "{container.get("image", "")}" already present on machine', "kubelet", host, path)
            events.record(self.ctx, started, "Normal", "Created", f"Created container: {container['name']}", "kubelet", host, path)
            events.record(self.ctx, started, "Normal", "Started", f"Started container {container['name']}", "kubelet", host, path)
        if has_probe:
            self._update_readiness(self.ctx.store.peek(PODS, pod["metadata"]["namespace"], pod["metadata"]["name"]) or started, self.ctx.clock.time())

    def _container_status(self, pod: Obj, container: Obj, now: str) -> Obj:
        image = container.get("image", "")
        seed = f"{pod['metadata']['uid']}/{container['name']}".encode()
        full_image = image if "/" in image.split(":")[0] else f"docker.io/library/{image}"
        if ":" not in full_image.rsplit("/", 1)[-1]:
            full_image += ":latest"
        return {
            "name": container["name"],
            "state": {"running": {"startedAt": now}},
            "lastState": {},
            "ready": True,
            "restartCount": 0,
            "image": full_image,
            "imageID": f"{full_image.rsplit(':', 1)[0]}@sha256:{hashlib.sha256(image.encode()).hexdigest()}",
            "containerID": f"containerd://{hashlib.sha256(seed).hexdigest()}",
            "started": True,
        }

    def _update_readiness(self, pod: Obj, now: float) -> None:
        containers = pod["spec"].get("containers") or []
        if not any(c.get("readinessProbe") for c in containers) or self.probe is None:
            return
        ready, next_check = self.probe(pod, now)
        if next_check is not None:
            self.ctx.wake_at(next_check)
        conditions = pod["status"].get("conditions") or []
        current = next((c for c in conditions if c["type"] == "Ready"), None)
        if current is not None and (current["status"] == "True") == ready:
            return
        changed = copy.deepcopy(pod)
        stamp = self.ctx.clock.rfc3339()
        for condition in changed["status"]["conditions"]:
            if condition["type"] in ("Ready", "ContainersReady"):
                condition.update({"status": "True" if ready else "False", "lastTransitionTime": stamp})
                if ready:
                    condition.pop("reason", None)
                    condition.pop("message", None)
                else:
                    condition["reason"] = "ContainersNotReady"
                    condition["message"] = f"containers with unready status: [{' '.join(c['name'] for c in containers)}]"
        for status in changed["status"].get("containerStatuses") or []:
            status["ready"] = ready
        self.ctx.store.update(PODS, changed)
        if not ready:
            events.record(self.ctx, changed, "Warning", "Unhealthy", "Readiness probe failed: ", "kubelet", changed["spec"]["nodeName"], f"spec.containers{{{containers[0]['name']}}}")

    def container_exited(self, namespace: str, name: str, uid: str, exit_code: int) -> None:
        """The pod's (single) main process ended with EXIT_CODE: restartPolicy Never, or OnFailure
        with code 0, completes the pod (Succeeded or Failed); otherwise the container restarts."""
        pod = self.ctx.store.peek(PODS, namespace, name)
        if pod is None or pod["metadata"]["uid"] != uid or pod.get("status", {}).get("phase") != "Running" or is_terminating(pod):
            return
        policy = pod["spec"].get("restartPolicy", "Always")
        changed = copy.deepcopy(pod)
        status = changed["status"]
        stamp = self.ctx.clock.rfc3339()
        complete = policy == "Never" or (policy == "OnFailure" and exit_code == 0)
        for container in status.get("containerStatuses") or []:
            started = (container.get("state", {}).get("running") or {}).get("startedAt", stamp)
            terminated = {"exitCode": exit_code, "reason": "Completed" if exit_code == 0 else "Error",
                          "startedAt": started, "finishedAt": stamp, "containerID": container.get("containerID", "")}
            if complete:
                container.update({"state": {"terminated": terminated}, "ready": False, "started": False})
            else:
                container.update({"state": {"running": {"startedAt": stamp}}, "lastState": {"terminated": terminated},
                                  "restartCount": container.get("restartCount", 0) + 1})
        if complete:
            status["phase"] = "Succeeded" if exit_code == 0 else "Failed"
            for condition in status.get("conditions") or []:
                if condition["type"] in ("Ready", "ContainersReady", "PodReadyToStartContainers"):
                    condition.update({"status": "False", "lastTransitionTime": stamp})
                    if condition["type"] != "PodReadyToStartContainers":
                        condition["reason"] = "PodCompleted"
                        condition.pop("message", None)
        self.ctx.store.update(PODS, changed)

    # ---- stopping ------------------------------------------------------------------------------
    def _stop(self, pod: Obj) -> None:
        meta = pod["metadata"]
        if pod["spec"].get("nodeName") and pod.get("status", {}).get("phase") == "Running":
            stop_at = _ts_seconds(meta["deletionTimestamp"]) + min(self.ctx.pod_stop_seconds, float(meta.get("deletionGracePeriodSeconds", 30)))
            if self.ctx.clock.time() < stop_at:
                self.ctx.wake_at(stop_at)
                return
            for container in pod["spec"].get("containers") or []:
                events.record(self.ctx, pod, "Normal", "Killing", f"Stopping container {container['name']}", "kubelet", pod["spec"]["nodeName"], f"spec.containers{{{container['name']}}}")
        removed = self.ctx.registry.remove(PODS, meta["namespace"], meta["name"])
        if removed is not None:
            node = pod["spec"].get("nodeName")
            if node in self.allocators and not pod["spec"].get("hostNetwork"):
                self.allocators[node].release(pod.get("status", {}).get("podIP"))
            for hook in self.on_pod_stopped:
                hook(removed)


def _internal_ip(node: Obj) -> str:
    for address in node.get("status", {}).get("addresses") or []:
        if address.get("type") == "InternalIP":
            return str(address["address"])
    return ""
