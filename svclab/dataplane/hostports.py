"""kind's ``extraPortMappings`` on the embedded cluster: ``curl http://localhost:30080/`` from your own
terminal reaches a NodePort Service, as it does with ``kind create cluster --config kind/cluster.yaml``.

For each TCP mapping (``hostPort`` → ``containerPort`` on a node) the cluster listens on
127.0.0.1:``hostPort`` — loopback only, whatever ``listenAddress`` says. A connection is what Docker's
port mapping makes of it on kind: a connection from the Docker network's gateway (172.18.0.1) to the
node's IP and ``containerPort``. It is walked through that node's kube-proxy rules
(:mod:`svclab.dataplane.trace` over :mod:`svclab.dataplane.proxier`), so the endpoint is drawn as the
``statistic`` rules draw it, ClientIP affinity holds through ``recent``, ``externalTrafficPolicy:
Local`` drops when the node has no local endpoint, and a Service without endpoints is REJECTed.
The pod then sees the node's IP as the client (masqueraded) or the gateway's (Local policy).

How it looks from the host, as through Docker's userland proxy on kind: the host port accepts the
connection; when the node refuses (REJECT, nothing listening) the connection is reset; when it drops,
the connection hangs (here for ``drop_hold_seconds``, then reset).

A host port that is taken is one warning line, never a failed start: the cluster serves without that
mapping. ``SVCLAB_HOST_PORTS`` chooses: ``kind`` (the mappings of kind/cluster.yaml, what ``svclab up``
uses), ``off``, or ``HOST:CONTAINER[,HOST:CONTAINER…]`` (e.g. ``31080:30080`` to reach NodePort
30080 at 127.0.0.1:31080).
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import os
import random
import socket
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Iterable

from svclab.dataplane.hoststatus import STATUS_FILE, status_lines  # noqa: F401 - the status file, also read from here
from svclab.dataplane.portmappings import (  # noqa: F401 - which ports are mapped (without asyncio or PyYAML), also read from here
    BUILTIN_MAPPINGS, ENV, KIND_CONFIG, PortMapping, SettingError, kind_mappings, kind_node_names, known_mappings, resolve)
from svclab.network.podenv import ConnectionRefused, ConnectTimeout, HttpResponse, NotHttp
from svclab.version import NODE_NETWORK

if TYPE_CHECKING:  # kube-proxy's rules (proxier, ruleset, trace) load with the first connection, not at cluster start
    from svclab.dataplane import ruleset, trace

Obj = dict[str, Any]
log = logging.getLogger("svclab.hostports")

DOCKER_GATEWAY = str(next(ipaddress.ip_network(NODE_NETWORK).hosts()))  # 172.18.0.1
MAX_CONNECTIONS = 64
MAX_REQUEST_HEAD = 16 * 1024
MAX_REQUEST_BODY = 1024 * 1024
READ_TIMEOUT = 10.0

PodHTTP = Callable[[str, str, int, str, str], Awaitable[HttpResponse]]
Objects = Callable[[], tuple[Iterable[Obj], Iterable[Obj], Iterable[Obj]]]


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with an RST, as a refused upstream connection looks through Docker's proxy."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
    writer.close()


def _response_bytes(response: HttpResponse, method: str) -> bytes:
    headers = {k: v for k, v in response.headers.items() if k.lower() not in ("content-length", "connection")}
    lines = [f"HTTP/1.1 {response.status} {response.reason}".rstrip()]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    lines += [f"Content-Length: {len(response.body)}", "Connection: close", "", ""]
    return "\r\n".join(lines).encode("latin-1", errors="replace") + (b"" if method == "HEAD" else response.body)


@dataclass
class HostPorts:
    """The listeners of one cluster's port mappings (run on the cluster's event loop)."""

    mappings: list[PortMapping]
    objects: Objects
    pod_http: PodHTTP
    now: Callable[[], float]
    seed: int = 0
    drop_hold_seconds: float = 30.0
    servers: list[asyncio.AbstractServer] = field(default_factory=list)
    _slots: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(MAX_CONNECTIONS))
    _rules: dict[str, tuple[tuple[Any, ...], ruleset.Ruleset]] = field(default_factory=dict)
    _tracer: trace.Tracer | None = None

    @property
    def tracer(self) -> trace.Tracer:
        """The walk through the nodes' rules, made with the first connection (its draws are the seed's alone)."""
        if self._tracer is None:
            from svclab.dataplane import trace

            self._tracer = trace.Tracer(random.Random(f"{self.seed}/hostports"), self.now)
        return self._tracer

    @classmethod
    async def start(cls, setting: str | None, objects: Objects, pod_http: PodHTTP, now: Callable[[], float], seed: int = 0,
                    cluster: str = "svclab", state_dir: Path | None = None, kind_config: Path = KIND_CONFIG,
                    drop_hold_seconds: float = 30.0, handed: Any = None) -> "HostPorts":
        """Listen on every mapping the setting asks for; a taken port is logged, not raised. The kind config's mappings
        are those `handed` over or kept in `state_dir` for its content, else read (svclab.dataplane.portmappings)."""
        try:
            mappings = resolve(setting, cluster, kind_config, lambda: known_mappings(cluster, kind_config, state_dir, handed))
        except SettingError as exc:
            log.warning("svclab: %s; no host ports are mapped", exc)
            mappings = []
        self = cls(mappings, objects, pod_http, now, seed, drop_hold_seconds)
        for mapping in mappings:
            await self._listen(mapping)
        if state_dir is not None:
            self.write_status(state_dir)
        return self

    async def _listen(self, mapping: PortMapping) -> None:
        where = f"127.0.0.1:{mapping.host_port}"
        if mapping.protocol != "TCP":
            mapping.message = f"{mapping.protocol} mapping {where} → {mapping.node}:{mapping.container_port} is not emulated (TCP only)"
            log.warning("svclab: %s", mapping.message)
            return
        try:
            server = await asyncio.start_server(lambda r, w: self._connection(mapping, r, w), "127.0.0.1", mapping.host_port,
                                                limit=MAX_REQUEST_HEAD, reuse_address=True)
        except OSError as exc:
            mapping.message = (f"host port {where} is unavailable ({exc.strerror or exc}): NodePort {mapping.container_port} is not "
                               f"mapped to this machine; pick another with {ENV}={_free_hint(mapping.host_port)}:{mapping.container_port}")
            log.warning("svclab: %s", mapping.message)
            return
        self.servers.append(server)
        mapping.ok = True
        mapping.message = f"http://{where} → {mapping.node}:{mapping.container_port} (kind extraPortMappings)"

    def write_status(self, state_dir: Path) -> None:
        """``hostports.json`` (0600) in the state dir, for ``svclab up`` to print."""
        path = state_dir / STATUS_FILE
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(json.dumps([m.as_dict() for m in self.mappings], indent=2) + "\n")

    async def stop(self) -> None:
        for server in self.servers:
            server.close()
        for server in self.servers:
            try:
                await asyncio.wait_for(server.wait_closed(), timeout=2)
            except (asyncio.TimeoutError, Exception):  # wait_closed may wait for open connections
                pass
        self.servers.clear()

    # ---- one connection ---------------------------------------------------------------------
    def verdict(self, mapping: PortMapping) -> tuple[trace.Verdict, str]:
        """Where the node's rules send a new connection from the Docker gateway; and the node IP."""
        from svclab.dataplane import proxier, ruleset, trace

        services, slices, nodes = (list(found) for found in self.objects())
        node = next((n for n in nodes if (n.get("metadata") or {}).get("name") == mapping.node), None)
        if node is None:
            return trace.Verdict("local"), ""
        node_ip = next((a["address"] for a in (node.get("status") or {}).get("addresses") or [] if a.get("type") == "InternalIP"), "")
        # kube-proxy resyncs when Services, EndpointSlices or its Node change: so is the ruleset rebuilt
        version = tuple((o.get("metadata") or {}).get("resourceVersion") for o in [node, *services, *slices])
        cached = self._rules.get(mapping.node)
        if cached is None or cached[0] != version:
            settings = proxier.NodeSettings(node_name=mapping.node, node_ip=node_ip, node_labels=(node.get("metadata") or {}).get("labels") or {})
            cached = (version, ruleset.from_restore(proxier.sync_proxy_rules(services, slices, settings), proxier.jump_rules(settings)))
            self._rules[mapping.node] = cached
        return self.tracer.trace(cached[1], DOCKER_GATEWAY, "tcp", node_ip, mapping.container_port, {node_ip}), node_ip

    async def _connection(self, mapping: PortMapping, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._slots.locked():
            _reset(writer)
            return
        async with self._slots:
            try:
                await self._exchange(mapping, reader, writer)
            except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.TimeoutError, ValueError):
                _reset(writer)
            except Exception:  # the emulated app failed: the pod resets the connection, the cluster lives on
                log.exception("host port %s: connection failed", mapping.host_port)
                _reset(writer)

    async def _exchange(self, mapping: PortMapping, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        verdict, node_ip = self.verdict(mapping)
        if verdict.kind == "drop":
            await self._hold(reader)
            _reset(writer)
            return
        if verdict.kind != "dnat" or verdict.destination is None:
            _reset(writer)  # REJECT, or nothing listens on the node's port: refused
            return
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), READ_TIMEOUT)
        request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
        parts = request_line.split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/"):
            writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request")
            await writer.drain()
            writer.close()
            return
        method, target = parts[0], parts[1]
        length = next((int(line.split(b":", 1)[1].strip() or b"0") for line in head.split(b"\r\n")[1:]
                       if line.lower().startswith(b"content-length:")), 0)
        if 0 < length <= MAX_REQUEST_BODY:
            await asyncio.wait_for(reader.readexactly(length), READ_TIMEOUT)
        elif length > MAX_REQUEST_BODY:
            raise ValueError("request body too large")
        path = target.split("://", 1)[1].split("/", 1)[1] if "://" in target else target.lstrip("/")
        client = node_ip if verdict.masquerade else DOCKER_GATEWAY
        pod_ip, pod_port = verdict.destination
        try:
            response = await self.pod_http(client, pod_ip, pod_port, method, "/" + path)
        except ConnectTimeout:
            await self._hold(reader)
            _reset(writer)
            return
        except ConnectionRefused:
            _reset(writer)
            return
        except NotHttp as other:   # mysql: its greeting, then its error for the request, then it closes
            writer.write(other.greeting)
            await writer.drain()
            writer.close()
            return
        writer.write(_response_bytes(response, method))
        await writer.drain()
        writer.close()

    async def _hold(self, reader: asyncio.StreamReader) -> None:
        """A dropped SYN: nothing answers until the client gives up (or the hold ends)."""
        try:
            await asyncio.wait_for(reader.read(), self.drop_hold_seconds)
        except (asyncio.TimeoutError, ConnectionError):
            pass


def _free_hint(port: int) -> int:
    """A port to suggest instead: the next one up that is free now."""
    for candidate in range(port + 1000, min(port + 1100, 65535)):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", candidate))
                return candidate
            except OSError:
                continue
    return port + 1000
