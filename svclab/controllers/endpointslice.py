"""EndpointSlice and Endpoints controllers (pkg/controller/endpointslice, pkg/controller/endpoint).

A Service with a selector gets slices listing the matching pods that have an IP, with
ready/serving/terminating conditions, hostname when the pod's subdomain names the Service, a
targetRef and nodeName, and ports with named targetPorts resolved per pod. Selector-less and
ExternalName Services get none: whoever wants endpoints for them writes the slices by hand.

Each controller syncs one Service at a time from its queue. A pod change queues the Services
whose selectors match its old or new labels, and only when something a Service's endpoints show
changed (its IP, readiness, labels, ...), as podEndpointsChanged decides. The pods of a Service are
found through the label index among the pods that have an address, so a sync costs the Service's
endpoints, not the pods of the cluster. A pod whose IP is not an IP address is left out.
"""

from __future__ import annotations

import copy
import ipaddress
from typing import Any

from svclab.controllers.base import ENDPOINTS, PODS, SERVICES, SLICES, Context, Controller, Obj, is_pod_ready, is_terminating
from svclab.controllers.informer import DELETED, Change
from svclab.state.index import Key
from svclab.state.selectors import Requirement

MANAGED_BY = "endpointslice.kubernetes.io/managed-by"
CONTROLLER_NAME = "endpointslice-controller.k8s.io"
ENDPOINTS_MANAGED_BY = "endpoints.kubernetes.io/managed-by"
ENDPOINTS_CONTROLLER_NAME = "endpoint-controller"
SERVICE_NAME = "kubernetes.io/service-name"
HEADLESS = "service.kubernetes.io/headless"
TRIGGER_TIME = "endpoints.kubernetes.io/last-change-trigger-time"

ADDRESSED = "addressed"  # pod index: namespace of pods that have a usable IP and are not finished
SELECTOR = "selector"  # service projection: its selector
BY_SERVICE = "service"  # slice index: <namespace>/<service name>
ENDPOINT_STATE = "endpoints"  # pod projection: what an endpoint shows of it


def resolve_target_port(service_port: Obj, pod: Obj) -> int | None:
    """podutil.FindPort: an int targetPort as is; a named one from the pod's container ports."""
    target = service_port.get("targetPort", service_port.get("port"))
    if isinstance(target, int):
        return target
    if isinstance(target, str) and target.isdigit():
        return int(target)
    protocol = service_port.get("protocol", "TCP")
    for container in pod["spec"].get("containers") or []:
        for port in container.get("ports") or []:
            if port.get("name") == target and port.get("protocol", "TCP") == protocol:
                return int(port["containerPort"])
    return None


def _usable_ip(value: Any) -> bool:
    try:
        ipaddress.ip_address(value)
    except (TypeError, ValueError):
        return False
    return True


def by_addressed(pod: Obj) -> list[str]:
    status = pod.get("status") or {}
    if _usable_ip(status.get("podIP")) and status.get("phase") not in ("Succeeded", "Failed"):
        return [(pod.get("metadata") or {}).get("namespace") or ""]
    return []


def endpoint_state(pod: Obj) -> tuple[Any, ...]:
    """podEndpointsChanged: what a Service's endpoints show of a pod."""
    spec, status = pod.get("spec") or {}, pod.get("status") or {}
    ports = [(p.get("name"), p.get("containerPort"), p.get("protocol")) for c in spec.get("containers") or [] for p in c.get("ports") or []]
    return (by_addressed(pod), status.get("podIP"), is_pod_ready(pod), is_terminating(pod), spec.get("hostname"), spec.get("subdomain"), spec.get("nodeName"), repr(ports))


def by_service(slice_: Obj) -> list[str]:
    meta = slice_.get("metadata") or {}
    service = (meta.get("labels") or {}).get(SERVICE_NAME)
    return [f"{meta.get('namespace') or ''}/{service}"] if service else []


