"""Create, update, patch and delete with the apiserver's semantics.

Order per write (as the real apiserver): decode (done by the wire layer) -> namespace checks ->
defaulting -> validation -> allocation -> store. Every failure is an ApiError carrying the real Status.
"""

from __future__ import annotations

import copy
import random
from typing import Any

from svclab.apiserver.apply import record_update
from svclab.registry.names import generate_name
from svclab.registry.services import ServiceAllocator
from svclab.resources import NAMESPACES, PODS, REPLICASETS, SERVICES, Resource
from svclab.state.clock import Clock
from svclab.state.store import Store
from svclab.validation import errors, messages
from svclab.validation.defaults import apply_defaults
from svclab.validation.strategy import init_ip_families, prepare_for_create, prepare_for_update
from svclab.validation.podstatus import prepare_pod_status_update
from svclab.validation.validate import validate_create, validate_update

Obj = dict[str, Any]

# Kinds whose DELETE answers with the object itself (their registries set ReturnDeletedObject or delete gracefully).
RETURNS_DELETED_OBJECT = {"Pod", "Service", "Namespace", "Node"}


class Registry:
    def __init__(self, store: Store, clock: Clock, rng: random.Random, services: ServiceAllocator) -> None:
        self.store = store
        self.clock = clock
        self.rng = rng
        self.services = services

    def _record_manager(self, res: Resource, old: Obj | None, new: Obj, manager: str, subresource: str = "") -> None:
        """metadata.managedFields after a non-apply write, as the apiserver's field manager records it."""
        if manager:
            managed = record_update(old, new, manager, res.api_version, self.clock.rfc3339(), subresource=subresource, resource=res)
            if managed:
                new["metadata"]["managedFields"] = managed
            else:  # omitempty: no entry, no key
                new["metadata"].pop("managedFields", None)

    # ---- reads -------------------------------------------------------------------------------
    def get(self, res: Resource, namespace: str, name: str) -> Obj:
        obj = self.store.get(res, namespace, name)
        if obj is None:
            raise errors.not_found(res, name)
        return obj

    # ---- create ------------------------------------------------------------------------------
    def create(self, res: Resource, namespace: str, obj: Obj, *, dry_run: bool = False, manager: str = "") -> Obj:
        """Store.Create: with generateName and no name, a name that is taken is drawn again, up to
        maxNameGenerationCreateAttempts times (the RetryGenerateName feature, GA in v1.32)."""
        meta = obj.get("metadata") or {}
        if not (meta.get("generateName") and not meta.get("name")):
            return self._create(res, namespace, obj, dry_run, manager)
        for attempt in range(messages.MAX_NAME_GENERATION_CREATE_ATTEMPTS):
            try:
                return self._create(res, namespace, obj, dry_run, manager)
            except errors.ApiError as err:
                if err.reason != messages.REASON_ALREADY_EXISTS or attempt == messages.MAX_NAME_GENERATION_CREATE_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    def _create(self, res: Resource, namespace: str, obj: Obj, dry_run: bool, manager: str) -> Obj:
        obj = copy.deepcopy(obj)
        if not isinstance(obj.get("metadata"), dict):
            obj["metadata"] = {}  # `"metadata": null` decodes to an empty ObjectMeta
        meta = obj["metadata"]
        if res.namespaced:
            if meta.get("namespace") and meta["namespace"] != namespace:
                raise errors.bad_request(messages.NAMESPACE_MISMATCH)
            meta["namespace"] = namespace
            self._check_namespace(res, namespace, meta.get("name") or meta.get("generateName", ""))
        else:
            meta.pop("namespace", None)
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = generate_name(meta["generateName"], self.rng)
        for server_field in ("uid", "resourceVersion", "creationTimestamp", "deletionTimestamp", "selfLink", "generation"):
            meta.pop(server_field, None)
        obj["apiVersion"], obj["kind"] = res.api_version, res.kind
        self._prepare_for_create(res, obj)
        apply_defaults(res, obj)
        prepare_for_create((res.group, res.kind), obj)
        if res is SERVICES:
            family_causes = init_ip_families(obj)
            if family_causes:
                raise errors.invalid(res, meta.get("name", ""), family_causes)
        # Store.Create runs BeginCreate (the Service IP/port allocation) before validation; an
        # invalid object gives back what was allocated for it.
        taken = self.services.allocate(res, obj) if res is SERVICES and _allocatable(obj) else []
        causes = validate_create(res, obj)
        if causes:
            self.services.release_values(taken)
            raise errors.invalid(res, meta.get("name", ""), causes)
        existing = self.store.peek(res, namespace, meta["name"])
        if existing is not None:
            self.services.release_values(taken)
            raise _already_exists(res, meta, existing)
        if dry_run:
            self.services.release_values(taken)
            return obj
        self._record_manager(res, None, obj, manager)
        created = self.store.create(res, obj)
        return self.store.get(res, namespace, created["metadata"]["name"]) or created

    def _check_namespace(self, res: Resource, namespace: str, name: str) -> None:
        ns = self.store.peek(NAMESPACES, "", namespace)
        if ns is None:
            raise errors.not_found(NAMESPACES, namespace)
        if ns.get("status", {}).get("phase") == "Terminating" or ns["metadata"].get("deletionTimestamp"):
            raise errors.namespace_terminating(res, name, namespace)

    def _prepare_for_create(self, res: Resource, obj: Obj) -> None:
        """PrepareForCreate of each strategy: reset status to what a new object has."""
        if res.kind == "Namespace":
            obj["status"] = {"phase": "Active"}
        elif res.kind == "Pod":
            obj["status"] = {"phase": "Pending", "qosClass": _qos_class(obj)}
        elif res.kind == "Service":
            obj["status"] = {"loadBalancer": {}}
        elif res.kind == "Deployment":
            obj["status"] = {}
        elif res.kind == "ReplicaSet":  # the zero values of the status fields without omitempty
            obj["status"] = {"replicas": 0}
        elif res.kind == "StatefulSet":
            obj["status"] = {"replicas": 0, "availableReplicas": 0}

    # ---- update ------------------------------------------------------------------------------
    def update(self, res: Resource, namespace: str, name: str, obj: Obj, *, subresource: str = "", dry_run: bool = False, manager: str = "") -> Obj:
        old = self.get(res, namespace, name)
        obj = copy.deepcopy(obj)
        if not isinstance(obj.get("metadata"), dict):
            obj["metadata"] = {}
        meta = obj["metadata"]
        if meta.get("name") and meta["name"] != name:
            raise errors.bad_request(messages.NAME_MISMATCH.format(obj=meta["name"], url=name))
        if res.namespaced and meta.get("namespace") and meta["namespace"] != namespace:
            raise errors.bad_request(messages.NAMESPACE_MISMATCH)
        meta["name"] = name
        if res.namespaced:
            meta["namespace"] = namespace
        # Store.Update (apiserver registry/generic/registry/store.go): a resourceVersion that parses to 0
        # ("" or "0") with a strategy that AllowUnconditionalUpdate (every served kind's) is an
        # unconditional update, stamped with the stored version; any other must match it.
        wanted_rv = meta.get("resourceVersion")
        unconditional = wanted_rv in (None, "") or (isinstance(wanted_rv, str) and wanted_rv.isascii() and wanted_rv.isdigit() and int(wanted_rv) == 0)
        if not unconditional and wanted_rv != old["metadata"]["resourceVersion"]:
            raise errors.conflict(res, name, messages.OBJECT_MODIFIED)
        meta["resourceVersion"] = old["metadata"]["resourceVersion"]
        for kept in ("uid", "creationTimestamp", "deletionTimestamp", "generation"):
            if kept in old["metadata"]:
                meta[kept] = old["metadata"][kept]
            else:
                meta.pop(kept, None)
        obj["apiVersion"], obj["kind"] = res.api_version, res.kind
        if subresource == "status":
            obj = {**old, "status": obj.get("status") or {}}
            if res is PODS:
                prepare_pod_status_update(obj, old)
        elif "status" in res.subresources or res.kind == "Namespace":
            if "status" in old:
                obj["status"] = old["status"]
        apply_defaults(res, obj, creating=False)
        if subresource != "status":  # the status strategy keeps the spec; the main one keeps the status
            prepare_for_update((res.group, res.kind), obj, old)
        # Store.Update runs BeginUpdate (the Service allocation, which gives a LoadBalancer turned to
        # externalTrafficPolicy Local its healthCheckNodePort) before validation, as Create does.
        taken = self.services.allocate(res, obj, old) if res is SERVICES and _allocatable(obj) else []
        causes = validate_update(res, obj, old, subresource)
        if res is SERVICES and not causes:
            causes = init_ip_families(obj, old)
        if causes:
            self.services.release_values(taken)
            raise errors.invalid(res, name, causes)
        if dry_run:
            self.services.release_values(taken)
            return obj
        self._record_manager(res, old, obj, manager, subresource)
        updated = self.store.update(res, obj)
        if res is SERVICES:
            self.services.release_dropped(old, updated)
        return self.store.get(res, namespace, name) or updated

    def write_status(self, res: Resource, obj: Obj) -> Obj:
        """A controller's status write: no validation, no conflicts."""
        meta = obj["metadata"]
        current = self.store.peek(res, meta.get("namespace", ""), meta["name"])
        if current is None:
            return obj
        return self.store.update(res, {**copy.deepcopy(current), "status": obj.get("status", {})})

    # ---- delete ------------------------------------------------------------------------------
    def delete(self, res: Resource, namespace: str, name: str, *, dry_run: bool = False, propagation: str = "Background", grace_seconds: int | None = None, uid: str | None = None) -> Obj:
        obj = self.get(res, namespace, name)
        if res.kind == "Namespace" and name in messages.IMMORTAL_NAMESPACES:
            raise errors.forbidden(res, name, messages.NAMESPACE_MAY_NOT_BE_DELETED)
        if uid and obj["metadata"].get("uid") != uid:
            raise errors.conflict(res, name, messages.PRECONDITION_UID.format(want=uid, have=obj["metadata"].get("uid", "")))
        if dry_run:
            return obj if res.kind in RETURNS_DELETED_OBJECT else success_status(res, obj)
        if grace_seconds is not None and grace_seconds < 0:
            grace_seconds = 1  # rest.BeforeDelete: a negative grace period is treated as 1s
        if res.kind == "Namespace":
            result = self._begin_namespace_delete(obj)
        elif res.kind == "Pod" and (grace_seconds is None or grace_seconds > 0) and obj["metadata"].get("deletionTimestamp") is None and obj.get("spec", {}).get("nodeName"):
            result = self._begin_graceful_pod_delete(obj, grace_seconds)
        else:
            result = self.remove(res, namespace, name) or obj
            if propagation == "Orphan":
                self._orphan(obj)
        if res.kind in RETURNS_DELETED_OBJECT:
            return result
        return success_status(res, obj)

    def remove(self, res: Resource, namespace: str, name: str) -> Obj | None:
        """Take an object out of the store for good (controllers use this too)."""
        removed = self.store.delete(res, namespace, name)
        if removed is not None and res is SERVICES:
            self.services.release(removed)
        return removed

    def _begin_namespace_delete(self, ns: Obj) -> Obj:
        if ns["metadata"].get("deletionTimestamp"):
            return ns
        ns["metadata"]["deletionTimestamp"] = self.clock.rfc3339()
        ns["status"] = {"phase": "Terminating"}
        return self.store.update(NAMESPACES, ns)

    def _begin_graceful_pod_delete(self, pod: Obj, grace_seconds: int | None) -> Obj:
        grace = grace_seconds if grace_seconds is not None else pod.get("spec", {}).get("terminationGracePeriodSeconds", 30)
        pod["metadata"]["deletionTimestamp"] = self.clock.rfc3339()
        pod["metadata"]["deletionGracePeriodSeconds"] = grace
        return self.store.update(PODS, pod)

    def _orphan(self, owner: Obj) -> None:
        uid = owner["metadata"].get("uid")
        for res in (REPLICASETS, PODS):
            for dependent in list(self.store.items(res, owner["metadata"].get("namespace"))):
                refs = dependent["metadata"].get("ownerReferences") or []
                if any(ref.get("uid") == uid for ref in refs):
                    changed = copy.deepcopy(dependent)
                    changed["metadata"]["ownerReferences"] = [r for r in refs if r.get("uid") != uid] or None
                    if changed["metadata"]["ownerReferences"] is None:
                        del changed["metadata"]["ownerReferences"]
                    self.store.update(res, changed)


