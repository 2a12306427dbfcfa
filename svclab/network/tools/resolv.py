"""The pod's stub resolver: resolv.conf, /etc/hosts, and parallel UDP queries to the cluster DNS.

Queries really go to ``env.dns_server``; what tools *print* comes from /etc/resolv.conf.
Name lookup for wget/curl/getent follows musl's getaddrinfo (src/network/lookup_name.c).
"""

from __future__ import annotations

import ipaddress
import socket
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol, TypeVar

import dns.asyncbackend
import dns.entropy
import dns.exception
import dns.message
import dns.rcode
import dns.rdatatype

from svclab.network.podenv import PodEnv, PodFS


@dataclass
class ResolvConf:
    """The parts of /etc/resolv.conf the tools use (musl res_conf defaults)."""

    nameservers: list[str] = field(default_factory=list)
    search: list[str] = field(default_factory=list)
    search_raw: str | None = None
    ndots: int = 1
    timeout: float = 5.0
    attempts: int = 2


def parse_resolv_conf(text: str) -> ResolvConf:
    """Parse resolv.conf like musl's __get_resolv_conf (last search/domain line wins)."""
    conf = ResolvConf()
    for line in text.splitlines():
        parts = line.split(None, 1)
        if not parts or parts[0].startswith(("#", ";")):
            continue
        key, arg = parts[0], (parts[1].strip() if len(parts) > 1 else "")
        if key == "nameserver" and arg:
            conf.nameservers.append(arg.split()[0])
        elif key in ("search", "domain") and arg:
            conf.search_raw = arg
            conf.search = arg.split()
        elif key == "options":
            for opt in arg.split():
                name, _, val = opt.partition(":")
                if name in ("ndots", "timeout", "attempts") and val.isdigit():
                    n = int(val)
                    if name == "ndots":
                        conf.ndots = min(n, 15)
                    elif name == "timeout":
                        conf.timeout = float(min(max(n, 1), 60))
                    else:
                        conf.attempts = min(max(n, 1), 10)
    return conf


def resolv_conf(fs: PodFS) -> ResolvConf:
    return parse_resolv_conf(fs.read_text("/etc/resolv.conf", default=""))


def hosts_lookup(fs: PodFS, name: str) -> tuple[list[str], str]:
    """Addresses for ``name`` in /etc/hosts (musl name_from_hosts) and the canonical name."""
    want = name.rstrip(".").lower()
    found: list[str] = []
    canon = ""
    for line in fs.read_text("/etc/hosts", default="").splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) < 2 or want not in (f.lower() for f in fields[1:]):
            continue
        try:
            ipaddress.ip_address(fields[0])
        except ValueError:
            continue
        if fields[0] not in found:
            found.append(fields[0])
        canon = canon or fields[1]
    return found, canon


def is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def reverse_name(ip: str) -> str | None:
    """in-addr.arpa / ip6.arpa name for an address, without the trailing dot."""
    try:
        return ipaddress.ip_address(ip).reverse_pointer
    except ValueError:
        return None


class Query(Protocol):
    """A query as `exchange` sends it: its ID and its bytes."""

    id: int

    def to_wire(self) -> bytes: ...


class Reply(Protocol):
    def rcode(self) -> int: ...


R = TypeVar("R", bound=Reply)