def _wants_endpoints(svc: Obj) -> bool:
    return bool(svc["spec"].get("selector")) and svc["spec"].get("type") != "ExternalName"


def _selector(svc: Obj) -> dict[str, str]:
    return dict((svc.get("spec") or {}).get("selector") or {})


def _ip_order(address: Obj) -> tuple[int, int]:
    ip = ipaddress.ip_address(address["ip"])
    return (ip.version, int(ip))


class ServicePods:
    """The pod and Service indexes both endpoint controllers read, and the pod-to-Service mapping."""

    def __init__(self, ctx: Context, queue_service: Any) -> None:
        self.ctx = ctx
        self.queue_service = queue_service

    def register(self) -> None:
        informers = self.ctx.informers
        self.pods = informers.indexer(PODS)
        self.pods.add_index(ADDRESSED, by_addressed)
        self.pods.add_projection(ENDPOINT_STATE, endpoint_state)
        self.services = informers.indexer(SERVICES)
        self.services.add_projection(SELECTOR, _selector)
        informers.add_handler(SERVICES, lambda change: self.queue_service(change.key))
        informers.add_handler(PODS, self._on_pod)

    def _on_pod(self, change: Change) -> None:
        pod = change.obj
        ns = change.key[0]
        labels = pod["metadata"].get("labels") or {}
        prior = change.prior
        if change.type == DELETED:
            wanted = [prior.labels] if prior is not None else [labels]
        elif prior is None:
            if not by_addressed(pod) and change.type != "SYNC":
                return  # no address yet: no Service shows it
            wanted = [labels]
        elif prior.projections.get(ENDPOINT_STATE) != endpoint_state(pod):
            wanted = [prior.labels, labels]
        elif prior.labels != labels:
            wanted = [prior.labels, labels]
        else:
            return
        for key in self.services.keys(ns):
            selector = self.services.projection(key, SELECTOR) or {}
            if selector and any(all(l.get(k) == v for k, v in selector.items()) for l in wanted):
                self.queue_service(key)

    def selected(self, svc: Obj) -> list[Obj]:
        """The pods a Service selects that have an address, in name order."""
        ns = svc["metadata"]["namespace"]
        requirements = [Requirement(k, "=", (v,)) for k, v in sorted(_selector(svc).items())]
        addressed = self.pods.by_index(ADDRESSED, ns)
        found = []
        for key in self.pods.select(ns, requirements, within=addressed):
            pod = self.ctx.store.peek(PODS, *key)
            if pod is not None and by_addressed(pod):
                found.append(pod)
        return found


