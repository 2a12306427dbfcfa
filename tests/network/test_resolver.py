"""getaddrinfo's queries and replies as bytes (svclab.network.tools.resolv): the same query bytes `make_query` builds,
the same lookups in-process as over UDP, the in-process hand-off of A and AAAA together with busybox's SERVFAIL
retries, and bounded memos."""

from __future__ import annotations

import asyncio
import random

import dns.message
import dns.rcode
import dns.rdatatype
import pytest

from pod_fakes import FakePod
from svclab import resources
from svclab.dns import server as server_module
from svclab.dns.server import DNSServer
from svclab.network.tools import resolv
from svclab.state.store import Store


@pytest.mark.parametrize("name", ["web.shop.svc.cluster.local", "WEB.shop.", "a" * 63 + ".example.com", "x"])
@pytest.mark.parametrize("rdtype", [dns.rdatatype.A, dns.rdatatype.AAAA])
def test_an_address_query_is_make_querys_bytes_under_a_fresh_id(name: str, rdtype: int) -> None:
    ids = set()
    for _ in range(3):
        query = resolv.address_query(name, rdtype)
        reference = resolv.make_query(name, rdtype)
        reference.id = query.id
        assert query.to_wire() == reference.to_wire()
        ids.add(query.id)
    assert len(ids) > 1


def _service(name: str, spec: dict[str, object]) -> dict[str, object]:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": "shop"}, "spec": spec}


def _slice(service: str, ips: list[str], port: int) -> dict[str, object]:
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4",
            "metadata": {"name": f"{service}-1", "namespace": "shop", "labels": {"kubernetes.io/service-name": service}},
            "endpoints": [{"addresses": [ip], "conditions": {"ready": True}} for ip in ips], "ports": [{"port": port, "protocol": "TCP"}]}


def _store() -> Store:
    store = Store(now=lambda: "2026-01-01T00:00:00Z")
    store.create(resources.NAMESPACES, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})
    ports = [{"port": 80, "protocol": "TCP"}]
    store.create(resources.SERVICES, _service("web", {"type": "ClusterIP", "clusterIP": "10.96.0.20", "clusterIPs": ["10.96.0.20"], "ports": ports}))
    store.create(resources.SERVICES, _service("db", {"type": "ClusterIP", "clusterIP": "None", "clusterIPs": ["None"], "ports": ports}))
    store.create(resources.SERVICES, _service("alias", {"type": "ExternalName", "externalName": "web.shop.svc.cluster.local", "ports": ports}))
    store.create(resources.SERVICES, _service("outside", {"type": "ExternalName", "externalName": "example.com", "ports": ports}))
    store.create(resources.ENDPOINT_SLICES, _slice("web", ["10.244.1.5"], 80))
    store.create(resources.ENDPOINT_SLICES, _slice("db", [f"10.244.2.{i}" for i in range(1, 4)], 80))
    return store


NAMES = ["web", "db", "alias", "outside", "nope", "web.shop", "web.shop.svc.cluster.local.", "example.com", "10.244.1.5"]


def test_getaddrinfo_in_process_finds_what_it_finds_over_udp() -> None:
    """The same server asked through the in-process hand-off and over loopback UDP, twice each (the second time
    from the memos): the same addresses (a headless name's as a set: loadbalance shuffles them), canonical names
    and errors."""
    async def main() -> None:
        server = DNSServer(_store(), rng=random.Random(3))
        await server.start()
        try:
            pod_ = FakePod(dns_server=(server.host, server.port), namespace="shop")
            found = {}
            for mode in ("local", "udp", "local", "udp"):
                if mode == "udp":
                    del server_module.LOCAL[(server.host, server.port)]
                try:
                    for name in NAMES:
                        lookup = await asyncio.to_thread(lambda: asyncio.run(resolv.getaddrinfo(pod_, name)))
                        result = (sorted(lookup.addresses), lookup.canonical, lookup.error)
                        assert found.setdefault(name, result) == result, (mode, name)
                finally:
                    server_module.LOCAL[(server.host, server.port)] = server
            assert found["web"] == (["10.96.0.20"], "web.shop.svc.cluster.local", "")
            assert found["db"] == (["10.244.2.1", "10.244.2.2", "10.244.2.3"], "db.shop.svc.cluster.local", "")
            assert found["alias"] == (["10.96.0.20"], "web.shop.svc.cluster.local", "")
            assert found["nope"] == ([], "", "NONAME")
        finally:
            await server.stop()

    asyncio.run(main())


class _Flaky:
    """A server in this process that answers SERVFAIL to the first `failures` datagrams of each query name."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.handed: list[list[bytes]] = []
        self.seen: dict[str, int] = {}

    async def answer_datagrams(self, datagrams: list[bytes], timeout: float = 5.0) -> list[bytes | None]:
        self.handed.append(datagrams)
        out = []
        for data in datagrams:
            query = dns.message.from_wire(data)
            key = f"{query.question[0].name}/{query.question[0].rdtype}"
            self.seen[key] = self.seen.get(key, 0) + 1
            reply = dns.message.make_response(query)
            if self.seen[key] <= self.failures:
                reply.set_rcode(dns.rcode.SERVFAIL)
            out.append(reply.to_wire())
        return out


@pytest.mark.parametrize("failures, retry, handed, rcodes", [
    (0, True, 1, [dns.rcode.NOERROR, dns.rcode.NOERROR]),      # A and AAAA in one hand-off
    (1, True, 2, [dns.rcode.NOERROR, dns.rcode.NOERROR]),      # both resent once, together
    (3, True, 3, [dns.rcode.SERVFAIL, dns.rcode.SERVFAIL]),    # at most twice per query: four resends in all
    (1, False, 1, [dns.rcode.SERVFAIL, dns.rcode.SERVFAIL]),   # musl takes a SERVFAIL as it comes
])
def test_the_in_process_hand_off_resends_servfails_as_exchange_does(failures: int, retry: bool, handed: int, rcodes: list[int]) -> None:
    flaky = _Flaky(failures)
    queries = [resolv.make_query("web.shop.svc.cluster.local", t) for t in ("A", "AAAA")]
    found = asyncio.run(resolv._exchange_local(flaky, queries, retry, 2.5, dns.message.from_wire))
    assert found is not None
    assert len(flaky.handed) == handed
    assert [reply.rcode() for _i, reply, _size in sorted(found, key=lambda f: f[0])] == rcodes


def test_the_memos_are_bounded() -> None:
    for i in range(3 * resolv.MEMO_ENTRIES):
        query = resolv.address_query(f"n{i}.example.com", dns.rdatatype.A)
        reply = dns.message.make_response(dns.message.from_wire(query.to_wire()))
        resolv.address_reply(reply.to_wire())
    assert len(resolv._query_templates) <= resolv.MEMO_ENTRIES and len(resolv._address_replies) <= resolv.MEMO_ENTRIES
    with pytest.raises(dns.exception.DNSException):
        resolv.address_reply(b"\x00\x01\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00\x03web")
