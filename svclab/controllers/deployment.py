"""Deployment controller (pkg/controller/deployment): one ReplicaSet per pod template
(pod-template-hash), old ones scaled to zero. It syncs one Deployment at a time from its queue,
woken by the Deployment and by its ReplicaSets; a ReplicaSet it cannot create is a
`ReplicaSetCreateError` Warning event on the Deployment and a retry with backoff."""

from __future__ import annotations

import copy

from svclab.controllers import events
from svclab.controllers.base import DEPLOYMENTS, REPLICASETS, Context, Controller, Obj, controller_of, error_text, is_terminating, owned_by
from svclab.controllers.informer import Change
from svclab.registry.names import template_hash
from svclab.state.index import CONTROLLER, Key, by_controller
from svclab.validation.errors import ApiError

HASH_LABEL = "pod-template-hash"
REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
MAX_REVISION_HISTORY_CHARS = 2000  # deployment_util.go MaxRevHistoryLengthInChars


def _template_without_hash(template: Obj) -> Obj:
    template = copy.deepcopy(template)
    labels = (template.get("metadata") or {}).get("labels") or {}
    labels.pop(HASH_LABEL, None)
    return template


class DeploymentController(Controller):
    name = "deployment"
    component = "deployment-controller"

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)

    def register(self) -> None:
        informers = self.ctx.informers
        self.sets = informers.indexer(REPLICASETS)
        self.sets.add_index(CONTROLLER, by_controller)
        informers.add_handler(DEPLOYMENTS, lambda change: self.queue.add(change.key))
        informers.add_handler(REPLICASETS, self._on_set)

    def _on_set(self, change: Change) -> None:
        ref = controller_of(change.obj)
        if ref is not None and ref.get("kind") == "Deployment":
            self.queue.add((change.key[0], ref.get("name", "")))
        old_uid = change.prior.value(CONTROLLER) if change.prior else None
        if old_uid and old_uid != (ref or {}).get("uid"):
            for key in self.ctx.informers.indexer(DEPLOYMENTS).keys(change.key[0]):
                deploy = self.ctx.store.peek(DEPLOYMENTS, *key)
                if deploy is not None and deploy["metadata"].get("uid") == old_uid:
                    self.queue.add(key)

    async def sync(self, key: Key) -> None:
        deploy = self.ctx.store.peek(DEPLOYMENTS, *key)
        if deploy is None or is_terminating(deploy):
            return
        self._sync_one(deploy)

    def _owned(self, deploy: Obj) -> list[Obj]:
        owned = []
        for rs_key in sorted(self.sets.by_index(CONTROLLER, deploy["metadata"]["uid"])):
            rs = self.ctx.store.peek(REPLICASETS, *rs_key)
            if rs is not None and owned_by(rs, deploy):
                owned.append(rs)
        return owned

    def _sync_one(self, deploy: Obj) -> None:
        ns = deploy["metadata"]["namespace"]
        name = deploy["metadata"]["name"]
        owned = self._owned(deploy)
        template = deploy["spec"]["template"]
        current = next((rs for rs in owned if _template_without_hash(rs["spec"]["template"]) == _template_without_hash(template)), None)
        replicas = int(deploy["spec"].get("replicas", 1))
        paused = deploy["spec"].get("paused", False)
        if current is None and not paused:
            collisions = int((deploy.get("status") or {}).get("collisionCount", 0) or 0)
            pod_hash = template_hash(template, collisions)
            new_template = copy.deepcopy(template)
            new_template.setdefault("metadata", {}).setdefault("labels", {})[HASH_LABEL] = pod_hash
            selector = copy.deepcopy(deploy["spec"]["selector"])
            selector.setdefault("matchLabels", {})[HASH_LABEL] = pod_hash
            revision = 1 + max((int(rs["metadata"].get("annotations", {}).get(REVISION, "0")) for rs in owned), default=0)
            rs = {
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "metadata": {
                    "name": f"{name}-{pod_hash}",
                    "namespace": ns,
                    "labels": {**(template.get("metadata", {}).get("labels") or {}), HASH_LABEL: pod_hash},
                    "annotations": {
                        "deployment.kubernetes.io/desired-replicas": str(replicas),
                        "deployment.kubernetes.io/max-replicas": str(replicas + _surge(deploy, replicas)),
                        REVISION: str(revision),
                    },
                    "ownerReferences": [self.ctx.owner_ref(deploy)],
                },
                "spec": {"replicas": replicas, "minReadySeconds": deploy["spec"].get("minReadySeconds", 0), "selector": selector, "template": new_template},
            }
            try:
                current = self.ctx.registry.create(REPLICASETS, ns, rs)
            except ApiError as exc:
                if exc.code == 409:  # a ReplicaSet of that name that is not ours: try the next hash
                    self.ctx.set_status(DEPLOYMENTS, deploy, {**(deploy.get("status") or {}), "collisionCount": collisions + 1})
                events.record(self.ctx, deploy, "Warning", "ReplicaSetCreateError", f'Failed to create new replica set "{rs["metadata"]["name"]}": {error_text(exc)}', self.component)
                raise
            events.record(self.ctx, deploy, "Normal", "ScalingReplicaSet", f"Scaled up replica set {current['metadata']['name']} from 0 to {replicas}", self.component)
            owned.append(current)
        if current is not None and not paused:
            current = self._promote(current, owned)
            owned = [current if rs["metadata"]["uid"] == current["metadata"]["uid"] else rs for rs in owned]
        for rs in owned:
            want = replicas if rs is current else 0
            have = int(rs["spec"].get("replicas", 0))
            if have != want and not paused:
                scaled = copy.deepcopy(rs)
                scaled["spec"]["replicas"] = want
                annotations = scaled["metadata"].setdefault("annotations", {})
                annotations["deployment.kubernetes.io/desired-replicas"] = str(replicas)
                self.ctx.store.update(REPLICASETS, scaled)
                verb = "up" if want > have else "down"
                events.record(self.ctx, deploy, "Normal", "ScalingReplicaSet", f"Scaled {verb} replica set {rs['metadata']['name']} from {have} to {want}", self.component)
        self._write_status(deploy, current, owned, replicas)

    def _promote(self, current: Obj, owned: list[Obj]) -> Obj:
        """SetNewReplicaSetAnnotations: a ReplicaSet that becomes the new one again (a rollback) takes the next revision."""
        revision = lambda rs: int((rs["metadata"].get("annotations") or {}).get(REVISION, "0"))  # noqa: E731
        highest = max((revision(rs) for rs in owned if rs is not current), default=0)
        if revision(current) > highest:
            return current
        promoted = copy.deepcopy(current)
        annotations = promoted["metadata"].setdefault("annotations", {})
        old_revision = annotations.get(REVISION)
        annotations[REVISION] = str(highest + 1)
        if old_revision:  # a rollback: the revisions this ReplicaSet had are kept, oldest first
            history = annotations.get(REVISION_HISTORY, "")
            annotations[REVISION_HISTORY] = _append_revision(history, old_revision)
            if not annotations[REVISION_HISTORY]:
                del annotations[REVISION_HISTORY]
        return self.ctx.store.update(REPLICASETS, promoted)

    def _write_status(self, deploy: Obj, current: Obj | None, owned: list[Obj], replicas: int) -> None:
        deploy = self.ctx.store.peek(DEPLOYMENTS, deploy["metadata"]["namespace"], deploy["metadata"]["name"]) or deploy
        fresh = [self.ctx.store.peek(REPLICASETS, rs["metadata"]["namespace"], rs["metadata"]["name"]) or rs for rs in owned]
        total = sum(rs.get("status", {}).get("replicas", 0) for rs in fresh)
        ready = sum(rs.get("status", {}).get("readyReplicas", 0) for rs in fresh)
        updated = 0
        if current is not None:
            cur = self.ctx.store.peek(REPLICASETS, current["metadata"]["namespace"], current["metadata"]["name"]) or current
            updated = cur.get("status", {}).get("replicas", 0)
        old_status = deploy.get("status", {})
        now = self.ctx.clock.rfc3339()
        available = ready >= replicas - _unavailable(deploy, replicas)

        def condition(kind: str, status: bool, reason: str, message: str) -> Obj:
            previous = next((c for c in old_status.get("conditions") or [] if c["type"] == kind), None)
            same = previous is not None and previous["status"] == ("True" if status else "False") and previous["reason"] == reason
            return {
                "type": kind,
                "status": "True" if status else "False",
                "lastUpdateTime": previous["lastUpdateTime"] if same and previous else now,
                "lastTransitionTime": previous["lastTransitionTime"] if previous and previous["status"] == ("True" if status else "False") else now,
                "reason": reason,
                "message": message,
            }

        rs_name = current["metadata"]["name"] if current else ""
        progressed = updated == replicas and ready >= replicas
        conditions = [
            condition("Available", available, "MinimumReplicasAvailable" if available else "MinimumReplicasUnavailable", "Deployment has minimum availability." if available else "Deployment does not have minimum availability."),
            condition("Progressing", True, "NewReplicaSetAvailable" if progressed else "ReplicaSetUpdated", f'ReplicaSet "{rs_name}" has successfully progressed.' if progressed else f'ReplicaSet "{rs_name}" is progressing.'),
        ]
        status = {
            "observedGeneration": deploy["metadata"].get("generation", 1),
            "replicas": total,
            "updatedReplicas": updated,
            "readyReplicas": ready,
            "availableReplicas": ready,
            "unavailableReplicas": max(0, replicas - ready),
            "conditions": conditions,
            "collisionCount": old_status.get("collisionCount"),
        }
        status = {k: v for k, v in status.items() if v or k in ("observedGeneration", "conditions")}
        self.ctx.set_status(DEPLOYMENTS, deploy, status)


