"""StatefulSet controller (pkg/controller/statefulset): stable names <set>-<ordinal>, hostname and
subdomain for per-pod DNS, OrderedReady or Parallel management, scale-down from the highest ordinal,
rolling updates from the highest ordinal down.

It syncs one StatefulSet at a time from its queue, woken by the set and by its pods. A pod it
cannot create or delete is a `FailedCreate` / `FailedDelete` Warning event on the set with the
real text (`create Pod web-0 in StatefulSet web failed error: ...`, recordPodEvent in
stateful_pod_control.go) and a retry with backoff; nothing else in the cluster notices."""

from __future__ import annotations

import re

from svclab.controllers import events
from svclab.controllers.base import PODS, STATEFULSETS, Context, Controller, Obj, controller_of, error_text, is_pod_ready, is_terminating, owned_by
from svclab.controllers.informer import Change
from svclab.controllers.replicaset import namespace_terminating, pod_from_template
from svclab.registry.names import template_hash
from svclab.state.index import CONTROLLER, Key, by_controller

REVISION_LABEL = "controller-revision-hash"
POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"
POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"


def ordinal_of(set_name: str, pod: Obj) -> int | None:
    match = re.fullmatch(re.escape(set_name) + r"-(\d+)", pod["metadata"]["name"])
    return int(match.group(1)) if match else None


def _running_and_ready(pod: Obj) -> bool:
    return pod.get("status", {}).get("phase") == "Running" and is_pod_ready(pod) and not is_terminating(pod)


