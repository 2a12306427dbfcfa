"""ReplicaSet controller (pkg/controller/replicaset): keep spec.replicas active pods from the template.

As the real one: at most `burstReplicas` (500) creations or deletions per sync; creations in
slow-start batches (1, 2, 4, ...) that stop at the first failed batch; expectations, so a sync waits
until the informer has seen what the last one did; a failed create is a `FailedCreate` Warning
event with the apiserver's message and a `ReplicaFailure` condition on the ReplicaSet, and the
key is retried with backoff. Pods are named `<rs>-<5 random>` from a stream of the ReplicaSet's own.
"""

from __future__ import annotations

import copy
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Awaitable, Callable

from svclab.controllers import events
from svclab.controllers.base import PODS, REPLICASETS, Context, Controller, Obj, controller_of, error_text, is_pod_active, is_pod_ready, is_terminating
from svclab.controllers.expectations import Expectations
from svclab.controllers.informer import DELETED, Change
from svclab.state.index import CONTROLLER, UID, Key, by_controller, by_uid
from svclab.validation import messages
from svclab.validation.errors import ApiError

BURST_REPLICAS = 500
SLOW_START_INITIAL_BATCH_SIZE = 1
DELETION_COST = "controller.kubernetes.io/pod-deletion-cost"


def pod_from_template(ctx: Context, owner: Obj, name: str, extra_labels: dict[str, str] | None = None) -> Obj:
    template = copy.deepcopy(owner["spec"]["template"])
    meta = template.get("metadata") or {}
    labels = {**(meta.get("labels") or {}), **(extra_labels or {})}
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": owner["metadata"]["namespace"],
            "labels": labels,
            "ownerReferences": [ctx.owner_ref(owner)],
        },
        "spec": template.get("spec") or {},
        "status": {"phase": "Pending", "qosClass": "BestEffort"},
    }
    if meta.get("annotations"):
        pod["metadata"]["annotations"] = meta["annotations"]
    if owner["kind"] == "ReplicaSet":
        pod["metadata"]["generateName"] = f"{owner['metadata']['name']}-"
    return pod


async def slow_start_batch(count: int, initial: int, create: Callable[[], Awaitable[None]], checkpoint: Callable[..., Awaitable[None]]) -> tuple[int, Exception | None]:
    """slowStartBatch: batches of 1, 2, 4, ... calls; a batch with a failure ends the run."""
    remaining, successes = count, 0
    batch = min(remaining, initial)
    while batch > 0:
        failures: list[Exception] = []
        for _ in range(batch):
            try:
                await create()
            except Exception as exc:
                failures.append(exc)
            await checkpoint(2)
        successes += batch - len(failures)
        if failures:
            return successes, failures[0]
        remaining -= batch
        batch = min(2 * batch, remaining)
    return successes, None


def namespace_terminating(exc: Exception) -> bool:
    """apierrors.HasStatusCause(err, v1.NamespaceTerminatingCause)."""
    if not isinstance(exc, ApiError):
        return False
    causes = (exc.status.get("details") or {}).get("causes") or []
    return any(cause.get("reason") == messages.NAMESPACE_TERMINATING_CAUSE_TYPE for cause in causes)


def _ts(stamp: str | None) -> float:
    if not stamp:
        return 0.0
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp()


def ready_since(pod: Obj) -> float | None:
    for condition in pod.get("status", {}).get("conditions") or []:
        if condition.get("type") == "Ready" and condition.get("status") == "True":
            return _ts(condition.get("lastTransitionTime"))
    return None


def is_pod_available(pod: Obj, min_ready_seconds: int, now: float) -> bool:
    """podutil.IsPodAvailable: Ready for at least minReadySeconds."""
    since = ready_since(pod)
    if since is None:
        return False
    return min_ready_seconds <= 0 or since + min_ready_seconds <= now