class EndpointSliceController(Controller):
    name = "endpointslice"

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.members = ServicePods(ctx, self.queue.add)

    def register(self) -> None:
        self.members.register()
        self.slices = self.ctx.informers.indexer(SLICES)
        self.slices.add_index(BY_SERVICE, by_service)
        self.ctx.informers.add_handler(SLICES, self._on_slice)

    def _on_slice(self, change: Change) -> None:
        labels = change.obj["metadata"].get("labels") or {}
        if labels.get(MANAGED_BY) == CONTROLLER_NAME and labels.get(SERVICE_NAME):
            self.queue.add((change.key[0], labels[SERVICE_NAME]))

    def _managed(self, ns: str, name: str) -> list[Obj]:
        found = []
        for key in sorted(self.slices.by_index(BY_SERVICE, f"{ns}/{name}")):
            slice_ = self.ctx.store.peek(SLICES, *key)
            if slice_ is not None and (slice_["metadata"].get("labels") or {}).get(MANAGED_BY) == CONTROLLER_NAME:
                found.append(slice_)
        return found

    async def sync(self, key: Key) -> None:
        ns, name = key
        svc = self.ctx.store.peek(SERVICES, ns, name)
        for slice_ in self._managed(ns, name):
            owners = {r.get("uid") for r in slice_["metadata"].get("ownerReferences") or []}
            if svc is None or not _wants_endpoints(svc) or svc["metadata"]["uid"] not in owners:
                self.ctx.registry.remove(SLICES, ns, slice_["metadata"]["name"])
        if svc is None:
            return
        if _wants_endpoints(svc) and not is_terminating(svc):
            await self._sync_service(svc)

    def _endpoint(self, svc: Obj, pod: Obj) -> Obj:
        terminating = is_terminating(pod)
        publish = bool(svc["spec"].get("publishNotReadyAddresses"))
        ready = publish or (is_pod_ready(pod) and not terminating)
        endpoint: Obj = {
            "addresses": [pod["status"]["podIP"]],
            "conditions": {"ready": ready, "serving": publish or is_pod_ready(pod), "terminating": terminating},
        }
        spec = pod["spec"]
        if spec.get("hostname") and spec.get("subdomain") == svc["metadata"]["name"]:
            endpoint["hostname"] = spec["hostname"]
        endpoint["targetRef"] = {"kind": "Pod", "namespace": pod["metadata"]["namespace"], "name": pod["metadata"]["name"], "uid": pod["metadata"]["uid"]}
        if spec.get("nodeName"):
            endpoint["nodeName"] = spec["nodeName"]
        return endpoint

    def _ports(self, svc: Obj, pod: Obj) -> list[Obj]:
        ports = []
        for service_port in svc["spec"].get("ports") or []:
            number = resolve_target_port(service_port, pod)
            if number is None:
                continue
            port: Obj = {"name": service_port.get("name", ""), "port": number, "protocol": service_port.get("protocol", "TCP")}
            if service_port.get("appProtocol"):
                port["appProtocol"] = service_port["appProtocol"]
            ports.append(port)
        return ports

    async def _sync_service(self, svc: Obj) -> None:
        ns, name = svc["metadata"]["namespace"], svc["metadata"]["name"]
        groups: dict[str, tuple[list[Obj], list[Obj]]] = {}
        for count, pod in enumerate(sorted(self.members.selected(svc), key=lambda p: p["metadata"]["name"]), 1):
            ports = self._ports(svc, pod)
            key = repr(ports)
            groups.setdefault(key, (ports, []))[1].append(self._endpoint(svc, pod))
            if count % 64 == 0:
                await self.ctx.checkpoint()
        wanted: list[tuple[list[Obj] | None, list[Obj] | None]] = [(ports, eps) for ports, eps in groups.values()] or [(None, None)]
        existing = self._managed(ns, name)
        labels = {**(svc["metadata"].get("labels") or {}), SERVICE_NAME: name, MANAGED_BY: CONTROLLER_NAME}
        if svc["spec"].get("clusterIP") == "None":
            labels[HEADLESS] = ""
        for index, (ports, endpoints) in enumerate(wanted):
            if index < len(existing):
                current = existing[index]
                changed = copy.deepcopy(current)
                changed["metadata"]["labels"] = labels
                changed["endpoints"] = endpoints
                changed["ports"] = ports
                if changed != current:
                    changed["metadata"].setdefault("annotations", {})[TRIGGER_TIME] = self.ctx.clock.rfc3339()
                    self.ctx.store.update(SLICES, changed)
                continue
            slice_: dict[str, Any] = {
                "apiVersion": "discovery.k8s.io/v1",
                "kind": "EndpointSlice",
                "metadata": {
                    "name": self.ctx.names.generate(f"{name}-", svc, lambda n: self.ctx.store.peek(SLICES, ns, n) is not None),
                    "generateName": f"{name}-",
                    "namespace": ns,
                    "labels": labels,
                    "annotations": {TRIGGER_TIME: self.ctx.clock.rfc3339()},
                    "ownerReferences": [{**self.ctx.owner_ref(svc), "apiVersion": "v1"}],
                },
                "addressType": "IPv4",
                "endpoints": endpoints,
                "ports": ports,
            }
            self.ctx.store.create(SLICES, slice_)
        for extra in existing[len(wanted):]:
            self.ctx.registry.remove(SLICES, ns, extra["metadata"]["name"])


