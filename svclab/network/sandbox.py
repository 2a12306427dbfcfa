"""Each running pod's sandbox: its tiny filesystem and environment, and the PodEnv the tools see.

Its processes run on session threads (svclab.network.session): the filesystem has its own lock,
and a connection to another pod is made on the cluster's loop through the network's bridge.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Protocol

from svclab.dns.resolvconf import resolv_conf
from svclab.network.budget import Limits
from svclab.network.icmp import EchoReply
from svclab.network.podenv import HttpResponse, PodFS, standard_files
from svclab.network.processes import ProcessTable, container_command
from svclab.network.session import LoopBridge
from svclab.network.tcp import Connection
from svclab.network.tools import image_files
from svclab.version import CLUSTER_DOMAIN

Obj = dict[str, Any]


class PodNetwork(Protocol):
    """What a sandbox needs from the network it lives on."""

    @property
    def limits(self) -> Limits: ...

    @property
    def bridge(self) -> LoopBridge | None: ...

    @property
    def dns_endpoint(self) -> tuple[str, int]: ...

    async def http_from_pod(self, sandbox: Sandbox, ip: str, port: int, method: str, path: str,
                            headers: dict[str, str] | None = None) -> HttpResponse: ...

    async def tcp_from_pod(self, sandbox: Sandbox, ip: str, port: int) -> Connection: ...

    async def icmp_from_pod(self, sandbox: Sandbox, ip: str, seq: int) -> EchoReply | None: ...


def _service_env(services: list[Obj], namespace: str) -> dict[str, str]:
    """Docker-links style variables kubelet injects (enableServiceLinks) for Services that exist."""
    env: dict[str, str] = {}
    for svc in services:
        meta, spec = svc["metadata"], svc.get("spec", {})
        if spec.get("clusterIP") in (None, "", "None"):
            continue
        if meta["namespace"] != namespace and not (meta["namespace"] == "default" and meta["name"] == "kubernetes"):
            continue
        prefix = meta["name"].upper().replace("-", "_")
        ports = spec.get("ports") or []
        if not ports:
            continue
        env[f"{prefix}_SERVICE_HOST"] = spec["clusterIP"]
        env[f"{prefix}_SERVICE_PORT"] = str(ports[0]["port"])
        for port in ports:
            if port.get("name"):
                env[f"{prefix}_SERVICE_PORT_{port['name'].upper().replace('-', '_')}"] = str(port["port"])
            proto = port.get("protocol", "TCP")
            base = f"{prefix}_PORT_{port['port']}_{proto}"
            env[base] = f"{proto.lower()}://{spec['clusterIP']}:{port['port']}"
            env[f"{base}_PROTO"] = proto.lower()
            env[f"{base}_PORT"] = str(port["port"])
            env[f"{base}_ADDR"] = spec["clusterIP"]
        first = ports[0]
        env[f"{prefix}_PORT"] = f"{first.get('protocol', 'TCP').lower()}://{spec['clusterIP']}:{first['port']}"
    return env


@dataclass
class Sandbox:
    """One pod as its processes see it; implements svclab.network.podenv.PodEnv."""

    network: PodNetwork
    name: str
    namespace: str
    hostname: str
    ip: str
    fs: PodFS
    env: dict[str, str]
    uid: str
    started_at: float
    dns_server: tuple[str, int] = ("127.0.0.1", 0)
    extra: dict[str, Any] = field(default_factory=dict)
    processes: ProcessTable = field(default_factory=lambda: ProcessTable(["sh"]))
    node: str = ""

    async def http_request(self, ip: str, port: int, method: str, path: str, headers: dict[str, str]) -> HttpResponse:
        bridge = self.network.bridge
        assert bridge is not None, "the network has not started"
        return await bridge.call(self.network.http_from_pod, self, ip, port, method, path, headers)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    async def tcp_connect(self, ip: str, port: int) -> Connection:
        bridge = self.network.bridge
        assert bridge is not None, "the network has not started"
        return await bridge.call(self.network.tcp_from_pod, self, ip, port)

    async def icmp_echo(self, ip: str, seq: int) -> EchoReply | None:
        bridge = self.network.bridge
        assert bridge is not None, "the network has not started"
        return await bridge.call(self.network.icmp_from_pod, self, ip, seq)


def make_sandbox(network: PodNetwork, pod: Obj, services: list[Obj], now: float) -> Sandbox:
    meta, spec, status = pod["metadata"], pod.get("spec", {}), pod.get("status", {})
    hostname = spec.get("hostname") or meta["name"]
    namespace = meta["namespace"]
    fqdn = f"{hostname}.{spec['subdomain']}.{namespace}.svc.{CLUSTER_DOMAIN}" if spec.get("subdomain") else None
    ip = status.get("podIP", "")
    files = standard_files(hostname, ip, namespace, fqdn=fqdn)
    files["/etc/resolv.conf"] = resolv_conf(namespace, spec.get("dnsPolicy", "ClusterFirst"), spec.get("dnsConfig"), host_network=bool(spec.get("hostNetwork"))).encode()
    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOSTNAME": hostname, "HOME": "/root"}
    if spec.get("enableServiceLinks", True):
        env.update(_service_env(services, namespace))
    else:
        env.update({k: v for k, v in _service_env(services, namespace).items() if k.startswith("KUBERNETES_")})
    for container in spec.get("containers") or []:
        for var in container.get("env") or []:
            if "value" in var:
                env[var["name"]] = str(var["value"])
        break
    container = next(iter(spec.get("containers") or []), {})
    image = container.get("image", "")
    files.update(image_files(image))   # the image's programs: `ls /bin`, `which`
    fs = PodFS(files, capacity=network.limits.fs_bytes)
    main = ProcessTable(container_command(image, container.get("command"), container.get("args")))
    return Sandbox(network, meta["name"], namespace, hostname, ip, fs, env, meta["uid"], now, network.dns_endpoint,
                   processes=main, node=spec.get("nodeName", ""))