def _deletion_order(pods: list[Obj], related: list[Obj]) -> list[Obj]:
    """controller.ActivePodsWithRanks: the pods to delete first come first."""
    on_node: dict[str, int] = {}
    for pod in related:
        if is_pod_active(pod):
            node = pod["spec"].get("nodeName") or ""
            on_node[node] = on_node.get(node, 0) + 1

    def rank(pod: Obj) -> tuple[Any, ...]:
        spec, status = pod["spec"], pod.get("status", {})
        phase = {"Pending": 0, "Unknown": 1, "Running": 2}.get(status.get("phase", "Pending"), 2)
        ready = is_pod_ready(pod)
        try:
            cost = int((pod["metadata"].get("annotations") or {}).get(DELETION_COST, "0"))
        except ValueError:
            cost = 0
        since = ready_since(pod) or 0.0
        restarts = sum(int(c.get("restartCount", 0)) for c in status.get("containerStatuses") or [])
        created = _ts(pod["metadata"].get("creationTimestamp"))
        return (
            1 if spec.get("nodeName") else 0,  # unassigned first
            phase,  # Pending < Unknown < Running
            1 if ready else 0,  # not ready first
            cost,  # lower deletion cost first
            -on_node.get(spec.get("nodeName") or "", 0),  # doubled-up pods first
            -since if ready else 0.0,  # ready for less time first
            -restarts,  # more restarts first
            -created,  # newer first
            pod["metadata"]["name"],
        )

    return sorted(pods, key=rank)


@dataclass
class _Owned:
    """What the pods of one controller add up to."""

    active: int = 0
    terminating: int = 0
    ready: set[Key] = field(default_factory=set)
    labels: Counter[frozenset[tuple[str, str]]] = field(default_factory=Counter)  # of the active pods


class PodTally:
    """Counts of each controller's pods, kept current from pod events (each event moves one pod's
    share), so a ReplicaSet's status costs the same with 5 pods or 20,000."""

    def __init__(self) -> None:
        self._owners: dict[str, _Owned] = {}
        self._pods: dict[Key, tuple[str, bool, bool, bool, frozenset[tuple[str, str]]]] = {}

    def update(self, key: Key, pod: Obj | None) -> None:
        old = self._pods.pop(key, None)
        if old is not None:
            self._apply(key, old, -1)
        ref = controller_of(pod) if pod is not None else None
        if pod is None or ref is None or not ref.get("uid"):
            return
        active, ready, deleting = _pod_state(pod)
        share = (str(ref["uid"]), active, ready, deleting, frozenset((pod["metadata"].get("labels") or {}).items()))
        self._pods[key] = share
        self._apply(key, share, 1)

    def _apply(self, key: Key, share: tuple[str, bool, bool, bool, frozenset[tuple[str, str]]], sign: int) -> None:
        uid, active, ready, deleting, labels = share
        owned = self._owners.setdefault(uid, _Owned())
        owned.terminating += sign * deleting
        if active:
            owned.active += sign
            owned.labels[labels] += sign
            if owned.labels[labels] <= 0:
                del owned.labels[labels]
            if ready:
                (owned.ready.add if sign > 0 else owned.ready.discard)(key)
        if not owned.active and not owned.terminating and not owned.ready:
            del self._owners[uid]

    def of(self, uid: str) -> _Owned:
        return self._owners.get(uid) or _Owned()


