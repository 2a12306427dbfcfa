"""The scheduler (pkg/scheduler): bind each pending pod to a node that passes the filters.

Filters, in the default profile's order: NodeUnschedulable, TaintToleration (NoSchedule and
NoExecute taints), NodeAffinity (nodeSelector), NodeResourcesFit (here only the pod count: a node
holds at most `status.allocatable.pods` pods, 110 on kind). Among the nodes that pass, the one with
the fewest pods of the same owner, then the fewest pods, then the first by name.

A pod no node can take stays Pending with a `FailedScheduling` Warning event and the condition
`PodScheduled=False, reason Unschedulable`, both with the scheduler's FitError text, e.g.

    0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: },
    2 Too many pods. preemption: 0/3 nodes are available: 1 Preemption is not helpful for
    scheduling, 2 No preemption victims found for incoming pod..

(framework.FitError.Error; the `preemption:` part is DefaultPreemption's PostFilter message; the
doubled period is the real one). Such a pod is tried again when a node is added or changes or an
assigned pod goes away, and every 5 minutes (podMaxInUnschedulablePodsDuration). All pods here have
the same priority, so preemption never finds a victim.
"""

from __future__ import annotations

from svclab.controllers import events
from svclab.controllers.base import NODES, PODS, Context, Controller, Obj, controller_of, is_terminating, replaced
from svclab.controllers.informer import DELETED, Change
from svclab.state.index import CONTROLLER, NODE, Key, by_controller, by_node

COMPONENT = "default-scheduler"
UNSCHEDULABLE_FLUSH_SECONDS = 300.0
DEFAULT_MAX_PODS = 110
NO_NODES = "no nodes available to schedule pods"  # scheduler.ErrNoNodesAvailable

UNRESOLVABLE = "unresolvable"  # framework.UnschedulableAndUnresolvable: preemption cannot help
RESOLVABLE = "resolvable"  # framework.Unschedulable


def tolerates(pod: Obj, taint: Obj) -> bool:
    """v1helper.TolerationsTolerateTaint."""
    for toleration in pod.get("spec", {}).get("tolerations") or []:
        if toleration.get("effect") not in (None, "", taint.get("effect")):
            continue
        operator = toleration.get("operator") or "Equal"
        if operator == "Exists" and (not toleration.get("key") or toleration.get("key") == taint.get("key")):
            return True
        if operator == "Equal" and toleration.get("key") == taint.get("key") and (toleration.get("value") or "") == (taint.get("value") or ""):
            return True
    return False


def max_pods(node: Obj) -> int:
    """The node's allocatable pod count (kind's nodes: 110)."""
    value = ((node.get("status") or {}).get("allocatable") or {}).get("pods")
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return DEFAULT_MAX_PODS