def _percent(value: object, total: int, round_up: bool) -> int:
    if isinstance(value, str) and value.endswith("%"):
        scaled = int(value[:-1]) * total / 100
        return int(-(-scaled // 1)) if round_up else int(scaled)
    return int(value) if value is not None else 0


def _surge(deploy: Obj, replicas: int) -> int:
    rolling = (deploy["spec"].get("strategy") or {}).get("rollingUpdate") or {}
    return _percent(rolling.get("maxSurge", "25%"), replicas, True)


def _unavailable(deploy: Obj, replicas: int) -> int:
    rolling = (deploy["spec"].get("strategy") or {}).get("rollingUpdate") or {}
    return _percent(rolling.get("maxUnavailable", "25%"), replicas, False)


def _append_revision(history: str, old_revision: str, limit: int = MAX_REVISION_HISTORY_CHARS) -> str:
    """SetNewReplicaSetAnnotations (pkg/controller/deployment/util/deployment_util.go): append the
    revision the ReplicaSet had to its revision-history, dropping the oldest ones while the annotation
    would be longer than `limit` characters (left as it was when even that is not enough)."""
    old = history.split(",")
    if not old[0]:
        return old_revision
    total = len(history) + len(old_revision) + 1
    start = 0
    while total > limit and start < len(old):
        total -= len(old[start]) + 1
        start += 1
    if total <= limit:
        return ",".join(old[start:] + [old_revision])
    return history
