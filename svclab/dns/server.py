"""The cluster DNS server: UDP and TCP on one loopback port, on the caller's asyncio loop.

It serves a source of cluster objects:
- a Store (anything with `items` and `subscribe`): the objects are indexed once and kept current
  from the store's events (svclab.dns.index), and the `coredns` ConfigMap in kube-system is the
  Corefile, reloaded as the `reload` plugin does (svclab.dns.reload);
- a ClusterView (tests): indexed again for every query, so changes behind it are seen.

Without a `coredns` ConfigMap the server runs kind's Corefile for `zone` (kubeadm's, with `ttl`).
"""

from __future__ import annotations

import asyncio
import os
import random
import struct
import threading
import time
from typing import TYPE_CHECKING, Any, Callable, Sequence, cast

from svclab.dns.constants import DEFAULT_TTL, ENV_ZONE_FILE, KUBE_DNS_IP
from svclab.dns.index import ClusterIndex
from svclab.dns.kindcorefile import kind_corefile
from svclab.dns.replymemo import ReplyMemo

if TYPE_CHECKING:
    import dns.message

    from svclab.dns.engine import Engine
    from svclab.dns.reload import CorefileState
    from svclab.dns.upstream import OfflineUpstream

# miekg/dns server.go defaults
TCP_READ_TIMEOUT = 2.0
TCP_IDLE_TIMEOUT = 8.0
MAX_TCP_QUERIES = 128
_BIND_ATTEMPTS = 20

# This process's running DNS servers by the (host, port) they listen on. A pod's resolver in the same
# process (svclab.network.tools.resolv.exchange) hands its query's bytes to the server here instead of
# through a pair of UDP sockets on loopback: the same bytes in, the same reply out, answered on the
# server's loop as a datagram is; what it saves is the sockets and two wake-ups of each loop.
LOCAL: dict[tuple[str, int], "DNSServer"] = {}


class _UDPProtocol(asyncio.DatagramProtocol):
    def __init__(self, server: DNSServer) -> None:
        self.server = server
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: Any) -> None:
        try:
            out = self.server.answer(data, tcp=False)
            if out is not None and self.transport is not None:
                self.transport.sendto(out, addr)
        except Exception:  # a bad packet never stops the server
            return

    def error_received(self, exc: Exception) -> None:
        return


