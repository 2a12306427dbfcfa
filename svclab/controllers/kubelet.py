"""The kubelets of the cluster's nodes: start the pods bound to their node, judge readiness, stop them.

One controller stands for the kubelet of every node the cluster was built with (a Node created
through the API has no kubelet: its pods are never started, as on a real cluster). Per pod key:

- bound and Pending: the pod shows `ContainerCreating`; after the start delay the pod sandbox
  gets an IP from the node's /24 (kindnet's host-local IPAM) and the containers start. When the
  range is full, creating the sandbox fails as containerd reports it through the kubelet: a
  `FailedCreatePodSandBox` Warning event on the pod, which stays ContainerCreating and is tried
  again 10 s later (the pod worker's backOffPeriod); nothing else is affected.
- Running with a readinessProbe: the probe hook says ready or not and when to look again; the key
  comes back then (a delayed requeue on the cluster clock). A change to the pod the kubelet's config
  source counts as an update (its spec, labels, annotations or deletion: pkg/kubelet/config/config.go
  podsDifferSemantically) makes the real kubelet sync the pod, and a sync of a running container that
  is not Ready triggers its readiness probe at once (pkg/kubelet/prober/prober_manager.go
  UpdatePodStatus, the worker's manualTriggerCh): here too, without moving the probe's period.
- being deleted: after the grace period (capped by the cluster's stop delay) the containers stop
  and the pod is removed; its IP goes back to the range.

Hooks the pod runtime uses: `probe` (readiness), `on_pod_started`, `on_pod_stopped` and
`container_exited(namespace, name, uid, exit_code)`.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import ipaddress
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, Protocol

from svclab.controllers import events
from svclab.controllers.base import NODES, PODS, Context, Controller, Obj, is_terminating, replaced
from svclab.controllers.informer import DELETED, Change
from svclab.network.ipalloc import AllocationError, PodIPAllocator
from svclab.controllers.scheduler import DEFAULT_MAX_PODS, max_pods as _max_pods
from svclab.network import images
from svclab.state.index import NODE, Key, by_node

COMPONENT = "kubelet"
SANDBOX_RETRY_SECONDS = 10.0  # pkg/kubelet/pod_workers.go backOffPeriod
# pkg/kubelet/kubelet.go: flowcontrol.NewBackOff(backOffPeriod, MaxContainerBackOff); an entry
# expires (the back-off starts again at 10 s) when the container ran 2 x max = 10 min since.
BACKOFF_INITIAL_SECONDS = 10.0
BACKOFF_MAX_SECONDS = 300.0


def go_duration(seconds: float) -> str:
    """time.Duration.String() for whole seconds: 10s, 1m20s, 5m0s."""
    whole = int(seconds)
    if whole < 60:
        return f"{whole}s"
    minutes, rest = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes}m{rest}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes}m{rest}s"


def format_pod(pod: Obj) -> str:
    """pkg/kubelet/util/format.Pod: NAME_NAMESPACE(UID)."""
    meta = pod["metadata"]
    return f"{meta['name']}_{meta['namespace']}({meta.get('uid', '')})"


@dataclass(frozen=True)
class ContainerExit:
    code: int
    reason: str
    message: str
    finished_at: float


class ContainerRuntime(Protocol):
    """What the kubelet asks of the node's container runtime (svclab.network.runtime)."""

    def start_container(self, pod: Obj, container: str) -> None:
        """Start (or restart) the container's main process; its exit comes back through container_exited."""

    def ensure_container(self, pod: Obj, container: str) -> None:
        """Start the container's main process unless it runs already."""

    def terminate_pod(self, pod: Obj) -> bool:
        """SIGTERM to the pod's containers: True when none is left running."""

    def kill_pod(self, pod: Obj) -> None:
        """SIGKILL to what is left (the grace period is over)."""


class ReadinessProbe(Protocol):
    def __call__(self, pod: Obj, now: float, triggered: bool = False) -> tuple[bool, float | None]:
        """(ready, when to look again) for a running pod with a readinessProbe; `triggered`: probe now if the
        pod is not Ready (a manual trigger), whatever the period says."""


def semantic_fields(pod: Obj) -> tuple[object, ...]:
    """What of a pod the kubelet's config source compares to tell an update from a status-only change
    (pkg/kubelet/config/config.go podsDifferSemantically)."""
    meta = pod.get("metadata") or {}
    return (pod.get("spec"), meta.get("labels") or {}, meta.get("annotations") or {}, meta.get("deletionTimestamp"),
            meta.get("deletionGracePeriodSeconds"))


