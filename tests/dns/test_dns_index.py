"""The DNS server's index follows the store's events; the offline upstream; the cache; the engine's routing."""

from __future__ import annotations

import copy
from pathlib import Path

import dns.flags
import dns.message
import dns.name
import dns.rcode
import pytest

from svclab import resources
from svclab.dns.cache import Cache
from svclab.dns.config import CacheConfig
from svclab.dns.corefile import load
from svclab.dns.engine import Engine
from svclab.dns.index import ClusterIndex
from svclab.dns.server import DNSServer
from svclab.dns.upstream import ENV_ZONE_FILE, OfflineUpstream, ZoneError
from svclab.state.store import Store

from coredns_harness import Addr, FakeClock, endpoint_slice, namespace, pod, service


def make_store(*objs: tuple) -> Store:
    store = Store(now=lambda: "2026-01-01T00:00:00Z")
    for res, obj in objs:
        store.create(res, obj)
    return store


def ask(server: DNSServer, name: str, qtype: str = "A") -> dns.message.Message:
    return server.respond(dns.message.make_query(name, qtype))


def addresses(reply: dns.message.Message) -> set[str]:
    return {rd.to_text() for r in reply.answer for rd in r}


# ---- the index ------------------------------------------------------------------------------------------------
def test_the_server_follows_creates_updates_and_deletes_in_the_store() -> None:
    clock = FakeClock()
    store = make_store(namespace("shop"))
    server = DNSServer(store, now=clock.time)
    assert ask(server, "web.shop.svc.cluster.local").rcode() == dns.rcode.NXDOMAIN
    res, svc = service("web", "shop", ["None"], [("http", 80, "TCP")])
    store.create(res, svc)
    res, eps = endpoint_slice("web-1", "shop", "web", [Addr("10.244.1.5"), Addr("10.244.1.6", ready=False)], [("http", 80, "TCP")])
    store.create(res, eps)
    assert addresses(ask(server, "web.shop.svc.cluster.local")) == {"10.244.1.5"}
    ready = copy.deepcopy(store.peek(res, "shop", "web-1"))
    ready["endpoints"][1]["conditions"]["ready"] = True
    store.update(res, ready)
    assert addresses(ask(server, "web.shop.svc.cluster.local")) == {"10.244.1.5", "10.244.1.6"}
    assert ask(server, "6.1.244.10.in-addr.arpa", "PTR").answer
    store.delete(res, "shop", "web-1")
    reply = ask(server, "web.shop.svc.cluster.local")
    assert reply.rcode() == dns.rcode.NXDOMAIN  # a headless Service with no endpoints has no name
    # in-addr.arpa is not excluded from kind's `cache 30`: the PTR is served from the cache until it expires
    assert ask(server, "6.1.244.10.in-addr.arpa", "PTR").answer
    clock.advance(30)
    assert ask(server, "6.1.244.10.in-addr.arpa", "PTR").rcode() == dns.rcode.NXDOMAIN
    store.delete(resources.SERVICES, "shop", "web")
    store.delete(resources.NAMESPACES, "", "shop")
    assert ask(server, "shop.svc.cluster.local").rcode() == dns.rcode.NXDOMAIN


def test_a_changed_cluster_ip_moves_the_reverse_entry() -> None:
    clock = FakeClock()
    store = make_store(namespace("shop"), service("web", "shop", ["10.96.5.5"], [("http", 80, "TCP")]))
    server = DNSServer(store, now=clock.time)
    assert ask(server, "5.5.96.10.in-addr.arpa", "PTR").answer
    svc = copy.deepcopy(store.peek(resources.SERVICES, "shop", "web"))
    svc["spec"]["clusterIP"], svc["spec"]["clusterIPs"] = "10.96.6.6", ["10.96.6.6"]
    store.update(resources.SERVICES, svc)
    clock.advance(30)  # past the cached PTR
    assert ask(server, "5.5.96.10.in-addr.arpa", "PTR").rcode() == dns.rcode.NXDOMAIN
    assert addresses(ask(server, "6.6.96.10.in-addr.arpa", "PTR")) == {"web.shop.svc.cluster.local."}


