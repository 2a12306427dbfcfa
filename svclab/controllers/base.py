"""What every controller gets (the store and registry, the clock, informers, an event recorder, name
streams, a way to yield) and the shape each controller has: a work queue of keys and a `sync(key)`."""

from __future__ import annotations

import asyncio
import copy
import random
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

from svclab.controllers.informer import Informers
from svclab.controllers.queue import WorkQueue
from svclab.controllers.timers import Timers
from svclab.registry.core import Registry
from svclab.registry.names import generate_name
from svclab.resources import DEPLOYMENTS, ENDPOINT_SLICES, ENDPOINTS, EVENTS, NAMESPACES, NODES, PODS, REPLICASETS, SERVICES, STATEFULSETS, Resource  # noqa: F401  (re-exported for controllers)
from svclab.state.clock import Clock
from svclab.state.index import Key
from svclab.state.store import Store
from svclab.validation.errors import ApiError

Obj = dict[str, Any]

SLICES = ENDPOINT_SLICES


class NameStreams:
    """Generated names for one owner's children (pods of a ReplicaSet, slices of a Service), each
    from its own seeded stream: the names a cluster with seed S gives do not depend on what other
    controllers or clients did meanwhile. A stream belongs to one owner instance: it is keyed by
    the owner's kind and name and by how many owners of that kind and name (in any namespace) came
    before it, so a Deployment deleted and created again gets new pod names, as on a real cluster,
    and the names do not depend on what the namespace is called. A name still in
    use is skipped (the apiserver would answer 409).

    A cluster restored from its state draws with a fresh random `salt`: the names of pods deleted
    before the restart are not handed out again (as a real cluster's random names are not)."""

    def __init__(self, seed: int, salt: str = "") -> None:
        self.seed = seed
        self.salt = salt
        self._streams: dict[str, random.Random] = {}
        self._instances: dict[str, int] = {}

    def generate(self, prefix: str, owner: Obj, taken: Callable[[str], bool]) -> str:
        meta = owner["metadata"]
        uid = meta.get("uid", "")
        stream = self._streams.get(uid)
        if stream is None:
            identity = f"{owner.get('kind', '')}/{meta.get('name', '')}"
            instance = self._instances.get(identity, 0)
            self._instances[identity] = instance + 1
            stream = self._streams[uid] = random.Random(f"{self.seed}/{identity}#{instance}{self.salt}")
        for _ in range(1000):
            name = generate_name(prefix, stream)
            if not taken(name):
                return name
        raise RuntimeError(f"no free name for {prefix}")  # 27^5 names: only a broken stream gets here

    def forget(self, owner_uid: str) -> None:
        self._streams.pop(owner_uid, None)


async def _no_yield(weight: int = 1) -> None:
    return None


@dataclass
class Context:
    store: Store
    registry: Registry
    clock: Clock
    rng: random.Random  # event names
    seed: int = 0
    pod_start_seconds: float = 0.0
    pod_stop_seconds: float = 0.0
    namespace_deletion_seconds: float = 5.0  # the namespace controller's namespaceDeletionGracePeriod
    root_ca: str = ""  # the cluster CA (PEM) the root CA publisher puts in each namespace
    timers: Timers = field(init=False)
    informers: Informers = field(init=False)
    names: NameStreams = field(init=False)
    # Set by the controller manager: called when a queue turns busy or idle; awaited inside long syncs.
    queue_changed: Callable[[], None] = lambda: None
    checkpoint: Callable[..., Awaitable[None]] = _no_yield
    loop: asyncio.AbstractEventLoop | None = None  # the loop the controllers run on, once started

    def __post_init__(self) -> None:
        self.timers = Timers(self.clock)
        self.informers = Informers(self.store)
        self.names = NameStreams(self.seed)
        from svclab.controllers.events import EventRecorder

        self.recorder = EventRecorder(self)

    def owner_ref(self, owner: Obj) -> Obj:
        return {
            "apiVersion": owner["apiVersion"],
            "kind": owner["kind"],
            "name": owner["metadata"]["name"],
            "uid": owner["metadata"]["uid"],
            "controller": True,
            "blockOwnerDeletion": True,
        }

    def set_status(self, res: Resource, obj: Obj, status: Obj) -> Obj:
        """Write a controller-computed status when it changed (the status subresource: no validation)."""
        if obj.get("status") == status:
            return obj
        return self.store.update(res, replaced(obj, status=copy.deepcopy(status)))


class Controller:
    """One controller: informer handlers put keys on `queue`; a worker calls `sync` for one key at a time."""

    name = "controller"

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.queue: WorkQueue[Key] = WorkQueue(self.name, ctx.timers, lambda: ctx.queue_changed())

    def register(self) -> None:
        """Add indexes and event handlers to `ctx.informers` (before they start)."""

    async def sync(self, key: Key) -> None:
        raise NotImplementedError

    def poke(self) -> None:
        """Something outside the store changed (a probe result, a process exit): look again."""


def replaced(obj: Obj, **parts: Any) -> Obj:
    """A new version of a stored object with some top-level parts replaced, for `Store.update`.

    Only the top level and `metadata` are copied (the store sets metadata fields of what it is
    given): copying whole pods thousands of times costs more than the rest of a sync. The caller
    builds each replaced part fresh and never changes a nested part it did not build."""
    return {**obj, "metadata": dict(obj["metadata"]), **parts}


def is_pod_ready(pod: Obj) -> bool:
    for condition in pod.get("status", {}).get("conditions") or []:
        if condition.get("type") == "Ready":
            return condition.get("status") == "True"
    return False


def is_terminating(obj: Obj) -> bool:
    return bool(obj["metadata"].get("deletionTimestamp"))


def is_pod_active(pod: Obj) -> bool:
    """controller.IsPodActive: not Succeeded, not Failed, not being deleted."""
    return pod.get("status", {}).get("phase") not in ("Succeeded", "Failed") and not is_terminating(pod)


def controller_of(obj: Obj) -> Obj | None:
    """metav1.GetControllerOf: the ownerReference with controller=true."""
    return next((ref for ref in obj["metadata"].get("ownerReferences") or [] if ref.get("controller")), None)


def owned_by(obj: Obj, owner: Obj) -> bool:
    uid = owner["metadata"]["uid"]
    return any(ref.get("uid") == uid and ref.get("controller") for ref in obj["metadata"].get("ownerReferences") or [])


def error_text(exc: Exception) -> str:
    """What %v of the client's error prints: the Status message of an API error."""
    if isinstance(exc, ApiError):
        return exc.message
    return str(exc) or type(exc).__name__