def _already_exists(res: Resource, meta: Obj, existing: Obj) -> errors.ApiError:
    """The create's AlreadyExists as Store.create words it: a generated name gives the generate-name
    conflict (rest.CheckGeneratedNameError); an object being deleted says so."""
    err = errors.generate_name_conflict(res, meta["name"]) if meta.get("generateName") else errors.already_exists(res, meta["name"])
    if (existing.get("metadata") or {}).get("deletionTimestamp"):
        err.status["message"] = messages.OBJECT_BEING_DELETED.format(message=err.status["message"])
    return err


def _qos_class(pod: Obj) -> str:
    containers = pod.get("spec", {}).get("containers") or []
    resources = [c.get("resources") or {} for c in containers]
    if not any(r.get("requests") or r.get("limits") for r in resources):
        return "BestEffort"
    guaranteed = all(
        r.get("limits", {}).get(k) and r.get("requests", {}).get(k, r["limits"][k]) == r["limits"][k]
        for r in resources
        for k in ("cpu", "memory")
    )
    return "Guaranteed" if guaranteed else "Burstable"


def success_status(res: Resource, obj: Obj) -> Obj:
    """What DELETE returns for kinds deleted at once: a Success Status naming the object."""
    details = {"name": obj["metadata"]["name"], "group": res.group, "kind": res.plural, "uid": obj["metadata"].get("uid", "")}
    if not res.group:
        del details["group"]
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details}


def _allocatable(svc: Obj) -> bool:
    """Only well-formed requests reach the allocators; validation reports the rest."""
    import ipaddress

    spec = svc.get("spec") or {}
    for ip in [spec.get("clusterIP")] + list(spec.get("clusterIPs") or []):
        if ip in (None, "", "None"):
            continue
        try:
            ipaddress.ip_address(ip)
        except ValueError:
            return False
    for port in spec.get("ports") or []:
        if not isinstance(port.get("nodePort", 0), int):
            return False
    return True
