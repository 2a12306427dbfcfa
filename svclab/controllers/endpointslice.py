"""EndpointSlice and Endpoints controllers (pkg/controller/endpointslice, pkg/controller/endpoint).

A Service with a selector gets slices listing the matching pods that have an IP, with
ready/serving/terminating conditions, hostname when the pod's subdomain names the Service, a
targetRef and nodeName, and ports with named targetPorts resolved per pod. Selector-less and
ExternalName Services get none: whoever wants endpoints for them writes the slices by hand.
"""

from __future__ import annotations

import copy
from typing import Any

from svclab.controllers.base import ENDPOINTS, PODS, SERVICES, SLICES, Context, Obj, is_pod_ready, is_terminating
from svclab.registry.names import generate_name
from svclab.state.selectors import selector_matches

MANAGED_BY = "endpointslice.kubernetes.io/managed-by"
CONTROLLER_NAME = "endpointslice-controller.k8s.io"
SERVICE_NAME = "kubernetes.io/service-name"
HEADLESS = "service.kubernetes.io/headless"
TRIGGER_TIME = "endpoints.kubernetes.io/last-change-trigger-time"


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


def selected_pods(ctx: Context, svc: Obj) -> list[Obj]:
    selector = svc["spec"].get("selector")
    pods = ctx.store.items(PODS, svc["metadata"]["namespace"])
    return [
        p
        for p in pods
        if selector_matches(selector, p["metadata"].get("labels"))
        and p.get("status", {}).get("podIP")
        and p.get("status", {}).get("phase") not in ("Succeeded", "Failed")
    ]


def _wants_endpoints(svc: Obj) -> bool:
    return bool(svc["spec"].get("selector")) and svc["spec"].get("type") != "ExternalName"


class EndpointSliceController:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def sync(self) -> None:
        services = {(s["metadata"]["namespace"], s["metadata"]["name"]): s for s in self.ctx.store.items(SERVICES)}
        for slice_ in list(self.ctx.store.items(SLICES)):
            labels = slice_["metadata"].get("labels") or {}
            if labels.get(MANAGED_BY) != CONTROLLER_NAME:
                continue
            owner = services.get((slice_["metadata"]["namespace"], labels.get(SERVICE_NAME, "")))
            if owner is None or not _wants_endpoints(owner) or owner["metadata"]["uid"] not in {r.get("uid") for r in slice_["metadata"].get("ownerReferences") or []}:
                self.ctx.registry.remove(SLICES, slice_["metadata"]["namespace"], slice_["metadata"]["name"])
        for svc in services.values():
            if _wants_endpoints(svc) and not is_terminating(svc):
                self._sync_service(svc)

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

    def _sync_service(self, svc: Obj) -> None:
        ns, name = svc["metadata"]["namespace"], svc["metadata"]["name"]
        groups: dict[str, tuple[list[Obj], list[Obj]]] = {}
        for pod in sorted(selected_pods(self.ctx, svc), key=lambda p: p["metadata"]["name"]):
            ports = self._ports(svc, pod)
            key = repr(ports)
            groups.setdefault(key, (ports, []))[1].append(self._endpoint(svc, pod))
        wanted: list[tuple[list[Obj] | None, list[Obj] | None]] = [(ports, eps) for ports, eps in groups.values()] or [(None, None)]
        existing = [s for s in self.ctx.store.items(SLICES, ns) if (s["metadata"].get("labels") or {}).get(SERVICE_NAME) == name and (s["metadata"].get("labels") or {}).get(MANAGED_BY) == CONTROLLER_NAME]
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
                    "name": generate_name(f"{name}-", self.ctx.rng),
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


class EndpointsController:
    """The legacy v1 Endpoints, mirrored from the same pods."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def sync(self) -> None:
        services = {(s["metadata"]["namespace"], s["metadata"]["name"]): s for s in self.ctx.store.items(SERVICES)}
        for ep in list(self.ctx.store.items(ENDPOINTS)):
            key = (ep["metadata"]["namespace"], ep["metadata"]["name"])
            svc = services.get(key)
            managed = (ep["metadata"].get("labels") or {}).get("endpoints.kubernetes.io/managed-by") == "endpoint-controller"
            if managed and (svc is None or not _wants_endpoints(svc)):
                self.ctx.registry.remove(ENDPOINTS, *key)
        for svc in services.values():
            if _wants_endpoints(svc):
                self._sync_service(svc)

    def _sync_service(self, svc: Obj) -> None:
        ns, name = svc["metadata"]["namespace"], svc["metadata"]["name"]
        publish = bool(svc["spec"].get("publishNotReadyAddresses"))
        subsets: dict[str, Obj] = {}
        for pod in selected_pods(self.ctx, svc):
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
                    subset[bucket].sort(key=lambda a: tuple(int(x) for x in a["ip"].split(".")))
            ordered.append({k: subset[k] for k in ("addresses", "notReadyAddresses", "ports") if k in subset})
        labels = {**(svc["metadata"].get("labels") or {}), "endpoints.kubernetes.io/managed-by": "endpoint-controller"}
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
