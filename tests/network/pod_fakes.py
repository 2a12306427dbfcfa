"""The pod shell/tools tests' fakes: a real UDP DNS server on loopback answering from a dict, and a fake pod.

A module of its own (not conftest.py), so test modules import it by a name no other test folder uses."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import dns.rrset

from svclab.network import gohttp
from svclab.network.icmp import EchoReply
from svclab.network.podenv import ConnectionRefused, ConnectTimeout, HttpResponse, PodFS, standard_files
from svclab.network.processes import ProcessTable
from svclab.network.tcp import Connection, Endpoint

ZONE = dns.name.from_text("cluster.local.")
SOA = "ns.dns.cluster.local. hostmaster.cluster.local. 1700000000 7200 1800 86400 30"

# A small cluster: web-service (ClusterIP), mysql-headless (3 ready pods), a selector-less
# headless Service (no records at all), kube-dns, and the PTR/SRV records CoreDNS would serve.
RECORDS: dict[tuple[str, str], list[str]] = {
    ("web-service.default.svc.cluster.local.", "A"): ["10.96.100.50"],
    ("mysql-headless.default.svc.cluster.local.", "A"): ["10.244.1.5", "10.244.2.8", "10.244.3.12"],
    ("mysql-0.mysql-headless.default.svc.cluster.local.", "A"): ["10.244.1.5"],
    ("mysql-1.mysql-headless.default.svc.cluster.local.", "A"): ["10.244.2.8"],
    ("mysql-2.mysql-headless.default.svc.cluster.local.", "A"): ["10.244.3.12"],
    ("kube-dns.kube-system.svc.cluster.local.", "A"): ["10.96.0.10"],
    ("_mysql._tcp.mysql-headless.default.svc.cluster.local.", "SRV"): [
        "0 33 3306 mysql-0.mysql-headless.default.svc.cluster.local.",
        "0 33 3306 mysql-1.mysql-headless.default.svc.cluster.local.",
        "0 33 3306 mysql-2.mysql-headless.default.svc.cluster.local."],
    ("50.100.96.10.in-addr.arpa.", "PTR"): ["web-service.default.svc.cluster.local."],
}


class RecordServer(asyncio.DatagramProtocol):
    """Answers from a dict: NOERROR with records, NODATA (name exists, other type) or NXDOMAIN,
    with the zone SOA in the authority section of negative answers; AA set inside cluster.local."""

    def __init__(self, records: dict[tuple[str, str], list[str]]) -> None:
        self.records = records
        self.names = {name for name, _ in records}
        self.transport: Any = None
        self.queries: list[tuple[str, str]] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr: Any) -> None:
        query = dns.message.from_wire(data)
        q = query.question[0]
        qname, qtype = q.name.to_text().lower(), dns.rdatatype.to_text(q.rdtype)
        self.queries.append((qname, qtype))
        resp = dns.message.make_response(query)
        in_zone = q.name.is_subdomain(ZONE) or q.name.to_text().endswith(".in-addr.arpa.")
        if in_zone:
            resp.flags |= dns.flags.AA
        values = self.records.get((qname, qtype))
        if values:
            resp.answer.append(dns.rrset.from_text_list(q.name, 30, "IN", qtype, values))
        else:
            if qname not in self.names:
                resp.set_rcode(dns.rcode.NXDOMAIN)
            origin = ZONE if in_zone else dns.name.root
            resp.authority.append(dns.rrset.from_text(origin, 30, "IN", "SOA", SOA))
        self.transport.sendto(resp.to_wire(want_shuffle=False), addr)


@dataclass
class FakePod:
    """A PodEnv: a real filesystem object, the DNS server above, and an HTTP table. A TCP
    connection to an address of the HTTP table is served by the Go HTTP server emulation; ``icmp``
    maps the addresses that answer ping to their reply; ``files`` are added to the filesystem
    (an image's /bin)."""

    dns_server: tuple[str, int]
    name: str = "client"
    namespace: str = "default"
    hostname: str = "client"
    ip: str = "10.244.1.9"
    env: dict[str, str] = field(default_factory=dict)
    http: dict[tuple[str, int], Callable[[str, str, dict[str, str]], Any] | str] = field(default_factory=dict)
    requests: list[tuple[str, int, str, str, dict[str, str]]] = field(default_factory=list)
    slept: list[float] = field(default_factory=list)
    icmp: dict[str, EchoReply] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    main: list[str] = field(default_factory=lambda: ["sleep", "3600"])
    fs: PodFS = field(init=False)
    processes: ProcessTable = field(init=False)
    servers: list[asyncio.Task[None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.fs = PodFS({**standard_files(self.hostname, self.ip, self.namespace), **self.files})
        self.processes = ProcessTable(self.main)

    async def http_request(self, ip: str, port: int, method: str, path: str,
                           headers: dict[str, str]) -> HttpResponse:
        self.requests.append((ip, port, method, path, dict(headers)))
        handler = self.http.get((ip, port))
        if handler is None:
            raise ConnectionRefused(f"{ip}:{port}")
        if handler == "timeout":
            raise ConnectTimeout(f"{ip}:{port}")
        assert callable(handler)
        result = handler(method, path, headers)
        if inspect.isawaitable(result):
            result = await result
        assert isinstance(result, HttpResponse)
        return result

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        await asyncio.sleep(0)

    async def tcp_connect(self, ip: str, port: int) -> Connection:
        handler = self.http.get((ip, port))
        if handler is None:
            raise ConnectionRefused(f"{ip}:{port}")
        if handler == "timeout":
            raise ConnectTimeout(f"{ip}:{port}")
        conn = Connection(Endpoint(self.ip, 40000), Endpoint(ip, port), Endpoint(ip, port))

        async def answer(method: str, path: str, headers: dict[str, str]) -> HttpResponse:
            return await self.http_request(ip, port, method, path, headers)

        self.servers.append(asyncio.ensure_future(gohttp.serve(conn, answer)))
        return conn

    async def icmp_echo(self, ip: str, seq: int) -> EchoReply | None:
        return self.icmp.get(ip)


class DNSHarness:
    """Start the record server and build pods that query it."""

    def __init__(self, records: dict[tuple[str, str], list[str]]) -> None:
        self.records = records
        self.server: RecordServer | None = None
        self.transport: asyncio.DatagramTransport | None = None

    async def __aenter__(self) -> DNSHarness:
        loop = asyncio.get_running_loop()
        transport, proto = await loop.create_datagram_endpoint(
            lambda: RecordServer(self.records), local_addr=("127.0.0.1", 0))
        self.transport, self.server = transport, proto
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.transport is not None:
            self.transport.close()

    @property
    def address(self) -> tuple[str, int]:
        assert self.transport is not None
        host, port = self.transport.get_extra_info("sockname")[:2]
        return host, port

    def pod(self, **kw: Any) -> FakePod:
        return FakePod(dns_server=self.address, **kw)