class StatefulSetController(Controller):
    name = "statefulset"
    component = "statefulset-controller"

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)

    def register(self) -> None:
        informers = self.ctx.informers
        self.pods = informers.indexer(PODS)
        self.pods.add_index(CONTROLLER, by_controller)
        informers.add_handler(STATEFULSETS, lambda change: self.queue.add(change.key))
        informers.add_handler(PODS, self._on_pod)

    def _on_pod(self, change: Change) -> None:
        ref = controller_of(change.obj)
        if ref is not None and ref.get("kind") == "StatefulSet":
            self.queue.add((change.key[0], ref.get("name", "")))
        old_uid = change.prior.value(CONTROLLER) if change.prior else None
        if old_uid and old_uid != (ref or {}).get("uid"):
            for key in self.ctx.informers.indexer(STATEFULSETS).keys(change.key[0]):
                sts = self.ctx.store.peek(STATEFULSETS, *key)
                if sts is not None and sts["metadata"].get("uid") == old_uid:
                    self.queue.add(key)

    async def sync(self, key: Key) -> None:
        sts = self.ctx.store.peek(STATEFULSETS, *key)
        if sts is None or is_terminating(sts):
            return
        await self._sync_one(sts)

    def _revision(self, sts: Obj) -> str:
        return f"{sts['metadata']['name']}-{template_hash(sts['spec']['template'])}"

    def _pods(self, sts: Obj) -> dict[int, Obj]:
        name = sts["metadata"]["name"]
        found: dict[int, Obj] = {}
        for pod_key in sorted(self.pods.by_index(CONTROLLER, sts["metadata"]["uid"])):
            pod = self.ctx.store.peek(PODS, *pod_key)
            if pod is None:
                continue
            ordinal = ordinal_of(name, pod)
            if ordinal is not None and owned_by(pod, sts):
                found[ordinal] = pod
        return found

    async def _sync_one(self, sts: Obj) -> None:
        spec = sts["spec"]
        replicas = int(spec.get("replicas", 1))
        start = int((spec.get("ordinals") or {}).get("start", 0))
        parallel = spec.get("podManagementPolicy") == "Parallel"
        revision = self._revision(sts)
        pods = self._pods(sts)
        wanted = range(start, start + replicas)
        try:
            for ordinal in wanted:
                pod = pods.get(ordinal)
                if pod is None:
                    self._create(sts, ordinal, revision)
                    await self.ctx.checkpoint(2)
                    if not parallel:
                        break
                    continue
                if not parallel and not _running_and_ready(pod):
                    break
            else:
                self._scale_down(sts, pods, wanted, parallel)
                self._roll(sts, self._pods(sts), wanted, revision)
        finally:  # the status is written whatever happened to the pods
            self._write_status(self.ctx.store.peek(STATEFULSETS, sts["metadata"]["namespace"], sts["metadata"]["name"]) or sts, revision)

    def _create(self, sts: Obj, ordinal: int, revision: str) -> None:
        set_name = sts["metadata"]["name"]
        name = f"{set_name}-{ordinal}"
        if self.ctx.store.peek(PODS, sts["metadata"]["namespace"], name) is not None:
            return  # the old pod is still terminating: wait for it to go
        pod = pod_from_template(self.ctx, sts, name, {REVISION_LABEL: revision, POD_NAME_LABEL: name, POD_INDEX_LABEL: str(ordinal)})
        pod["spec"]["hostname"] = name
        if sts["spec"].get("serviceName"):
            pod["spec"]["subdomain"] = sts["spec"]["serviceName"]
        try:
            self.ctx.registry.create(PODS, sts["metadata"]["namespace"], pod)
        except Exception as exc:
            if namespace_terminating(exc):
                return
            events.record(self.ctx, sts, "Warning", "FailedCreate", f"create Pod {name} in StatefulSet {set_name} failed error: {error_text(exc)}", self.component)
            raise
        events.record(self.ctx, sts, "Normal", "SuccessfulCreate", f"create Pod {name} in StatefulSet {set_name} successful", self.component)

    def _delete(self, sts: Obj, pod: Obj) -> None:
        name = pod["metadata"]["name"]
        try:
            self.ctx.registry.delete(PODS, sts["metadata"]["namespace"], name)
        except Exception as exc:
            events.record(self.ctx, sts, "Warning", "FailedDelete", f"delete Pod {name} in StatefulSet {sts['metadata']['name']} failed error: {error_text(exc)}", self.component)
            raise
        events.record(self.ctx, sts, "Normal", "SuccessfulDelete", f"delete Pod {name} in StatefulSet {sts['metadata']['name']} successful", self.component)

    def _scale_down(self, sts: Obj, pods: dict[int, Obj], wanted: range, parallel: bool) -> None:
        extra = sorted((o for o in pods if o not in wanted), reverse=True)
        for ordinal in extra:
            pod = pods[ordinal]
            if is_terminating(pod):
                if not parallel:
                    return
                continue
            if not parallel and not all(_running_and_ready(pods[o]) for o in pods if o in wanted):
                return
            self._delete(sts, pod)
            if not parallel:
                return

    def _roll(self, sts: Obj, pods: dict[int, Obj], wanted: range, revision: str) -> None:
        strategy = sts["spec"].get("updateStrategy") or {}
        if strategy.get("type", "RollingUpdate") != "RollingUpdate":
            return
        partition = int((strategy.get("rollingUpdate") or {}).get("partition", 0))
        if not all(_running_and_ready(p) for o, p in pods.items() if o in wanted):
            return
        for ordinal in sorted((o for o in pods if o in wanted and o >= partition), reverse=True):
            pod = pods[ordinal]
            if pod["metadata"].get("labels", {}).get(REVISION_LABEL) != revision:
                self._delete(sts, pod)
                return

    def _write_status(self, sts: Obj, revision: str) -> None:
        pods = [p for p in self._pods(sts).values() if not is_terminating(p)]
        ready = sum(1 for p in pods if _running_and_ready(p))
        updated = sum(1 for p in pods if p["metadata"].get("labels", {}).get(REVISION_LABEL) == revision)
        current_revision = sts.get("status", {}).get("currentRevision") or revision
        if updated == len(pods) == int(sts["spec"].get("replicas", 1)):
            current_revision = revision
        current = sum(1 for p in pods if p["metadata"].get("labels", {}).get(REVISION_LABEL) == current_revision)
        status = {
            "observedGeneration": sts["metadata"].get("generation", 1),
            "replicas": len(pods),
            "readyReplicas": ready,
            "currentReplicas": current,
            "updatedReplicas": updated,
            "currentRevision": current_revision,
            "updateRevision": revision,
            "collisionCount": 0,
            "availableReplicas": ready,
        }
        status = {k: v for k, v in status.items() if v or k in ("observedGeneration", "replicas", "collisionCount", "availableReplicas")}
        self.ctx.set_status(STATEFULSETS, sts, status)