def _on_loop(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


_TIMESTAMP = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})Z")   # as the store writes them


def _ts_seconds(ts: str) -> float:
    """Seconds of an RFC 3339 timestamp: the store's own form read directly (strptime's first use, ~3 ms of loading
    and compiling, would be on the cluster's start); anything else, and any error, as strptime reads it."""
    written = _TIMESTAMP.fullmatch(ts)
    if written is not None:
        try:
            return datetime(*(int(part) for part in written.groups()), tzinfo=timezone.utc).timestamp()
        except ValueError:
            pass
    return datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp()


def _internal_ip(node: Obj) -> str:
    for address in node.get("status", {}).get("addresses") or []:
        if address.get("type") == "InternalIP":
            return str(address["address"])
    return ""


def _range_set(allocator: PodIPAllocator) -> str:
    """host-local's RangeSet.String() for the node's podCIDR: first usable to last usable."""
    network = allocator.network
    return f"{network.network_address + 1}-{network.broadcast_address - 1}"


def sandbox_failure(pod: Obj, allocator: PodIPAllocator) -> str:
    """The kubelet's event text when the CNI plugin (kindnet: ptp with host-local IPAM) has no IP left."""
    sandbox = hashlib.sha256(f"sandbox/{pod['metadata'].get('uid', '')}".encode()).hexdigest()
    return (
        "Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "
        f'"{sandbox}": plugin type="ptp" failed (add): failed to allocate for range 0: '
        f"no IP addresses available in range set: {_range_set(allocator)}"
    )


