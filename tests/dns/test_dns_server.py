"""The DNS server over real loopback UDP and TCP sockets, queried with dnspython."""

from __future__ import annotations

import asyncio
import socket
import struct
from typing import Any, Callable

import dns.flags
import dns.message
import dns.query
import dns.rcode

from dns_fixtures import NAMESPACES, SERIAL, cluster, endpoint, endpoint_slice, lines, port, service
from svclab.dns.server import DNSServer
from svclab.dns.view import StaticView

VIEW = cluster(
    [service("big", "testns", ["None"], [port("http", 80)])],
    [endpoint_slice("big-1", "testns", "big", [endpoint(f"10.244.3.{i}") for i in range(1, 81)], [port("http", 80)])],
)


def _udp_raw(port_: int, payload: bytes, timeout: float = 0.3) -> bytes | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(payload, ("127.0.0.1", port_))
        try:
            return s.recv(65535)
        except socket.timeout:
            return None


def _tcp_session(port_: int, frames: list[bytes]) -> list[bytes]:
    """Send several length-prefixed frames on one connection; read one reply per valid query."""
    out: list[bytes] = []
    with socket.create_connection(("127.0.0.1", port_), timeout=2) as s:
        for frame in frames:
            s.sendall(struct.pack("!H", len(frame)) + frame)
        s.settimeout(0.5)
        buf = b""
        while True:
            try:
                chunk = s.recv(65535)
            except socket.timeout:
                break
            if not chunk:
                break
            buf += chunk
        while len(buf) >= 2:
            (n,) = struct.unpack("!H", buf[:2])
            out.append(buf[2 : 2 + n])
            buf = buf[2 + n :]
    return out


async def _with_server(check: Callable[[int], None]) -> None:
    server = DNSServer(VIEW, serial=SERIAL)
    await server.start()
    try:
        assert server.port > 0
        await asyncio.to_thread(check, server.port)
    finally:
        await server.stop()
    assert server.port == 0


def test_udp_and_tcp_on_the_same_port() -> None:
    def check(p: int) -> None:
        q = dns.message.make_query("kubernetes.default.svc.cluster.local", "A")
        udp = dns.query.udp(q, "127.0.0.1", port=p, timeout=2)
        tcp = dns.query.tcp(q, "127.0.0.1", port=p, timeout=2)
        for reply in (udp, tcp):
            assert reply.id == q.id and reply.flags & dns.flags.AA
            assert lines(reply.answer) == {"kubernetes.default.svc.cluster.local. 30 IN A 10.96.0.1"}
        nx = dns.query.udp(dns.message.make_query("nope.default.svc.cluster.local", "A"), "127.0.0.1", port=p, timeout=2)
        assert nx.rcode() == dns.rcode.NXDOMAIN and len(nx.authority) == 1

    asyncio.run(_with_server(check))


def test_garbage_then_a_valid_query_over_udp() -> None:
    def check(p: int) -> None:
        assert _udp_raw(p, b"\x00\x01garbage") is None  # too short for a header: dropped
        assert _udp_raw(p, b"\xff" * 40) is None  # QR set: dropped
        formerr = _udp_raw(p, struct.pack("!6H", 9, 0x0100, 1, 0, 0, 0) + b"\x05ab", timeout=2)
        assert formerr is not None and struct.unpack("!6H", formerr)[1] & 0xF == dns.rcode.FORMERR
        q = dns.message.make_query("svc1.testns.svc.cluster.local", "A")
        reply = dns.query.udp(q, "127.0.0.1", port=p, timeout=2)
        assert lines(reply.answer) == {"svc1.testns.svc.cluster.local. 30 IN A 10.0.0.1"}

    asyncio.run(_with_server(check))


def test_garbage_frame_then_a_valid_query_over_tcp() -> None:
    def check(p: int) -> None:
        q = dns.message.make_query("svc1.testns.svc.cluster.local", "A")
        replies = _tcp_session(p, [b"\x01\x02\x03", q.to_wire()])
        assert len(replies) == 1
        msg = dns.message.from_wire(replies[0])
        assert msg.id == q.id and lines(msg.answer) == {"svc1.testns.svc.cluster.local. 30 IN A 10.0.0.1"}

    asyncio.run(_with_server(check))


def test_big_answers_truncate_over_udp_and_not_over_tcp() -> None:
    def check(p: int) -> None:
        q = dns.message.make_query("big.testns.svc.cluster.local", "A")
        udp = dns.query.udp(q, "127.0.0.1", port=p, timeout=2, ignore_trailing=True)
        assert udp.flags & dns.flags.TC
        tcp = dns.query.tcp(q, "127.0.0.1", port=p, timeout=2)
        assert not tcp.flags & dns.flags.TC and sum(len(r) for r in tcp.answer) == 80

    asyncio.run(_with_server(check))


def test_server_sees_changes_in_the_view() -> None:
    slices: list[dict[str, Any]] = []
    view = StaticView([service("late", "testns", ["None"], [port("http", 80)])], slices, [], NAMESPACES)

    async def run() -> None:
        server = DNSServer(view, serial=SERIAL)
        await server.start()
        try:
            q = dns.message.make_query("late.testns.svc.cluster.local", "A")
            before = await asyncio.to_thread(dns.query.udp, q, "127.0.0.1", port=server.port, timeout=2)
            assert before.rcode() == dns.rcode.NXDOMAIN
            slices.append(
                endpoint_slice("late-1", "testns", "late", [endpoint("10.244.9.9")], [port("http", 80)])
            )
            after = await asyncio.to_thread(dns.query.udp, q, "127.0.0.1", port=server.port, timeout=2)
            assert lines(after.answer) == {"late.testns.svc.cluster.local. 30 IN A 10.244.9.9"}
        finally:
            await server.stop()

    asyncio.run(run())


def test_a_resolver_in_this_process_gets_the_bytes_udp_would_bring() -> None:
    """The in-process hand-off (`DNSServer.answer_datagram`, used by the pods' resolver in the same process) answers
    each datagram with the very bytes the UDP socket answers with, from a loop on another thread as a session's
    is; a datagram UDP drops gets no reply; a stopped server is not handed anything."""
    from svclab.dns import server as server_module

    queries = [
        dns.message.make_query("svc1.testns.svc.cluster.local", "A").to_wire(),
        dns.message.make_query("svc1.testns.svc.cluster.local", "AAAA").to_wire(),  # NODATA, SOA in authority
        dns.message.make_query("nope.testns.svc.cluster.local", "A").to_wire(),  # NXDOMAIN
        dns.message.make_query("big.testns.svc.cluster.local", "A").to_wire(),  # truncated over UDP
        struct.pack("!6H", 9, 0x0100, 1, 0, 0, 0) + b"\x05ab",  # FORMERR
        b"\xff" * 40,  # a reply, not a query: dropped
    ]

    async def main() -> None:
        server = DNSServer(VIEW, serial=SERIAL)
        await server.start()
        try:
            assert server_module.LOCAL[(server.host, server.port)] is server
            over_udp = [await asyncio.to_thread(_udp_raw, server.port, q) for q in queries]
            handed = await asyncio.to_thread(lambda: asyncio.run(_hand_all(server, queries)))
            assert handed == over_udp
            assert over_udp[-1] is None and all(over_udp[:-1])
        finally:
            await server.stop()
        assert (server.host, server.port) not in server_module.LOCAL
        assert await server.answer_datagram(queries[0]) is None

    async def _hand_all(server: DNSServer, wires: list[bytes]) -> list[bytes | None]:
        return [await server.answer_datagram(w) for w in wires]

    asyncio.run(main())