async def exchange(server: tuple[str, int], queries: list[Query], timeout: float = 5.0,
                   attempts: int = 2, servfail_retry: bool = False,
                   parse: Callable[[bytes], R] = dns.message.from_wire,  # type: ignore[assignment]
                   ) -> AsyncIterator[tuple[int, R, int]]:
    """Send all queries at once on one UDP socket; yield (index, reply, wire size) in arrival order, each reply
    read from its bytes by `parse` (a dnspython Message by default; a reply it cannot read is dropped).

    Unanswered queries are resent every ``timeout / attempts`` seconds until ``timeout``
    (busybox nslookup send_queries(), musl res_msend). With ``servfail_retry`` a SERVFAIL is
    resent at once, at most twice per query and send round, as busybox does.
    """
    local = _local_server(server)
    if local is not None:
        answered = await _exchange_local(local, queries, servfail_retry, timeout / attempts, parse)
        if answered is not None:
            for found in answered:
                yield found
            return
    backend = dns.asyncbackend.get_backend("asyncio")
    family = socket.AF_INET6 if ":" in server[0] else socket.AF_INET
    sock = await backend.make_socket(family, socket.SOCK_DGRAM)
    wires = [q.to_wire() for q in queries]
    pending = set(range(len(queries)))
    retry_interval = timeout / attempts
    start = time.monotonic()
    try:
        while pending and time.monotonic() - start < timeout:
            for i in sorted(pending):
                await sock.sendto(wires[i], server, None)
            sent = time.monotonic()
            servfails = 2 * len(queries) if servfail_retry else 0
            while pending:
                left = retry_interval - (time.monotonic() - sent)
                if left <= 0:
                    break
                try:
                    data, _addr = await sock.recvfrom(65535, left)
                except dns.exception.Timeout:
                    break
                except OSError:
                    continue
                index = _match(queries, data, pending)
                if index is None:
                    continue
                try:
                    reply = parse(data)
                except dns.exception.DNSException:
                    continue
                if reply.rcode() == dns.rcode.SERVFAIL and servfails:
                    servfails -= 1
                    await sock.sendto(wires[index], server, None)
                    continue
                pending.discard(index)
                yield index, reply, len(data)
    finally:
        await sock.close()


def _local_server(server: tuple[str, int]) -> Any:
    """The cluster's DNS server when it runs in this process (svclab.dns.server.LOCAL), else None.
    Looked up without importing the server: no server module loaded means no server here."""
    module = sys.modules.get("svclab.dns.server")
    return None if module is None else module.LOCAL.get((server[0], int(server[1])))


async def _exchange_local(local: Any, queries: list[Query], servfail_retry: bool, timeout: float,
                          parse: Callable[[bytes], R]) -> list[tuple[int, R, int]] | None:
    """`exchange` with a server in this process: the queries' bytes handed to it together (one hand-off to its loop
    for all of them, as they are sent together), the replies in the order it answers them (one loop answers one
    datagram at a time, so that is the order they would arrive in); a SERVFAIL is asked again as `exchange` resends
    it. None when any query gets no reply or an unreadable one: then the queries go over UDP after all, so timeouts
    and retries are the socket's."""
    wires = [query.to_wire() for query in queries]
    found = []
    servfails = 2 * len(queries) if servfail_retry else 0
    pending = list(range(len(queries)))
    while pending:
        datas = await local.answer_datagrams([wires[i] for i in pending], timeout)
        again = []
        for index, data in zip(pending, datas):
            if data is None or _match(queries, data, {index}) is None:
                return None
            try:
                reply = parse(data)
            except dns.exception.DNSException:
                return None
            if reply.rcode() == dns.rcode.SERVFAIL and servfails:
                servfails -= 1
                again.append(index)
                continue
            found.append((index, reply, len(data)))
        pending = again
    return found


def _match(queries: list[Query], data: bytes, pending: set[int]) -> int | None:
    if len(data) < 4:
        return None
    qid = int.from_bytes(data[:2], "big")
    for i in sorted(pending):
        if queries[i].id == qid:
            return i
    return None


def make_query(name: str, rdtype: dns.rdatatype.RdataType | str, edns: bool = False) -> dns.message.Message:
    """A recursive query; ids are unique per process (dnspython draws them at random)."""
    q = dns.message.make_query(name if name.endswith(".") else name + ".", rdtype,
                               use_edns=0 if edns else None, payload=1232)
    return q


class WireQuery:
    """A query as bytes: `make_query`'s bytes for a name and type, made once (QUERY_TEMPLATES), under a fresh ID
    drawn as dnspython draws one."""

    __slots__ = ("id", "_rest")

    def __init__(self, rest: bytes) -> None:
        self.id = dns.entropy.random_16()
        self._rest = rest

    def to_wire(self) -> bytes:
        return self.id.to_bytes(2, "big") + self._rest


class AddressReply(NamedTuple):
    """What getaddrinfo reads in a reply: its rcode, the last CNAME target in its answer, its A/AAAA addresses."""

    code: int
    canonical: str | None
    addresses: tuple[str, ...]

    def rcode(self) -> int:
        return self.code