class EndpointsController(Controller):
    """The legacy v1 Endpoints, mirrored from the same pods."""

    name = "endpoints"

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.members = ServicePods(ctx, self.queue.add)

    def register(self) -> None:
        self.members.register()
        self.ctx.informers.add_handler(ENDPOINTS, self._on_endpoints)

    def _on_endpoints(self, change: Change) -> None:
        if (change.obj["metadata"].get("labels") or {}).get(ENDPOINTS_MANAGED_BY) == ENDPOINTS_CONTROLLER_NAME:
            self.queue.add(change.key)

    async def sync(self, key: Key) -> None:
        svc = self.ctx.store.peek(SERVICES, *key)
        ep = self.ctx.store.peek(ENDPOINTS, *key)
        managed = ep is not None and (ep["metadata"].get("labels") or {}).get(ENDPOINTS_MANAGED_BY) == ENDPOINTS_CONTROLLER_NAME
        if svc is None or not _wants_endpoints(svc):
            if managed:
                self.ctx.registry.remove(ENDPOINTS, *key)
            return
        await self._sync_service(svc)

    async def _sync_service(self, svc: Obj) -> None:
        ns, name = svc["metadata"]["namespace"], svc["metadata"]["name"]
        publish = bool(svc["spec"].get("publishNotReadyAddresses"))
        subsets: dict[str, Obj] = {}
        for count, pod in enumerate(self.members.selected(svc), 1):
            if count % 64 == 0:
                await self.ctx.checkpoint()
            if is_terminating(pod) and not publish:
                continue
            ports = []
            for service_port in svc["spec"].get("ports") or []:
                number = resolve_target_port(service_port, pod)
                if number is not None:
                    entry: Obj = {"port": number, "protocol": service_port.get("protocol", "TCP")}
                    if service_port.get("name"):
                        entry = {"name": service_port["name"], **entry}
                    ports.append(entry)
            address: Obj = {"ip": pod["status"]["podIP"]}
            spec = pod["spec"]
            if spec.get("hostname") and spec.get("subdomain") == name:
                address["hostname"] = spec["hostname"]
            if spec.get("nodeName"):
                address["nodeName"] = spec["nodeName"]
            address["targetRef"] = {"kind": "Pod", "namespace": ns, "name": pod["metadata"]["name"], "uid": pod["metadata"]["uid"]}
            subset = subsets.setdefault(repr(ports), {"ports": ports})
            bucket = "addresses" if publish or is_pod_ready(pod) else "notReadyAddresses"
            subset.setdefault(bucket, []).append(address)
        ordered = []
        for subset in subsets.values():
            for bucket in ("addresses", "notReadyAddresses"):
                if bucket in subset:
                    subset[bucket].sort(key=_ip_order)
            ordered.append({k: subset[k] for k in ("addresses", "notReadyAddresses", "ports") if k in subset})
        labels = {**(svc["metadata"].get("labels") or {}), ENDPOINTS_MANAGED_BY: ENDPOINTS_CONTROLLER_NAME}
        if svc["spec"].get("clusterIP") == "None":
            labels[HEADLESS] = ""
        current = self.ctx.store.peek(ENDPOINTS, ns, name)
        wanted: Obj = {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": name, "namespace": ns, "labels": labels}}
        if ordered:
            wanted["subsets"] = ordered
        if current is not None:
            merged = copy.deepcopy(current)
            merged["metadata"]["labels"] = labels
            merged.pop("subsets", None)
            if ordered:
                merged["subsets"] = ordered
            if merged != current:
                merged["metadata"].setdefault("annotations", {})[TRIGGER_TIME] = self.ctx.clock.rfc3339()
                self.ctx.store.update(ENDPOINTS, merged)
            return
        wanted["metadata"]["annotations"] = {TRIGGER_TIME: self.ctx.clock.rfc3339()}
        self.ctx.store.create(ENDPOINTS, wanted)
