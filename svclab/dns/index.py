"""What the DNS server looks up, indexed the way CoreDNS's informer caches are.

CoreDNS keeps Services, EndpointSlices, Pods and Namespaces in client-go indexers
(plugin/kubernetes/controller.go: svcNameNamespaceIndex, svcIPIndex, epNameNamespaceIndex,
epIPIndex, podIPIndex) fed by watches, so a query costs a few map lookups whatever the size of
the cluster. `ClusterIndex` is the same thing for svclab: fed from `Store.subscribe` (one event
at a time, in the writer's thread) after an initial list from `Store.items`, or built once from
any iterable of objects (tests, `StaticView`). It also remembers the `coredns` ConfigMap's
Corefile, which the server reloads from (see svclab.dns.reload).

`modified` is dnsControl.modified: the Unix time of the last change that can alter an answer;
CoreDNS serves it as the SOA serial.
"""

from __future__ import annotations

import bisect
import threading
import time
from typing import Any, Callable, Iterable, Protocol

from svclab import resources
from svclab.dns import objects
from svclab.dns.objects import Endpoints, Namespace, Pod, Service

SERVICES = "services"
ENDPOINT_SLICES = "endpointslices.discovery.k8s.io"
PODS = "pods"
NAMESPACES = "namespaces"
CONFIGMAPS = "configmaps"
COREDNS_CONFIGMAP = ("kube-system", "coredns")
COREFILE_KEY = "Corefile"
KUBE_DNS_LABEL = ("k8s-app", "kube-dns")

Obj = dict[str, Any]
Key = tuple[str, str]


class Event(Protocol):
    """The part of svclab.state.store.WatchEvent the index reads."""

    type: str
    resource_key: str
    obj: Obj


class ObjectSource(Protocol):
    """The part of svclab.state.store.Store the index reads."""

    def items(self, res: Any, namespace: str | None = None) -> Iterable[Obj]: ...

    def subscribe(self, callback: Callable[[Any], None]) -> None: ...


def _key(obj: Obj) -> Key:
    meta = obj.get("metadata") or {}
    return (meta.get("namespace") or "", meta.get("name") or "")


def _add(index: dict[str, list[Any]], key: str, item: Any) -> None:
    """Add item to a bucket kept in (namespace, name) order, as Store.items lists objects, so an
    answer's order does not depend on which object was written last (client-go's indexer has no
    order at all; svclab's is fixed so seeded runs repeat)."""
    bisect.insort(index.setdefault(key, []), item, key=_order)


def _same(old: Any, new: Any) -> bool:
    """The same converted object, labels included (the dataclasses leave labels out of their equality)."""
    return old == new and (old is None or old.labels == new.labels)


def _order(item: Any) -> tuple[str, str]:
    return (item.namespace, item.name)


def _remove(index: dict[str, list[Any]], key: str, item: Any) -> None:
    bucket = index.get(key)
    if bucket is None:
        return
    for i, existing in enumerate(bucket):
        if existing is item:
            del bucket[i]
            break
    if not bucket:
        del index[key]