class DNSServer:
    """Serves the cluster the way kind's CoreDNS does, following the Corefile it is given."""

    def __init__(
        self,
        source: Any,
        *,
        zone: str = "cluster.local",
        ttl: int = DEFAULT_TTL,
        serial: int | None = None,
        nameserver_ip: str = KUBE_DNS_IP,
        rng: random.Random | None = None,
        now: Callable[[], float] = time.time,
        upstream: OfflineUpstream | None = None,
        local_ips: Sequence[str] | None = None,
    ) -> None:
        self.rng = rng  # None: answers in cluster order (loadbalance not emulated)
        self.zone = zone
        self.ttl = ttl
        self.serial = serial
        self.nameserver_ip = nameserver_ip
        self.now = now
        # The offline upstream: a zone file named by SVCLAB_DNS_UPSTREAM_ZONE is read now (a bad one stops
        # the start with its message); the built-in zone is loaded with the engine, on the first query.
        if upstream is None and os.environ.get(ENV_ZONE_FILE):
            from svclab.dns.upstream import OfflineUpstream

            upstream = OfflineUpstream.default()
        self.upstream = upstream
        self._local_ips = local_ips
        self._lock = threading.Lock()
        if hasattr(source, "subscribe") and hasattr(source, "items"):
            self._view = None
            self.index = ClusterIndex.follow(source, now)
        else:
            self._view = source
            self.index = ClusterIndex.from_view(source, now)
        self._corefile_version = self.index.corefile_version
        self._dns_pods_version = self.index.dns_pods_version
        # The Corefile the server starts with, and when: it is parsed (and its reload schedule drawn from
        # that start) when a query or a log first needs it (see `corefile`), not while the cluster starts.
        self._start_corefile = (self.index.corefile, now(), kind_corefile(zone.rstrip("."), ttl))
        self._corefile: CorefileState | None = None
        self._engine: Engine | None = None   # made for the first query (see `engine`)
        self._memo = ReplyMemo()
        self.host = ""
        self._port = 0
        self._udp: asyncio.DatagramTransport | None = None
        self._tcp: asyncio.Server | None = None
        self._conns: set[asyncio.Task[None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def corefile(self) -> CorefileState:
        """The running Corefile, its reload schedule and CoreDNS's log, as they would be had the server loaded
        its Corefile when it started (svclab.dns.reload; the parser loads with it)."""
        if self._corefile is None:
            from svclab.dns.reload import CorefileState

            text, started, default = self._start_corefile
            self._corefile = CorefileState(text, self.now, default=default, started=started)
        return self._corefile

    @property
    def engine(self) -> Engine:
        """The running Corefile's query engine, made when a query first needs it: the engine and
        dnspython load then, not while the cluster starts (the Corefile itself is loaded at start, so
        its reload schedule and log begin with the server)."""
        if self._engine is None:
            from svclab.dns.engine import Engine
            from svclab.dns.upstream import OfflineUpstream

            if self.upstream is None:
                self.upstream = OfflineUpstream.default()
            self._engine = Engine(
                self.corefile.config,
                self.index,
                self.upstream,
                serial=self.serial,
                rng=self.rng,
                now=self.now,
                local_ips=self._local_ips,
                fallback_ns_ip=self.nameserver_ip,
            )
        return self._engine

    @property
    def port(self) -> int:
        """The port UDP and TCP both listen on (0 before start)."""
        return self._port

    def log_lines(self) -> list[str]:
        """What CoreDNS would have logged by now (startup, reloads, reload failures)."""
        with self._lock:
            self._refresh()
            return list(self.corefile.log)

    def next_reload_check(self) -> float | None:
        """When the reload plugin next looks at the Corefile (cluster clock), None without `reload`."""
        with self._lock:
            self._refresh()
            return self.corefile.next_check

    def _refresh(self) -> None:
        """Catch up with the cluster: reload checks that fell due, CoreDNS pods that (re)started."""
        if self._view is not None:
            self.index = ClusterIndex.from_view(self._view, self.now)
            if self._engine is not None:
                self._engine.index = self.index
        changed = False
        if self.index.dns_pods_version != self._dns_pods_version:
            self._dns_pods_version = self.index.dns_pods_version
            if self.corefile.config.reload is None:
                changed = self.corefile.restart(self.index.corefile)
        if self.corefile.due(self.now()):
            changed = self.corefile.tick(self.index.corefile) or changed
        if changed:
            self._engine = None   # the next query runs the new configuration, with empty caches

    def respond(self, query: dns.message.Message) -> dns.message.Message:
        with self._lock:
            self._refresh()
            engine = self.engine
        return engine.respond(query)

    def answer(self, data: bytes, *, tcp: bool) -> bytes | None:
        """Reply bytes for request bytes, None for no reply. A reply the engine worked out from the query and the
        index alone is given again for the same query bytes until either changes (svclab.dns.replymemo)."""
        from svclab.dns import wire

        with self._lock:
            self._refresh()
            engine = self.engine
        kept = self._memo.get(engine, data, tcp)
        if kept is not None:
            return kept
        generation, effects = engine.index.generation, engine.effects
        out = wire.answer(data, engine.respond, tcp=tcp)
        if out is not None:
            self._memo.put(engine, generation, effects, data, tcp, out)
        return out

    async def answer_datagram(self, data: bytes, timeout: float = 5.0) -> bytes | None:
        """What this server sends back for the UDP datagram `data` (None: no reply, or none within `timeout`), for
        a client in this process on any loop: answered on the server's own loop, as `_UDPProtocol.datagram_received`
        answers a datagram."""
        return (await self.answer_datagrams([data], timeout))[0]

    async def answer_datagrams(self, datagrams: list[bytes], timeout: float = 5.0) -> list[bytes | None]:
        """`answer_datagram` for datagrams sent together (a resolver's A and AAAA queries): answered one after
        another on the server's loop, in the order given, as datagrams that arrive together are, with one hand-off
        to that loop and one back. Every reply is None when the loop has closed or is stuck past `timeout`."""
        loop = self._loop
        if loop is None:
            return [None] * len(datagrams)
        if asyncio.get_running_loop() is loop:
            return [self._answer_quietly(data) for data in datagrams]
        client = asyncio.get_running_loop()
        replies: asyncio.Future[list[bytes | None]] = client.create_future()

        def deliver(out: list[bytes | None]) -> None:
            if not replies.done():
                replies.set_result(out)

        def on_server_loop() -> None:
            out = [self._answer_quietly(data) for data in datagrams]
            try:
                client.call_soon_threadsafe(deliver, out)
            except RuntimeError:  # the client's loop has closed: no one waits for it
                pass

        try:
            loop.call_soon_threadsafe(on_server_loop)
            return await asyncio.wait_for(replies, timeout)
        except (RuntimeError, asyncio.TimeoutError):  # the server's loop has closed, or is stuck: no reply
            return [None] * len(datagrams)

    def _answer_quietly(self, data: bytes) -> bytes | None:
        try:
            return self.answer(data, tcp=False)
        except Exception:  # a bad packet never stops the server: no reply, as over UDP
            return None

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Bind UDP and TCP on the same port (a free one when port is 0)."""
        loop = asyncio.get_running_loop()
        last_error: OSError | None = None
        for _ in range(_BIND_ATTEMPTS if port == 0 else 1):
            transport, _proto = await loop.create_datagram_endpoint(
                lambda: _UDPProtocol(self), local_addr=(host, port)
            )
            bound = transport.get_extra_info("sockname")[1]
            try:
                self._tcp = await asyncio.start_server(self._serve_tcp, host, bound)
            except OSError as err:  # the TCP side of that port is taken: try another
                transport.close()
                last_error = err
                continue
            self._udp = transport
            self.host, self._port = host, bound
            self._loop = loop
            LOCAL[(host, bound)] = self
            return
        raise last_error if last_error is not None else OSError("could not bind the DNS server")

    async def stop(self) -> None:
        """Close both sockets and any open TCP connections."""
        if LOCAL.get((self.host, self._port)) is self:
            del LOCAL[(self.host, self._port)]
        self._loop = None
        if self._udp is not None:
            self._udp.close()
            self._udp = None
        if self._tcp is not None:
            self._tcp.close()
            for task in list(self._conns):
                task.cancel()
            if self._conns:
                await asyncio.gather(*self._conns, return_exceptions=True)
            await self._tcp.wait_closed()
            self._tcp = None
        self._port = 0

    async def _serve_tcp(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._conns.add(task)
        try:
            timeout = TCP_READ_TIMEOUT
            for _ in range(MAX_TCP_QUERIES):
                try:
                    head = await asyncio.wait_for(reader.readexactly(2), timeout)
                    (length,) = struct.unpack("!H", head)
                    data = await asyncio.wait_for(reader.readexactly(length), timeout)
                except (asyncio.TimeoutError, asyncio.IncompleteReadError, ConnectionError):
                    break
                out = self.answer(data, tcp=True)
                if out is not None:
                    writer.write(struct.pack("!H", len(out)) + out)
                    await writer.drain()
                timeout = TCP_IDLE_TIMEOUT
        except (asyncio.CancelledError, Exception):
            pass
        finally:
            writer.close()
            try:
                await writer.wait_closed()
            except (asyncio.CancelledError, Exception):
                pass
            if task is not None:
                self._conns.discard(task)