def test_a_terminating_pod_stays_as_the_informer_last_saw_it() -> None:
    # object.ToPod returns errPodTerminating and DefaultProcessor skips the update
    index = ClusterIndex()
    res, p = pod("web-0", "shop", ["10.244.1.9"])
    index.apply("ADDED", "pods", p)
    gone = copy.deepcopy(p)
    gone["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    gone["status"]["podIP"] = "10.244.1.10"
    index.apply("MODIFIED", "pods", gone)
    assert [q.name for q in index.pod_index("10.244.1.9")] == ["web-0"] and not index.pod_index("10.244.1.10")
    index.apply("DELETED", "pods", gone)
    assert not index.pod_index("10.244.1.9")


def test_a_malformed_object_does_not_break_the_writer_or_the_index() -> None:
    store = make_store(namespace("shop"))
    server = DNSServer(store)
    store.create(resources.SERVICES, {"metadata": {"name": "odd", "namespace": "shop"}, "spec": {"ports": [{"port": "eighty"}]}})
    assert store.peek(resources.SERVICES, "shop", "odd") is not None  # the write went through
    store.create(*service("web", "shop", ["10.96.1.1"], [("http", 80, "TCP")]))
    assert addresses(ask(server, "web.shop.svc.cluster.local")) == {"10.96.1.1"}


def test_the_soa_serial_is_the_time_of_the_last_change() -> None:
    clock = FakeClock(1_800_000_000)
    store = make_store(namespace("shop"))
    server = DNSServer(store, now=clock.time)
    serial = ask(server, "x.shop.svc.cluster.local").authority[0][0].serial
    assert serial == 1_800_000_000
    clock.advance(60)
    store.create(*service("web", "shop", ["10.96.1.1"], [("http", 80, "TCP")]))
    assert ask(server, "x.shop.svc.cluster.local").authority[0][0].serial == 1_800_000_060


# ---- the offline upstream -------------------------------------------------------------------------------------------
def test_the_offline_upstream_answers_like_a_recursive_resolver() -> None:
    up = OfflineUpstream.default()
    found = up.resolve(dns.name.from_text("WWW.Example.com."), 1)
    assert found.rcode == dns.rcode.NOERROR
    assert [r.to_text() for r in found.answer] == ["WWW.Example.com. 300 IN CNAME example.com.", "example.com. 300 IN A 192.0.2.1"]
    nodata = up.resolve(dns.name.from_text("db.example.com."), 15)  # MX
    assert nodata.rcode == dns.rcode.NOERROR and not nodata.answer and nodata.authority[0].name.to_text() == "example.com."
    assert nodata.authority[0].ttl == 3600  # RFC 2308: min(SOA TTL, SOA minimum)
    missing = up.resolve(dns.name.from_text("nope.example.org."), 1)
    assert missing.rcode == dns.rcode.NXDOMAIN and missing.authority[0].name.to_text() == "example.org."
    outside = up.resolve(dns.name.from_text("kubernetes.io."), 1)
    assert outside.rcode == dns.rcode.NXDOMAIN and outside.authority[0].name.to_text() == "."
    reply = up.reply(dns.message.make_query("db.example.com", "A"))
    assert reply.flags & dns.flags.RA and not reply.flags & dns.flags.AA
    # every address in the built-in zone is a documentation address (RFC 5737, RFC 3849)
    for name in up.names():
        for qtype in (1, 28):
            for rrset in up.resolve(dns.name.from_text(name), qtype).answer:
                for rd in rrset:
                    if rrset.rdtype in (1, 28):
                        assert rd.address.startswith(("192.0.2.", "198.51.100.", "203.0.113.", "2001:db8:"))


def test_the_upstream_zone_can_come_from_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    zone = tmp_path / "course.zone"
    zone.write_text("$ORIGIN shop.test.\n$TTL 60\n@ IN SOA ns hostmaster 1 2 3 4 5\ndb IN A 203.0.113.7\n   IN A 203.0.113.8\n")
    monkeypatch.setenv(ENV_ZONE_FILE, str(zone))
    up = OfflineUpstream.default()
    assert up.source == str(zone)
    assert [r.to_text() for r in up.resolve(dns.name.from_text("db.shop.test."), 1).answer] == [
        "db.shop.test. 60 IN A 203.0.113.7\ndb.shop.test. 60 IN A 203.0.113.8"
    ]
    zone.write_text("$TTL 60\ndb.shop.test. IN A not-an-address\n")
    with pytest.raises(ZoneError, match=r"course.zone:2: "):
        OfflineUpstream.default()
    monkeypatch.setenv(ENV_ZONE_FILE, str(tmp_path / "missing.zone"))
    with pytest.raises(ZoneError, match="missing.zone: No such file or directory"):
        OfflineUpstream.default()


# ---- the cache -------------------------------------------------------------------------------------------------------
def test_cache_counts_down_and_expires() -> None:
    clock = FakeClock()
    cache = Cache(CacheConfig(success_ttl=30, denial_ttl=30), clock.time)
    q = dns.message.make_query("db.example.com", "A")
    reply = OfflineUpstream.default().reply(q)
    sent = cache.written(q, reply)
    assert {r.ttl for r in sent.answer} == {30}
    clock.advance(29.5)
    hit = cache.lookup(q)
    assert hit is not None and hit.flags & dns.flags.AA and {r.ttl for r in hit.answer} == {1}
    clock.advance(1)
    assert cache.lookup(q) is None
    # DO and CD are part of the key (plugin/cache hash)
    cache.written(q, OfflineUpstream.default().reply(q))
    assert cache.lookup(dns.message.make_query("db.example.com", "A", want_dnssec=True)) is None


def test_cache_keeps_nothing_for_disabled_zones_but_still_caps_ttls() -> None:
    cache = Cache(CacheConfig(success_ttl=30, denial_ttl=30, success_except=("cluster.local.",), denial_except=("cluster.local.",)))
    server = DNSServer(make_store(namespace("default"), service("kubernetes", "default", ["10.96.0.1"], [("https", 443, "TCP")])), ttl=3000)
    q = dns.message.make_query("kubernetes.default.svc.cluster.local", "A")
    reply = server.respond(q)
    assert {r.ttl for r in reply.answer} == {30}  # kind's cache 30 capped the kubernetes plugin's 3000
    cache.written(q, reply)
    assert cache.lookup(q) is None


# ---- the engine: which plugin answers ----------------------------------------------------------------------------------
def engine(corefile: str) -> Engine:
    index = ClusterIndex.from_objects(namespaces=[{"metadata": {"name": "default"}}])
    return Engine(load(corefile), index, OfflineUpstream.default(), serial=1)


def test_names_no_plugin_answers_are_servfail_and_names_no_block_serves_are_refused() -> None:
    e = engine("cluster.local {\n    kubernetes\n}\n")
    assert e.respond(dns.message.make_query("example.com", "A")).rcode() == dns.rcode.REFUSED
    e = engine(".:53 {\n    kubernetes cluster.local\n}\n")
    assert e.respond(dns.message.make_query("example.com", "A")).rcode() == dns.rcode.SERVFAIL
    e = engine(".:53 {\n    kubernetes cluster.local\n    forward . 8.8.8.8 {\n       except example.org\n    }\n}\n")
    assert e.respond(dns.message.make_query("example.com", "A")).answer
    assert e.respond(dns.message.make_query("www.example.org", "A")).rcode() == dns.rcode.SERVFAIL


def test_a_stub_domain_block_serves_its_zone() -> None:
    e = engine(".:53 {\n    kubernetes cluster.local\n}\nexample.com:53 {\n    forward . 192.0.2.53\n}\n")
    assert e.respond(dns.message.make_query("db.example.com", "A")).answer
    assert e.respond(dns.message.make_query("example.org", "A")).rcode() == dns.rcode.SERVFAIL


def test_fallthrough_passes_nxdomain_on_to_forward() -> None:
    e = engine(".:53 {\n    kubernetes cluster.local {\n       fallthrough\n    }\n    forward . /etc/resolv.conf\n}\n")
    reply = e.respond(dns.message.make_query("nope.default.svc.cluster.local", "A"))
    # the upstream's NXDOMAIN (root SOA), not the plugin's
    assert reply.rcode() == dns.rcode.NXDOMAIN and reply.authority[0].name.to_text() == "."