class ReplicaSetController(Controller):
    name = "replicaset"
    component = "replicaset-controller"

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.expectations = Expectations(ctx.clock.time)
        self.tally = PodTally()

    def register(self) -> None:
        informers = self.ctx.informers
        self.pods = informers.indexer(PODS)
        self.pods.add_index(CONTROLLER, by_controller)
        self.pods.add_projection("replicaset", _pod_state)
        self.sets = informers.indexer(REPLICASETS)
        self.sets.add_index(CONTROLLER, by_controller)
        self.sets.add_index(UID, by_uid)
        informers.add_handler(REPLICASETS, self._on_set)
        informers.add_handler(PODS, self._on_pod)

    # ---- event handlers ------------------------------------------------------------------------
    def _on_set(self, change: Change) -> None:
        if change.type == DELETED:
            self.expectations.delete(change.key)
            self.ctx.names.forget(change.obj["metadata"].get("uid", ""))
        self.queue.add(change.key)

    def _owner_key(self, namespace: str, ref: Obj | None, uid: str | None = None) -> Key | None:
        """resolveControllerRef: the ReplicaSet a controllerRef names, if it is still that one."""
        if ref is None or ref.get("kind") != "ReplicaSet":
            return None
        rs = self.ctx.store.peek(REPLICASETS, namespace, ref.get("name", ""))
        if rs is None or rs["metadata"].get("uid") != (uid or ref.get("uid")):
            return None
        return (namespace, ref["name"])

    def _on_pod(self, change: Change) -> None:
        pod = change.obj
        ns = pod["metadata"].get("namespace", "")
        key = change.key
        self.tally.update(key, None if change.type == DELETED else pod)
        owner = self._owner_key(ns, controller_of(pod))
        prior = change.prior
        if change.type == DELETED or (is_terminating(pod) and (prior is None or not prior.projections.get("replicaset", (False, False, False))[2])):
            if owner is not None:
                self.expectations.deletion_observed(owner, key)
                self.queue.add(owner)
            return
        if prior is None:  # added (or listed at start)
            if owner is not None:
                if change.type != "SYNC":
                    self.expectations.creation_observed(owner)
                self.queue.add(owner)
            return
        old_uid = prior.value(CONTROLLER)
        if old_uid and old_uid != (controller_of(pod) or {}).get("uid"):
            for old_owner in sorted(self.sets.by_index(UID, old_uid)):  # the controllerRef changed
                self.queue.add(old_owner)
        if owner is None:
            return
        now_state = _pod_state(pod)
        if now_state != prior.projections.get("replicaset") or prior.labels != (pod["metadata"].get("labels") or {}):
            self.queue.add(owner)
            rs = self.ctx.store.peek(REPLICASETS, *owner)
            min_ready = int((rs or {}).get("spec", {}).get("minReadySeconds", 0) or 0)
            if min_ready > 0 and now_state[1] and not prior.projections.get("replicaset", (False, False, False))[1]:
                self.queue.add_after(owner, min_ready + 1)

    # ---- sync ------------------------------------------------------------------------------------
    async def sync(self, key: Key) -> None:
        rs = self.ctx.store.peek(REPLICASETS, *key)
        if rs is None:
            self.expectations.delete(key)
            return
        needs_sync = self.expectations.satisfied(key)
        error: Exception | None = None
        if needs_sync and not is_terminating(rs):
            error = await self._manage(rs, self.tally.of(rs["metadata"]["uid"]).active)
        rs = self.ctx.store.peek(REPLICASETS, *key) or rs
        await self._write_status(rs, error)
        if error is not None:
            raise error

    async def _manage(self, rs: Obj, active: int) -> Exception | None:
        key = (rs["metadata"]["namespace"], rs["metadata"]["name"])
        want = int(rs["spec"].get("replicas", 1))
        diff = active - want
        if diff < 0:
            count = min(-diff, BURST_REPLICAS)
            self.expectations.expect_creations(key, count)
            successes, error = await slow_start_batch(count, SLOW_START_INITIAL_BATCH_SIZE, lambda: self._create(rs), self.ctx.checkpoint)
            for _ in range(count - successes):  # skipped pods will not be observed
                self.expectations.creation_observed(key)
            return error
        if diff > 0:
            count = min(diff, BURST_REPLICAS)
            pods = await self._active_pods(rs)
            victims = _deletion_order(pods, self._related(rs))[:count]
            self.expectations.expect_deletions(key, [(p["metadata"]["namespace"], p["metadata"]["name"]) for p in victims])
            first: Exception | None = None
            for pod in victims:
                error = self._delete(rs, pod)
                if error is not None and first is None:
                    first = error
                await self.ctx.checkpoint(2)
            return first
        return None

    async def _active_pods(self, rs: Obj) -> list[Obj]:
        pods = []
        for count, pod_key in enumerate(sorted(self.pods.by_index(CONTROLLER, rs["metadata"]["uid"])), 1):
            pod = self.ctx.store.peek(PODS, *pod_key)
            if pod is not None and is_pod_active(pod):
                pods.append(pod)
            if count % 512 == 0:
                await self.ctx.checkpoint()
        return pods

    async def _create(self, rs: Obj) -> None:
        ns, rs_name = rs["metadata"]["namespace"], rs["metadata"]["name"]
        name = self.ctx.names.generate(f"{rs_name}-", rs, lambda n: self.ctx.store.peek(PODS, ns, n) is not None)
        pod = pod_from_template(self.ctx, rs, name)
        try:
            created = self.ctx.registry.create(PODS, ns, pod)
        except Exception as exc:
            if namespace_terminating(exc):
                return  # any creation will fail: nothing to report
            events.record(self.ctx, rs, "Warning", "FailedCreate", f"Error creating: {error_text(exc)}", self.component)
            raise
        events.record(self.ctx, rs, "Normal", "SuccessfulCreate", f"Created pod: {created['metadata']['name']}", self.component)

    def _delete(self, rs: Obj, pod: Obj) -> Exception | None:
        ns, name = pod["metadata"]["namespace"], pod["metadata"]["name"]
        try:
            self.ctx.registry.delete(PODS, ns, name)
        except Exception as exc:
            self.expectations.deletion_observed((ns, rs["metadata"]["name"]), (ns, name))
            if isinstance(exc, ApiError) and exc.code == 404:
                return None
            events.record(self.ctx, rs, "Warning", "FailedDelete", f"Error deleting: {error_text(exc)}", self.component)
            return exc
        events.record(self.ctx, rs, "Normal", "SuccessfulDelete", f"Deleted pod: {name}", self.component)
        return None

    def _related(self, rs: Obj) -> list[Obj]:
        """getIndirectlyRelatedPods: the pods of every ReplicaSet with the same controller."""
        owner = controller_of(rs)
        if owner is None:
            return []
        related: list[Obj] = []
        for rs_key in sorted(self.sets.by_index(CONTROLLER, owner.get("uid", ""))):
            sibling = self.ctx.store.peek(REPLICASETS, *rs_key)
            if sibling is None:
                continue
            for pod_key in sorted(self.pods.by_index(CONTROLLER, sibling["metadata"]["uid"])):
                pod = self.ctx.store.peek(PODS, *pod_key)
                if pod is not None:
                    related.append(pod)
        return related

    async def _write_status(self, rs: Obj, error: Exception | None) -> None:
        """calculateStatus: counts of the pods as they are now, the ReplicaFailure condition."""
        template_labels = ((rs["spec"].get("template") or {}).get("metadata") or {}).get("labels") or {}
        min_ready = int(rs["spec"].get("minReadySeconds", 0) or 0)
        now = self.ctx.clock.time()
        owned = self.tally.of(rs["metadata"]["uid"])
        replicas, terminating, ready = owned.active, owned.terminating, len(owned.ready)
        wanted = template_labels.items()
        labeled = sum(count for labels, count in owned.labels.items() if wanted <= dict(labels).items())
        if min_ready <= 0:
            available = ready
        else:
            available = 0
            for count, pod_key in enumerate(sorted(owned.ready), 1):
                pod = self.ctx.store.peek(PODS, *pod_key)
                available += pod is not None and is_pod_available(pod, min_ready, now)
                if count % 256 == 0:
                    await self.ctx.checkpoint()
        old = rs.get("status") or {}
        conditions = [c for c in old.get("conditions") or [] if c.get("type") != "ReplicaFailure"]
        failure = next((c for c in old.get("conditions") or [] if c.get("type") == "ReplicaFailure"), None)
        if error is not None:
            if failure is None:
                reason = "FailedCreate" if replicas < int(rs["spec"].get("replicas", 1)) else "FailedDelete"
                failure = {"type": "ReplicaFailure", "status": "True", "lastTransitionTime": self.ctx.clock.rfc3339(), "reason": reason, "message": error_text(error)}
            conditions.append(failure)
        status: Obj = {
            "replicas": replicas,
            "fullyLabeledReplicas": labeled,
            "readyReplicas": ready,
            "availableReplicas": available,
            "terminatingReplicas": terminating,
            "observedGeneration": rs["metadata"].get("generation", 1),
        }
        status = {k: v for k, v in status.items() if v or k in ("replicas", "observedGeneration")}
        if conditions:
            status["conditions"] = conditions
        self.ctx.set_status(REPLICASETS, rs, status)
        if error is None and min_ready > 0 and ready == int(rs["spec"].get("replicas", 1)) and available != ready:
            self.queue.add_after((rs["metadata"]["namespace"], rs["metadata"]["name"]), float(min_ready))


def _pod_state(pod: Obj) -> tuple[bool, bool, bool]:
    """What a ReplicaSet's status counts of a pod: (active, ready, being deleted)."""
    return (is_pod_active(pod), is_pod_ready(pod), is_terminating(pod))