def _occupies(pod: Obj) -> bool:
    """A pod in the scheduler's cache: bound and not finished."""
    return (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed")


def _scheduling_inputs(pod: Obj) -> str:
    """What the filters read of a pod; a change to it is worth another try."""
    spec = pod.get("spec") or {}
    return repr((spec.get("tolerations"), spec.get("nodeSelector"), spec.get("nodeName")))


def fit_error(total: int, reasons: dict[str, tuple[str, int]]) -> str:
    """framework.FitError.Error() with DefaultPreemption's PostFilter message appended."""
    histogram = sorted(f"{count} {reason}" for reason, (_, count) in reasons.items())
    message = f"0/{total} nodes are available: {', '.join(histogram)}."
    unresolvable = sum(count for kind, count in reasons.values() if kind == UNRESOLVABLE)
    resolvable = total - unresolvable
    preemption = []
    if unresolvable:
        preemption.append(f"{unresolvable} Preemption is not helpful for scheduling")
    if resolvable:
        preemption.append(f"{resolvable} No preemption victims found for incoming pod")
    if total:
        message += f" preemption: 0/{total} nodes are available: {', '.join(sorted(preemption))}.."
    return message


class Scheduler(Controller):
    name = "scheduler"

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.unschedulable: set[Key] = set()

    def register(self) -> None:
        informers = self.ctx.informers
        self.pods = informers.indexer(PODS)
        self.pods.add_index(NODE, by_node)
        self.pods.add_index(CONTROLLER, by_controller)
        self.pods.add_projection("scheduling", _scheduling_inputs)
        self.pods.add_projection("occupies", _occupies)
        self.nodes = informers.indexer(NODES)
        informers.add_handler(PODS, self._on_pod)
        informers.add_handler(NODES, self._on_node)

    # ---- event handlers ------------------------------------------------------------------------
    def _on_pod(self, change: Change) -> None:
        pod = change.obj
        bound = bool(pod.get("spec", {}).get("nodeName"))
        if change.type == DELETED or bound or is_terminating(pod):
            self.unschedulable.discard(change.key)
            was_bound = bool(change.prior.value(NODE)) if change.prior else bound
            if change.type == DELETED and was_bound:
                self._move_all()  # a node has room again
            return
        if pod.get("status", {}).get("phase") in ("Succeeded", "Failed"):
            return
        if change.key in self.unschedulable and change.prior is not None and change.prior.projections.get("scheduling") == _scheduling_inputs(pod):
            return  # our own status write, or a change the filters do not read: wait for a cluster event
        self.queue.add(change.key)

    def _on_node(self, change: Change) -> None:
        if change.type != DELETED:
            self._move_all()

    def _move_all(self) -> None:
        """MoveAllToActiveOrBackoffQueue: the cluster changed, unschedulable pods may fit now."""
        for key in sorted(self.unschedulable):
            self.queue.add(key)

    # ---- scheduling ------------------------------------------------------------------------------
    async def sync(self, key: Key) -> None:
        pod = self.ctx.store.peek(PODS, *key)
        if pod is None or pod["spec"].get("nodeName") or is_terminating(pod):
            self.unschedulable.discard(key)
            return
        nodes = [n for n in (self.ctx.store.peek(NODES, "", name) for _, name in self.nodes.keys()) if n is not None]
        feasible: list[Obj] = []
        reasons: dict[str, tuple[str, int]] = {}
        for node in nodes:
            failure = self._filter(pod, node)
            if failure is None:
                feasible.append(node)
            else:
                kind, text = failure
                reasons[text] = (kind, reasons.get(text, (kind, 0))[1] + 1)
        if not nodes:
            self._unschedulable(pod, key, NO_NODES)
            return
        if not feasible:
            self._unschedulable(pod, key, fit_error(len(nodes), reasons))
            return
        self.unschedulable.discard(key)
        self._bind(pod, min(feasible, key=lambda node: self._score(pod, node)))

    def _filter(self, pod: Obj, node: Obj) -> tuple[str, str] | None:
        spec = node.get("spec") or {}
        if spec.get("unschedulable") and not tolerates(pod, {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}):
            return UNRESOLVABLE, "node(s) were unschedulable"
        for taint in spec.get("taints") or []:
            if taint.get("effect") in ("NoSchedule", "NoExecute") and not tolerates(pod, taint):
                return UNRESOLVABLE, f"node(s) had untolerated taint {{{taint.get('key', '')}: {taint.get('value', '')}}}"
        selector = pod["spec"].get("nodeSelector") or {}
        labels = node["metadata"].get("labels") or {}
        if any(labels.get(k) != v for k, v in selector.items()):
            return UNRESOLVABLE, "node(s) didn't match Pod's node affinity/selector"
        if self._pods_on(node["metadata"]["name"]) + 1 > max_pods(node):
            return RESOLVABLE, "Too many pods"
        return None

    def _pods_on(self, node_name: str) -> int:
        return sum(1 for key in self.pods.by_index(NODE, node_name) if self.pods.projection(key, "occupies"))

    def _score(self, pod: Obj, node: Obj) -> tuple[int, int, str]:
        name = node["metadata"]["name"]
        owner = (controller_of(pod) or {}).get("uid")
        on_node = self.pods.by_index(NODE, name)
        siblings = sum(1 for key in on_node if owner and self.pods.values(key, CONTROLLER) == (owner,)) if owner else 0
        return (siblings, len(on_node), name)

    def _bind(self, pod: Obj, node: Obj) -> None:
        """pods/binding: spec.nodeName and PodScheduled=True (the kubelet writes the rest)."""
        stamp = self.ctx.clock.rfc3339()
        status = dict(pod.get("status") or {})
        conditions = [c for c in status.get("conditions") or [] if c.get("type") != "PodScheduled"]
        conditions.append({"type": "PodScheduled", "status": "True", "lastProbeTime": None, "lastTransitionTime": stamp})
        status["conditions"] = conditions
        bound = replaced(pod, spec={**pod["spec"], "nodeName": node["metadata"]["name"]}, status=status)
        self.ctx.store.update(PODS, bound)
        namespace = pod["metadata"].get("namespace", "")
        events.record(self.ctx, bound, "Normal", "Scheduled", f"Successfully assigned {namespace}/{pod['metadata']['name']} to {node['metadata']['name']}", COMPONENT)

    def _unschedulable(self, pod: Obj, key: Key, message: str) -> None:
        self.unschedulable.add(key)
        self.queue.add_after(key, UNSCHEDULABLE_FLUSH_SECONDS)
        events.record(self.ctx, pod, "Warning", "FailedScheduling", message, COMPONENT)
        status = pod.get("status") or {}
        current = next((c for c in status.get("conditions") or [] if c.get("type") == "PodScheduled"), None)
        if current is not None and current.get("status") == "False" and current.get("message") == message:
            return
        conditions = [c for c in status.get("conditions") or [] if c.get("type") != "PodScheduled"]
        conditions.append({"type": "PodScheduled", "status": "False", "lastProbeTime": None, "lastTransitionTime": self.ctx.clock.rfc3339(), "reason": "Unschedulable", "message": message})
        self.ctx.store.update(PODS, replaced(pod, status={**status, "conditions": conditions}))