class ClusterIndex:
    """Indexed, converted copies of the objects CoreDNS's kubernetes plugin watches."""

    def __init__(self, now: Callable[[], float] = time.time) -> None:
        self._now = now
        self._lock = threading.RLock()
        self._services: dict[Key, Service] = {}
        self._svc_by_key: dict[str, list[Service]] = {}
        self._svc_by_ip: dict[str, list[Service]] = {}
        self._endpoints: dict[Key, Endpoints] = {}
        self._ep_by_key: dict[str, list[Endpoints]] = {}
        self._ep_by_ip: dict[str, list[Endpoints]] = {}
        self._pods: dict[Key, Pod] = {}
        self._pod_by_ip: dict[str, list[Pod]] = {}
        self._namespaces: dict[str, Namespace] = {}
        self._dns_pods: dict[str, list[str]] = {}  # kube-dns pod name -> its addresses
        self.corefile: str | None = None
        self.corefile_version = 0  # bumped whenever the coredns ConfigMap's Corefile changes
        self.dns_pods_version = 0  # bumped when a kube-dns pod starts (CoreDNS reads its Corefile then)
        self.generation = 0  # bumped by every event that changes what an answer reads: an answer holds until the next
        self.modified = int(now())

    # ---- building ----------------------------------------------------------------------------
    @classmethod
    def from_objects(
        cls,
        *,
        services: Iterable[Obj] = (),
        endpoint_slices: Iterable[Obj] = (),
        pods: Iterable[Obj] = (),
        namespaces: Iterable[Obj] = (),
        configmaps: Iterable[Obj] = (),
        now: Callable[[], float] = time.time,
    ) -> ClusterIndex:
        index = cls(now)
        index.load(SERVICES, services)
        index.load(ENDPOINT_SLICES, endpoint_slices)
        index.load(PODS, pods)
        index.load(NAMESPACES, namespaces)
        index.load(CONFIGMAPS, configmaps)
        return index

    @classmethod
    def from_view(cls, view: Any, now: Callable[[], float] = time.time) -> ClusterIndex:
        """An index of a svclab.dns.view.ClusterView (configmaps are optional there)."""
        configmaps = view.configmaps() if hasattr(view, "configmaps") else ()
        return cls.from_objects(
            services=view.services(),
            endpoint_slices=view.endpoint_slices(),
            pods=view.pods(),
            namespaces=view.namespaces(),
            configmaps=configmaps,
            now=now,
        )

    @classmethod
    def follow(cls, store: ObjectSource, now: Callable[[], float] = time.time) -> ClusterIndex:
        """An index kept current from the store's events: subscribe first, then list (as an informer)."""
        index = cls(now)
        store.subscribe(index.on_event)
        for res, key in (
            (resources.SERVICES, SERVICES),
            (resources.ENDPOINT_SLICES, ENDPOINT_SLICES),
            (resources.PODS, PODS),
            (resources.NAMESPACES, NAMESPACES),
        ):
            index.load(key, store.items(res))
        index.load(CONFIGMAPS, store.items(resources.resource("", "configmaps"), COREDNS_CONFIGMAP[0]))
        return index

    def load(self, resource_key: str, objs: Iterable[Obj]) -> None:
        for obj in objs:
            self.apply("ADDED", resource_key, obj)

    def on_event(self, event: Event) -> None:
        """Store.subscribe callback: never raises (a bad object must not break the writer)."""
        try:
            self.apply(event.type, event.resource_key, event.obj)
        except Exception:
            return

    # ---- updating ----------------------------------------------------------------------------
    def apply(self, kind: str, resource_key: str, obj: Obj) -> None:
        deleted = kind == "DELETED"
        with self._lock:
            if self._apply(resource_key, obj, deleted):
                self.generation += 1

    def _apply(self, resource_key: str, obj: Obj, deleted: bool) -> bool:
        """Apply one event; whether anything an answer reads changed (an object as converted, with its labels, the
        CoreDNS pods' addresses, the Corefile, `modified`: the SOA serial). An event that changes none of them (a
        status write the conversion drops, a kind this index does not hold) leaves `generation` as it was, so the
        answers given at this generation still hold (svclab.dns.replymemo)."""
        modified = self.modified
        if resource_key == SERVICES:
            changed = self._apply_service(_key(obj), None if deleted else objects.to_service(obj))
        elif resource_key == ENDPOINT_SLICES:
            changed = self._apply_endpoints(_key(obj), None if deleted else objects.to_endpoints(obj))
        elif resource_key == PODS:
            changed = self._apply_pod(obj, deleted)
        elif resource_key == NAMESPACES:
            name = _key(obj)[1]
            old_ns = self._namespaces.get(name)
            if deleted:
                self._namespaces.pop(name, None)
                changed = old_ns is not None
            else:
                new_ns = self._namespaces[name] = objects.to_namespace(obj)
                changed = not _same(old_ns, new_ns)
        elif resource_key == CONFIGMAPS and _key(obj) == COREDNS_CONFIGMAP:
            data = obj.get("data") if not deleted else None
            text = data.get(COREFILE_KEY) if isinstance(data, dict) else None
            # A deleted ConfigMap leaves the mounted file as it was: kubelet keeps the volume.
            changed = not deleted and text != self.corefile
            if changed:
                self.corefile = text if isinstance(text, str) else None
                self.corefile_version += 1
        else:
            return False
        return changed or self.modified != modified

    def _touch(self) -> None:
        self.modified = int(self._now())

    def _apply_service(self, key: Key, new: Service | None) -> bool:
        old = self._services.pop(key, None)
        if old is not None:
            _remove(self._svc_by_key, old.index, old)
            for ip in old.cluster_ips:  # controller.go svcIPIndexFunc
                _remove(self._svc_by_ip, ip, old)
        if new is not None:
            self._services[key] = new
            _add(self._svc_by_key, new.index, new)
            for ip in new.cluster_ips:
                _add(self._svc_by_ip, ip, new)
        if old != new:
            self._touch()
        return not _same(old, new)

    def _apply_endpoints(self, key: Key, new: Endpoints | None) -> bool:
        old = self._endpoints.pop(key, None)
        if old is not None:
            _remove(self._ep_by_key, old.index, old)
            for ip in dict.fromkeys(old.index_ips):  # controller.go epIPIndexFunc
                _remove(self._ep_by_ip, ip, old)
        if new is not None:
            self._endpoints[key] = new
            _add(self._ep_by_key, new.index, new)
            for ip in dict.fromkeys(new.index_ips):
                _add(self._ep_by_ip, ip, new)
        if old != new:
            self._touch()
        return not _same(old, new)

    def _apply_pod(self, obj: Obj, deleted: bool) -> bool:
        key = _key(obj)
        dns_pods = self._track_dns_pod(obj, deleted)
        new = None if deleted else objects.to_pod(obj)
        if not deleted and new is None:
            return dns_pods  # errPodTerminating: the informer keeps what it had
        old = self._pods.pop(key, None)
        if old is not None:
            _remove(self._pod_by_ip, old.pod_ip, old)
        if new is not None:
            self._pods[key] = new
            _add(self._pod_by_ip, new.pod_ip, new)
        self._touch()
        return dns_pods or not _same(old, new)

    def _track_dns_pod(self, obj: Obj, deleted: bool) -> bool:
        """The CoreDNS pods' addresses (its localIPs) and whether one (re)started; whether they changed."""
        meta = obj.get("metadata") or {}
        label, value = KUBE_DNS_LABEL
        if meta.get("namespace") != "kube-system" or (meta.get("labels") or {}).get(label) != value:
            return False
        name = meta.get("name") or ""
        before = self._dns_pods.get(name)
        status = obj.get("status") or {}
        ips = [p.get("ip", "") for p in status.get("podIPs") or ()] or [status.get("podIP") or ""]
        ips = [ip for ip in ips if ip]
        if deleted or not ips or meta.get("deletionTimestamp"):
            self._dns_pods.pop(name, None)
            return before is not None
        if name not in self._dns_pods:
            self.dns_pods_version += 1
        self._dns_pods[name] = ips
        return before != ips

    # ---- reading (controller.go SvcIndex, SvcIndexReverse, EpIndex, EpIndexReverse, PodIndex) ----
    def svc_index(self, key: str) -> list[Service]:
        with self._lock:
            return list(self._svc_by_key.get(key, ()))

    def svc_index_reverse(self, ip: str) -> list[Service]:
        with self._lock:
            return list(self._svc_by_ip.get(ip, ()))

    def ep_index(self, key: str) -> list[Endpoints]:
        with self._lock:
            return list(self._ep_by_key.get(key, ()))

    def ep_index_reverse(self, ip: str) -> list[Endpoints]:
        with self._lock:
            return list(self._ep_by_ip.get(ip, ()))

    def pod_index(self, ip: str) -> list[Pod]:
        with self._lock:
            return list(self._pod_by_ip.get(ip, ()))

    def namespace(self, name: str) -> Namespace | None:
        """GetNamespaceByName."""
        with self._lock:
            return self._namespaces.get(name)

    def dns_pod_ips(self) -> list[str]:
        """The answering CoreDNS pod's addresses: the first kube-dns pod by name (CoreDNS's localIPs)."""
        with self._lock:
            if not self._dns_pods:
                return []
            return list(self._dns_pods[min(self._dns_pods)])

    def counts(self) -> dict[str, int]:
        with self._lock:
            return {
                "services": len(self._services),
                "endpointslices": len(self._endpoints),
                "pods": len(self._pods),
                "namespaces": len(self._namespaces),
            }
