"""kube-proxy (iptables mode) as routing decisions: where does a TCP connection from a pod go?

- ClusterIP:port -> one ready endpoint, drawn uniformly at random (the iptables `statistic` rules),
  or, with sessionAffinity ClientIP, the endpoint this client IP last used within timeoutSeconds
  (the `recent` module, refreshed on every connection).
- No ready endpoints -> REJECT (connection refused); terminating-but-serving endpoints are used
  only when nothing is ready, as kube-proxy's fallback does.
- NodeIP:nodePort -> the same choice, on every node; any other port of a node IP is refused.
- A pod IP -> that pod when it listens on the port (what its image serves: svclab.network.images).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from svclab.network import images
from svclab.network.podenv import ConnectionRefused, ConnectTimeout

Obj = dict[str, Any]


@dataclass(frozen=True)
class Route:
    pod: Obj
    port: int
    via_service: str = ""  # "<ns>/<name>" when a Service chose the pod


def probe_endpoints(pod: Obj) -> set[tuple[int | str, str]]:
    """(port, path) of the pod's own httpGet probes: the app serves its health endpoints."""
    found = set()
    for container in pod.get("spec", {}).get("containers") or []:
        for kind in ("readinessProbe", "livenessProbe", "startupProbe"):
            get = (container.get(kind) or {}).get("httpGet")
            if get:
                found.add((get.get("port"), get.get("path", "/")))
    return found


def running_apps(pod: Obj) -> list[images.App]:
    """The apps of the pod's containers that run now (a crashed or waiting container listens on nothing)."""
    statuses = {c.get("name"): c for c in pod.get("status", {}).get("containerStatuses") or []}
    apps = []
    for container in pod.get("spec", {}).get("containers") or []:
        status = statuses.get(container.get("name"))
        if status is not None and "running" not in (status.get("state") or {}):
            continue
        app = images.app_for(container)
        if not app.fails_to_start:
            apps.append(app)
    return apps


def app_on(pod: Obj, port: int) -> images.App | None:
    """The app of the pod that listens on ``port`` (TCP), if any: what the container's image serves
    (svclab.network.images), not what the spec declares: containerPort is informational."""
    for app in running_apps(pod):
        if port in app.ports:
            return app
    return None


def listens_on(pod: Obj, port: int) -> bool:
    return app_on(pod, port) is not None


class KubeProxy:
    def __init__(self, services: Callable[[], Iterable[Obj]], slices: Callable[[], Iterable[Obj]], pods: Callable[[], Iterable[Obj]], nodes: Callable[[], Iterable[Obj]], rng: random.Random, now: Callable[[], float]) -> None:
        self._services = services
        self._slices = slices
        self._pods = pods
        self._nodes = nodes
        self._rng = rng
        self._now = now
        self._affinity: dict[tuple[str, str, int, str], tuple[str, float]] = {}

    def route(self, client_ip: str, ip: str, port: int) -> Route:
        for svc in self._services():
            spec = svc.get("spec", {})
            if ip in (spec.get("clusterIPs") or []) and ip != "None":
                service_port = next((p for p in spec.get("ports") or [] if p.get("port") == port and p.get("protocol", "TCP") == "TCP"), None)
                if service_port is None:
                    raise ConnectTimeout(f"{ip}:{port}")
                return self._through_service(svc, service_port, client_ip)
        node_ips = {a["address"] for n in self._nodes() for a in n.get("status", {}).get("addresses") or [] if a.get("type") == "InternalIP"}
        if ip in node_ips:
            for svc in self._services():
                for service_port in svc.get("spec", {}).get("ports") or []:
                    if service_port.get("nodePort") == port and service_port.get("protocol", "TCP") == "TCP":
                        return self._through_service(svc, service_port, client_ip)
            # A node answers a port nothing listens on with a RST: "Connection refused".
            raise ConnectionRefused(f"{ip}:{port}")
        for pod in self._pods():
            status = pod.get("status", {})
            if status.get("podIP") == ip and not pod.get("spec", {}).get("hostNetwork"):
                if status.get("phase") != "Running" or not listens_on(pod, port):
                    raise ConnectionRefused(f"{ip}:{port}")
                return Route(pod, port)
        raise ConnectTimeout(f"{ip}:{port}")

    def _endpoints(self, svc: Obj, service_port: Obj) -> list[tuple[str, int, bool]]:
        """(address, target port, ready) for every serving endpoint of the Service port."""
        meta = svc["metadata"]
        found = []
        for slice_ in self._slices():
            labels = slice_["metadata"].get("labels") or {}
            if slice_["metadata"].get("namespace") != meta["namespace"] or labels.get("kubernetes.io/service-name") != meta["name"]:
                continue
            port = next((p.get("port") for p in slice_.get("ports") or [] if p.get("name", "") == service_port.get("name", "") and p.get("protocol", "TCP") == "TCP"), None)
            if port is None:
                continue
            for endpoint in slice_.get("endpoints") or []:
                conditions = endpoint.get("conditions") or {}
                ready = conditions.get("ready", True) is not False
                serving = conditions.get("serving", ready) is not False
                if serving:
                    for address in endpoint.get("addresses") or []:
                        found.append((address, int(port), ready))
        return found

    def _through_service(self, svc: Obj, service_port: Obj, client_ip: str) -> Route:
        endpoints = self._endpoints(svc, service_port)
        usable = [e for e in endpoints if e[2]] or endpoints
        if not usable:
            raise ConnectionRefused(f"{svc['metadata']['name']} has no endpoints")
        spec = svc["spec"]
        key = (svc["metadata"]["namespace"], svc["metadata"]["name"], int(service_port.get("port", 0)), client_ip)
        chosen = None
        if spec.get("sessionAffinity") == "ClientIP":
            timeout = float(((spec.get("sessionAffinityConfig") or {}).get("clientIP") or {}).get("timeoutSeconds", 10800))
            remembered = self._affinity.get(key)
            if remembered and self._now() - remembered[1] <= timeout:
                chosen = next((e for e in usable if e[0] == remembered[0]), None)
            if chosen is None:
                chosen = usable[self._rng.randrange(len(usable))]
            self._affinity[key] = (chosen[0], self._now())
        else:
            chosen = usable[self._rng.randrange(len(usable))]
        pod = next((p for p in self._pods() if p.get("status", {}).get("podIP") == chosen[0] and not p.get("spec", {}).get("hostNetwork")), None)
        if pod is None:
            raise ConnectTimeout(chosen[0])
        if not listens_on(pod, chosen[1]):   # DNAT to the pod, which answers with a RST
            raise ConnectionRefused(f"{chosen[0]}:{chosen[1]}")
        return Route(pod, chosen[1], f"{svc['metadata']['namespace']}/{svc['metadata']['name']}")