class Kubelets(Controller):
    name = "kubelet"

    def __init__(self, ctx: Context, allocators: dict[str, PodIPAllocator], probe: ReadinessProbe | None = None) -> None:
        super().__init__(ctx)
        self.allocators = allocators
        self.probe = probe
        self.on_pod_stopped: list[Callable[[Obj], None]] = []
        self.on_pod_started: list[Callable[[Obj], None]] = []
        self.runtime: ContainerRuntime | None = None
        self._ips: dict[str, tuple[str, str]] = {}  # pod uid -> (node, IP) this kubelet gave it
        # exits the runtime reported, not yet written to the pod's status: (uid, container) -> exit
        self._exits: dict[tuple[str, str], ContainerExit] = {}
        # the container restart back-off (flowcontrol.Backoff): (uid, container) -> (back-off, last update)
        self._backoff: dict[tuple[str, str], tuple[float, float]] = {}
        self._restart_at: dict[tuple[str, str], float] = {}
        self._terminating: set[str] = set()   # pods whose containers were sent SIGTERM
        self._semantic: dict[str, tuple[object, ...]] = {}   # uid -> semantic_fields as last seen
        self._updated: set[str] = set()   # pods updated since their last sync (a manual probe trigger)

    def register(self) -> None:
        informers = self.ctx.informers
        self.pods = informers.indexer(PODS)
        self.pods.add_index(NODE, by_node)
        informers.add_handler(PODS, self._on_pod)

    def _on_pod(self, change: Change) -> None:
        pod = change.obj
        node = pod.get("spec", {}).get("nodeName")
        if node not in self.allocators:
            return
        if change.type == DELETED:
            self._release(pod)
            self._forget(pod["metadata"].get("uid", ""))
            for hook in self.on_pod_stopped:  # the sandbox goes, however the pod was deleted
                hook(pod)
            return
        if change.prior is None:
            self._adopt_ip(pod)
        uid = pod["metadata"].get("uid", "")
        fields = semantic_fields(pod)
        if uid in self._semantic and self._semantic[uid] != fields:
            self._updated.add(uid)
        self._semantic[uid] = fields
        self.queue.add(change.key)

    def _adopt_ip(self, pod: Obj) -> None:
        """After a restart: the IP a running pod already has stays taken (if it is one of ours)."""
        uid = pod["metadata"].get("uid", "")
        node = pod["spec"].get("nodeName")
        ip = (pod.get("status") or {}).get("podIP")
        if uid in self._ips or not ip or pod["spec"].get("hostNetwork") or node not in self.allocators:
            return
        allocator = self.allocators[node]
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            return
        if address in allocator.network and address not in (allocator.network.network_address, allocator.network.broadcast_address):
            allocator.reserve(ip)
            self._ips[uid] = (node, ip)

    def _release(self, pod: Obj) -> None:
        given = self._ips.pop(pod["metadata"].get("uid", ""), None)
        if given is not None:
            self.allocators[given[0]].release(given[1])

    def resume(self) -> None:
        """Once the runtime is attached: the containers of the pods that run but have no process
        start (after a restart of the cluster, whose processes did not survive, as a node's reboot
        restarts them; and the add-ons the kubelet started while the cluster was being built)."""
        if self.runtime is None:
            return
        for pod in self.ctx.store.items(PODS):
            if pod.get("spec", {}).get("nodeName") not in self.allocators or is_terminating(pod):
                continue
            if (pod.get("status") or {}).get("phase") != "Running":
                continue
            for hook in self.on_pod_started:
                hook(pod)
            for status in pod["status"].get("containerStatuses") or []:
                if "running" in (status.get("state") or {}):
                    self.runtime.ensure_container(pod, status["name"])

    def poke(self) -> None:
        """Look at every pod on our nodes again (a probe finished, a container exited)."""
        for node in sorted(self.allocators):
            for key in sorted(self.pods.by_index(NODE, node)):
                self.queue.add(key)

    # ---- sync ------------------------------------------------------------------------------------
    async def sync(self, key: Key) -> None:
        pod = self.ctx.store.peek(PODS, *key)
        if pod is None or pod["spec"].get("nodeName") not in self.allocators:
            return
        if is_terminating(pod):
            self._stop(pod, key)
            return
        phase = pod.get("status", {}).get("phase")
        now = self.ctx.clock.time()
        if phase == "Pending":
            if not pod.get("status", {}).get("containerStatuses"):
                if not self._admit(pod):
                    return
                pod = self._creating(pod)
            start_at = _ts_seconds(pod["metadata"]["creationTimestamp"]) + self.ctx.pod_start_seconds
            if now < start_at:
                self.queue.add_after(key, start_at - now)
                return
            self._start(pod, key)
        elif phase == "Running":
            stored = self._sync_containers(pod, key, now)
            if stored is not None:
                pod = stored
            if pod.get("status", {}).get("phase") == "Running":
                self._update_readiness(pod, key, now)

    def _node(self, name: str) -> Obj | None:
        return self.ctx.store.peek(NODES, "", name)

    def _admit(self, pod: Obj) -> bool:
        """canAdmitPod: a node runs at most `status.allocatable.pods` pods. A pod bound past that
        (with spec.nodeName, past the scheduler) is rejected as rejectPod does: phase Failed,
        reason OutOfpods, and a Warning event."""
        node_name = pod["spec"]["nodeName"]
        node = self._node(node_name)
        capacity = _max_pods(node) if node is not None else DEFAULT_MAX_PODS
        used = 0
        for key in self.pods.by_index(NODE, node_name):
            other = self.ctx.store.peek(PODS, *key)
            if other is None or other["metadata"].get("uid") == pod["metadata"].get("uid"):
                continue
            status = other.get("status") or {}
            if status.get("phase") not in ("Succeeded", "Failed") and (status.get("containerStatuses") or status.get("phase") == "Running"):
                used += 1
        if used + 1 <= capacity:
            return True
        message = f"Node didn't have enough resource: pods, requested: 1, used: {used}, capacity: {capacity}"
        events.record(self.ctx, pod, "Warning", "OutOfpods", message, COMPONENT, node_name)
        status = {**(pod.get("status") or {}), "phase": "Failed", "reason": "OutOfpods", "message": f"Pod was rejected: {message}"}
        self.ctx.store.update(PODS, replaced(pod, status=status))
        return False

    def _creating(self, pod: Obj) -> Obj:
        """The status a bound pod shows while its sandbox and containers are being made."""
        node = self._node(pod["spec"]["nodeName"])
        changed = copy.deepcopy(pod)
        status = changed.setdefault("status", {})
        stamp = self.ctx.clock.rfc3339()
        names = " ".join(c["name"] for c in changed["spec"].get("containers") or [])
        scheduled = next((c for c in status.get("conditions") or [] if c.get("type") == "PodScheduled"), None)
        status["conditions"] = [
            {"type": "PodReadyToStartContainers", "status": "False", "lastProbeTime": None, "lastTransitionTime": stamp},
            {"type": "Initialized", "status": "True", "lastProbeTime": None, "lastTransitionTime": stamp},
            {"type": "Ready", "status": "False", "lastProbeTime": None, "lastTransitionTime": stamp, "reason": "ContainersNotReady", "message": f"containers with unready status: [{names}]"},
            {"type": "ContainersReady", "status": "False", "lastProbeTime": None, "lastTransitionTime": stamp, "reason": "ContainersNotReady", "message": f"containers with unready status: [{names}]"},
            scheduled or {"type": "PodScheduled", "status": "True", "lastProbeTime": None, "lastTransitionTime": stamp},
        ]
        if node is not None:
            status["hostIP"] = _internal_ip(node)
            status["hostIPs"] = [{"ip": status["hostIP"]}]
        status["startTime"] = stamp
        status["containerStatuses"] = [
            {"name": c["name"], "state": {"waiting": {"reason": "ContainerCreating"}}, "lastState": {}, "ready": False, "restartCount": 0, "image": c.get("image", ""), "imageID": "", "started": False}
            for c in changed["spec"].get("containers") or []
        ]
        return self.ctx.store.update(PODS, changed)

    def _start(self, pod: Obj, key: Key) -> None:
        node_name = pod["spec"]["nodeName"]
        node = self._node(node_name)
        if node is None:
            return
        node_ip = _internal_ip(node)
        uid = pod["metadata"]["uid"]
        if pod["spec"].get("hostNetwork"):
            ip = node_ip
        elif uid in self._ips:
            ip = self._ips[uid][1]
        else:
            allocator = self.allocators[node_name]
            try:
                ip = allocator.allocate_next()
            except AllocationError:
                events.record(self.ctx, pod, "Warning", "FailedCreatePodSandBox", sandbox_failure(pod, allocator), COMPONENT, node_name)
                self.queue.add_after(key, SANDBOX_RETRY_SECONDS)
                return
            self._ips[uid] = (node_name, ip)
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
        for container in containers:
            path = f"spec.containers{{{container['name']}}}"
            events.record(self.ctx, started, "Normal", "Pulled", f'Container image "{container.get("image", "")}" already present on machine', COMPONENT, host, path)
            events.record(self.ctx, started, "Normal", "Created", f"Created container: {container['name']}", COMPONENT, host, path)
            events.record(self.ctx, started, "Normal", "Started", f"Started container {container['name']}", COMPONENT, host, path)
            if images.app_for(container).kind == images.UNKNOWN:
                events.record(self.ctx, started, "Warning", "ImageNotModelled", images.not_modelled_message(container.get("image", "")), COMPONENT, host, path)
        if self.runtime is not None:
            for container in containers:
                self.runtime.start_container(stored, container["name"])
        if has_probe:
            self._update_readiness(self.ctx.store.peek(PODS, *key) or stored, key, self.ctx.clock.time())

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

    def _update_readiness(self, pod: Obj, key: Key, now: float) -> None:
        containers = pod["spec"].get("containers") or []
        if not any(c.get("readinessProbe") for c in containers) or self.probe is None:
            return
        uid = pod["metadata"].get("uid", "")
        triggered = uid in self._updated
        self._updated.discard(uid)
        ready, next_check = self.probe(pod, now, triggered=triggered)
        ready = ready and all("running" in c.get("state", {}) for c in pod["status"].get("containerStatuses") or [])
        if next_check is not None:
            self.queue.add_after(key, max(next_check - now, 0.0))
        conditions = pod["status"].get("conditions") or []
        current = next((c for c in conditions if c["type"] == "Ready"), None)
        if current is not None and (current["status"] == "True") == ready:
            return
        changed = copy.deepcopy(pod)
        for status in changed["status"].get("containerStatuses") or []:
            status["ready"] = ready and "running" in status.get("state", {})
        self._set_ready_conditions(changed, self.ctx.clock.rfc3339())
        self.ctx.store.update(PODS, changed)
        if not ready:
            events.record(self.ctx, changed, "Warning", "Unhealthy", "Readiness probe failed: ", COMPONENT, changed["spec"]["nodeName"], f"spec.containers{{{containers[0]['name']}}}")

    def container_exited(self, namespace: str, name: str, uid: str, exit_code: int, container: str = "",
                         reason: str = "", message: str = "") -> None:
        """The runtime reports a container's main process ended (PLEG's ContainerDied). The status
        is written by the pod's sync, on the work queue. Safe to call from another thread."""
        loop = self.ctx.loop
        if loop is not None and not _on_loop(loop):
            loop.call_soon_threadsafe(self.container_exited, namespace, name, uid, exit_code, container, reason, message)
            return
        pod = self.ctx.store.peek(PODS, namespace, name)
        if pod is None or pod["metadata"]["uid"] != uid:
            return
        if not container:
            container = (pod["spec"].get("containers") or [{}])[0].get("name", "")
        self._exits[(uid, container)] = ContainerExit(exit_code, reason or ("Completed" if exit_code == 0 else "Error"),
                                                      message, self.ctx.clock.time())
        self.queue.add((namespace, name))

    def _sync_containers(self, pod: Obj, key: Key, now: float) -> Obj | None:
        """Write the exits the runtime reported and restart what restartPolicy restarts, with the
        kubelet's back-off (kuberuntime_manager.go doBackOff): the first restart at once, then a
        CrashLoopBackOff of 10 s, doubling to 5 min; reset once the container ran 10 min.
        Returns the pod as stored, or None when nothing changed."""
        uid = pod["metadata"]["uid"]
        names = [c["name"] for c in pod["spec"].get("containers") or []]
        exits = {n: self._exits.pop((uid, n)) for n in names if (uid, n) in self._exits}
        due = [n for n in names if (uid, n) in self._restart_at and self._restart_at[(uid, n)] <= now]
        if not exits and not due:
            return None
        policy = pod["spec"].get("restartPolicy", "Always")
        changed = copy.deepcopy(pod)
        status = changed["status"]
        stamp = self.ctx.clock.rfc3339()
        by_name = {c["name"]: c for c in status.get("containerStatuses") or []}
        restart_now: list[str] = []
        for name, exit_ in exits.items():
            current = by_name.get(name)
            if current is None:
                continue
            started = (current.get("state", {}).get("running") or {}).get("startedAt", stamp)
            terminated = {"exitCode": exit_.code, "reason": exit_.reason, "startedAt": started,
                          "finishedAt": self.ctx.clock.rfc3339(), "containerID": current.get("containerID", "")}
            if exit_.message:
                terminated["message"] = exit_.message
            restarts = policy == "Always" or (policy == "OnFailure" and exit_.code != 0)
            current.update({"ready": False, "started": False})
            if not restarts:
                current["state"] = {"terminated": terminated}
                continue
            current["lastState"] = {"terminated": terminated}
            current["state"] = {"terminated": terminated}
            backoff_key = (uid, name)
            entry = self._backoff.get(backoff_key)
            finished = exit_.finished_at
            if entry is not None and not finished - entry[1] > 2 * BACKOFF_MAX_SECONDS and now - finished < entry[0]:
                self._crash_loop(changed, current, entry[0], finished + entry[0])
                continue
            if entry is None or finished - entry[1] > 2 * BACKOFF_MAX_SECONDS:
                entry = (BACKOFF_INITIAL_SECONDS, now)
            else:
                entry = (min(entry[0] * 2, BACKOFF_MAX_SECONDS), now)
            self._backoff[backoff_key] = entry
            restart_now.append(name)
        for name in due:
            self._restart_at.pop((uid, name), None)
            if name not in restart_now and name in by_name:
                entry = self._backoff.get((uid, name), (BACKOFF_INITIAL_SECONDS, now))
                self._backoff[(uid, name)] = (min(entry[0] * 2, BACKOFF_MAX_SECONDS), now)
                restart_now.append(name)
        for name in restart_now:
            current = by_name[name]
            current.update({"state": {"running": {"startedAt": stamp}}, "restartCount": current.get("restartCount", 0) + 1,
                            "started": True, "ready": not self._has_probe(changed)})
        containers = status.get("containerStatuses") or []
        if containers and all("terminated" in c.get("state", {}) for c in containers):
            failed = any(c["state"]["terminated"].get("exitCode", 0) != 0 for c in containers)
            status["phase"] = "Failed" if failed else "Succeeded"
            for condition in status.get("conditions") or []:
                if condition["type"] in ("Ready", "ContainersReady", "PodReadyToStartContainers"):
                    condition.update({"status": "False", "lastTransitionTime": stamp})
                    if condition["type"] != "PodReadyToStartContainers":
                        condition["reason"] = "PodCompleted"
                        condition.pop("message", None)
        else:
            self._set_ready_conditions(changed, stamp)
        stored = self.ctx.store.update(PODS, changed)
        node = pod["spec"]["nodeName"]
        for name in restart_now:
            path = f"spec.containers{{{name}}}"
            image = next((c.get("image", "") for c in pod["spec"]["containers"] if c["name"] == name), "")
            events.record(self.ctx, stored, "Normal", "Pulled", f'Container image "{image}" already present on machine', COMPONENT, node, path)
            events.record(self.ctx, stored, "Normal", "Created", f"Created container: {name}", COMPONENT, node, path)
            events.record(self.ctx, stored, "Normal", "Started", f"Started container {name}", COMPONENT, node, path)
            if self.runtime is not None:
                self.runtime.start_container(stored, name)
        for name in [n for n in names if (uid, n) in self._restart_at]:
            self.queue.add_after(key, max(self._restart_at[(uid, name)] - now, 0.0))
        return stored

    def _crash_loop(self, pod: Obj, current: Obj, backoff: float, restart_at: float) -> None:
        """doBackOff: still in back-off; the container waits, the kubelet comes back when it ends."""
        name = current["name"]
        message = f"back-off {go_duration(backoff)} restarting failed container={name} pod={format_pod(pod)}"
        current["state"] = {"waiting": {"reason": "CrashLoopBackOff", "message": message}}
        self._restart_at[(pod["metadata"]["uid"], name)] = restart_at
        events.record(self.ctx, pod, "Warning", "BackOff", f"Back-off restarting failed container {name} in pod {format_pod(pod)}",
                      COMPONENT, pod["spec"]["nodeName"], f"spec.containers{{{name}}}")

    @staticmethod
    def _has_probe(pod: Obj) -> bool:
        return any(c.get("readinessProbe") for c in pod["spec"].get("containers") or [])

    def _set_ready_conditions(self, pod: Obj, stamp: str) -> None:
        statuses = pod["status"].get("containerStatuses") or []
        ready = bool(statuses) and all(c.get("ready") for c in statuses)
        unready = [c["name"] for c in statuses if not c.get("ready")]
        for condition in pod["status"].get("conditions") or []:
            if condition["type"] in ("Ready", "ContainersReady"):
                if (condition["status"] == "True") != ready:
                    condition.update({"status": "True" if ready else "False", "lastTransitionTime": stamp})
                if ready:
                    condition.pop("reason", None)
                    condition.pop("message", None)
                else:
                    condition["reason"] = "ContainersNotReady"
                    condition["message"] = f"containers with unready status: [{' '.join(unready)}]"

    # ---- stopping ------------------------------------------------------------------------------
    def _stop(self, pod: Obj, key: Key) -> None:
        """Graceful deletion as the kubelet does it (killContainersWithSyncResult): the containers get
        SIGTERM at once (a Killing event each); the pod goes when none is left running, or when its
        grace period (deletionGracePeriodSeconds, capped by the cluster's pod stop delay so tests and
        lessons stay fast) is over, and what is left is killed."""
        meta = pod["metadata"]
        uid = meta.get("uid", "")
        running = pod["spec"].get("nodeName") and pod.get("status", {}).get("phase") == "Running"
        if running:
            if uid not in self._terminating:
                self._terminating.add(uid)
                for container in pod["spec"].get("containers") or []:
                    events.record(self.ctx, pod, "Normal", "Killing", f"Stopping container {container['name']}", COMPONENT, pod["spec"]["nodeName"], f"spec.containers{{{container['name']}}}")
            all_stopped = self.runtime.terminate_pod(pod) if self.runtime is not None else False
            stop_at = _ts_seconds(meta["deletionTimestamp"]) + min(self.ctx.pod_stop_seconds, float(meta.get("deletionGracePeriodSeconds", 30)))
            now = self.ctx.clock.time()
            if not all_stopped and now < stop_at:
                self.queue.add_after(key, stop_at - now)
                return
            if self.runtime is not None:
                self.runtime.kill_pod(pod)
        self._forget(uid)
        self.ctx.registry.remove(PODS, meta["namespace"], meta["name"])  # the DELETED event releases the IP

    def _forget(self, uid: str) -> None:
        self._terminating.discard(uid)
        self._semantic.pop(uid, None)
        self._updated.discard(uid)
        for table in (self._exits, self._backoff, self._restart_at):
            for k in [k for k in table if k[0] == uid]:
                del table[k]