MEMO_ENTRIES = 256
_query_templates: dict[tuple[str, int], bytes] = {}
_address_replies: dict[bytes, AddressReply] = {}


def _remember(memo: dict[Any, Any], key: Any, value: Any) -> None:
    while len(memo) >= MEMO_ENTRIES:
        del memo[next(iter(memo))]
    memo[key] = value


def address_query(name: str, rdtype: int) -> WireQuery:
    """The query musl's name_from_dns sends for (name, type): `make_query`'s bytes, built once per name and type."""
    key = (name, int(rdtype))
    rest = _query_templates.get(key)
    if rest is None:
        rest = make_query(name, rdtype).to_wire()[2:]
        _remember(_query_templates, key, rest)
    return WireQuery(rest)


def address_reply(data: bytes) -> AddressReply:
    """The reply as getaddrinfo reads it (raises a DNSException for bytes dnspython cannot read); the same bytes
    after the ID are read once."""
    key = bytes(data[2:])
    found = _address_replies.get(key)
    if found is None:
        reply = dns.message.from_wire(data)
        canonical: str | None = None
        addresses: list[str] = []
        for rrset in reply.answer:
            if rrset.rdtype == dns.rdatatype.CNAME:
                canonical = rrset[0].target.to_text().rstrip(".")
            elif rrset.rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA):
                addresses.extend(rd.address for rd in rrset)
        found = AddressReply(reply.rcode(), canonical, tuple(addresses))
        _remember(_address_replies, key, found)
    return found


@dataclass
class Lookup:
    """getaddrinfo's result: addresses (A first), the canonical name, or an error kind."""

    addresses: list[str] = field(default_factory=list)
    canonical: str = ""
    error: str = ""   # "" | "NONAME" | "NODATA" | "AGAIN" | "FAIL"


async def _name_from_dns(env: PodEnv, conf: ResolvConf, name: str, v6: bool) -> Lookup:
    """musl name_from_dns(): A and AAAA in parallel; NXDOMAIN on either means 'try next'."""
    types = [dns.rdatatype.A] + ([dns.rdatatype.AAAA] if v6 else [])
    queries = [address_query(name, t) for t in types]
    replies: dict[int, AddressReply] = {}
    async for i, reply, _size in exchange(env.dns_server, queries, conf.timeout, conf.attempts, parse=address_reply):
        replies[i] = reply
    if len(replies) < len(queries):
        return Lookup(error="AGAIN")
    for i in range(len(queries)):
        rcode = replies[i].rcode()
        if rcode == dns.rcode.SERVFAIL:
            return Lookup(error="AGAIN")
        if rcode == dns.rcode.NXDOMAIN:
            return Lookup(error="NONAME")
        if rcode != dns.rcode.NOERROR:
            return Lookup(error="FAIL")
    out = Lookup(canonical=name.rstrip("."))
    for i in range(len(queries)):
        if replies[i].canonical is not None:
            out.canonical = replies[i].canonical  # type: ignore[assignment]
        out.addresses.extend(replies[i].addresses)
    if not out.addresses:
        out.error = "NODATA"
    return out


async def getaddrinfo(env: PodEnv, host: str, v6: bool = True) -> Lookup:
    """musl lookup_name(): numeric, then /etc/hosts, then DNS with the search path."""
    if is_ip(host):
        return Lookup(addresses=[host], canonical=host)
    name = host.rstrip(".")
    if not name:
        return Lookup(error="NONAME")
    found, canon = hosts_lookup(env.fs, name)
    if found:
        return Lookup(addresses=found, canonical=canon)
    conf = resolv_conf(env.fs)
    # musl name_from_dns_search(): search only when dots < ndots and no trailing dot;
    # a search candidate answering NXDOMAIN moves on, anything else ends the walk.
    if name.count(".") < conf.ndots and not host.endswith("."):
        for domain in conf.search:
            result = await _name_from_dns(env, conf, f"{name}.{domain.rstrip('.')}", v6)
            if result.error != "NONAME":
                return result
    return await _name_from_dns(env, conf, name, v6)
