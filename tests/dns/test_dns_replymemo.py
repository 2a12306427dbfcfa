"""A DNS server that gives kept replies again (svclab.dns.replymemo) answers byte for byte what one that works every
reply out does: the same queries, in the same order, through cluster changes, a Corefile reload, TTLs counting
down in the cache and the loadbalance generator's draws."""

from __future__ import annotations

import copy
import random
from typing import Any

import dns.edns
import dns.flags
import dns.message
import pytest

from coredns_harness import CONFIGMAPS, Addr, FakeClock, corefile_configmap, endpoint_slice, namespace, pod, service
from svclab import resources
from svclab.dns.kindcorefile import kind_corefile
from svclab.dns.replymemo import ReplyMemo
from svclab.dns.server import DNSServer
from svclab.state.store import Store

OBJECTS = [
    namespace("shop"),
    service("web", "shop", ["10.96.0.20"], [("http", 80, "TCP")]),
    endpoint_slice("web-1", "shop", "web", [Addr("10.244.1.5", pod="web-a"), Addr("10.244.1.6", pod="web-b")], [("http", 80, "TCP")]),
    service("db", "shop", ["None"], [("mysql", 3306, "TCP")]),
    endpoint_slice("db-1", "shop", "db", [Addr(f"10.244.2.{i}", hostname=f"db-{i}") for i in range(1, 4)], [("mysql", 3306, "TCP")]),
    service("big", "shop", ["None"], [("http", 80, "TCP")]),
    endpoint_slice("big-1", "shop", "big", [Addr(f"10.244.3.{i}") for i in range(1, 60)], [("http", 80, "TCP")]),
    service("ext", "shop", external_name="example.com"),
    pod("web-a", "shop", ["10.244.1.5"]),
    corefile_configmap(kind_corefile()),
]


def _query(name: str, qtype: str, **edns: object) -> dns.message.Message:
    q = dns.message.make_query(name, qtype, **edns)  # type: ignore[arg-type]
    return q


QUERIES = [
    _query("web.shop.svc.cluster.local", "A"),
    _query("web.shop.svc.cluster.local", "AAAA"),
    _query("WEB.Shop.svc.cluster.local", "A"),  # the owner keeps the asker's case
    _query("web.shop.svc.cluster.local", "A", use_edns=0, payload=1232),
    _query("web.shop.svc.cluster.local", "A", use_edns=0, payload=4096, want_dnssec=True),
    _query("web.shop.svc.cluster.local", "A", use_edns=0, options=[dns.edns.GenericOption(10, b"\x01" * 8)]),
    _query("web.shop.svc.cluster.local", "A", use_edns=1),  # BADVERS
    _query("db.shop.svc.cluster.local", "A"),  # three records: loadbalance draws
    _query("db-2.db.shop.svc.cluster.local", "A"),
    _query("_mysql._tcp.db.shop.svc.cluster.local", "SRV"),
    _query("big.shop.svc.cluster.local", "A"),  # truncated over UDP, whole over TCP
    _query("nope.shop.svc.cluster.local", "A"),
    _query("nope.shop.svc.cluster.local", "AAAA"),
    _query("10-244-1-5.shop.pod.cluster.local", "A"),
    _query("ext.shop.svc.cluster.local", "A"),  # CNAME, then the upstream through the cache
    _query("example.com", "A"),  # the cache keeps it: TTLs count down
    _query("5.1.244.10.in-addr.arpa", "PTR"),
    _query("cluster.local", "SOA"),
    _query("web.shop.svc.cluster.local", "TXT"),
]


def _pair() -> tuple[tuple[DNSServer, Store], tuple[DNSServer, Store], FakeClock]:
    clock = FakeClock()
    made = []
    for _ in range(2):
        store = Store(now=lambda: "2026-01-01T00:00:00Z")
        for res, obj in OBJECTS:
            store.create(res, copy.deepcopy(obj))
        made.append((DNSServer(store, rng=random.Random(7), now=clock.time), store))
    made[1][0]._memo = ReplyMemo(capacity=0)  # keeps nothing: every reply worked out
    return made[0], made[1], clock


def _change(store: Store, step: int) -> None:
    if step == 1:  # a new endpoint: web's name answers the same, the index moved on
        res, eps = endpoint_slice("web-1", "shop", "web", [Addr("10.244.1.5"), Addr("10.244.1.6"), Addr("10.244.1.7")], [("http", 80, "TCP")])
        current = store.peek(res, "shop", "web-1")
        eps["metadata"] = current["metadata"]
        store.update(res, eps)
    elif step == 2:  # a Corefile with another TTL: loaded at the next reload check
        current = copy.deepcopy(store.peek(CONFIGMAPS, "kube-system", "coredns"))
        current["data"]["Corefile"] = kind_corefile(ttl=7)
        store.update(CONFIGMAPS, current)
    elif step == 3:
        store.delete(resources.SERVICES, "shop", "db")
        store.delete(resources.SERVICES, "shop", "web")
    elif step == 4:  # writes that change nothing an answer reads: kept replies hold
        store.create(CONFIGMAPS, {"metadata": {"name": "unrelated", "namespace": "shop"}, "data": {"a": "b"}})
        _write_pod(store, lambda p: p["status"].update(conditions=[{"type": "Ready", "status": "True"}]))
    elif step == 5:  # a pod's new address: its name and its PTR answer otherwise
        _write_pod(store, lambda p: p["status"].update(podIP="10.244.1.9", podIPs=[{"ip": "10.244.1.9"}]))
    elif step == 6:  # labels alone: the dataclasses' equality leaves them out, a label filter reads them
        _write_pod(store, lambda p: p["metadata"].update(labels={"tier": "front"}))
        current = copy.deepcopy(store.peek(resources.NAMESPACES, "", "shop"))
        current["metadata"]["labels"] = {"team": "a"}
        store.update(resources.NAMESPACES, current)


def _write_pod(store: Store, change: Any) -> None:
    current = copy.deepcopy(store.peek(resources.PODS, "shop", "web-a"))
    change(current)
    store.update(resources.PODS, current)


STEPS = 7


@pytest.mark.parametrize("tcp", [False, True])
def test_kept_replies_are_the_bytes_the_engine_writes(tcp: bool) -> None:
    (memo, memo_store), (plain, plain_store), clock = _pair()
    asked = 0
    for step in range(STEPS):
        for store in (memo_store, plain_store):
            _change(store, step)
        for _ in range(3):
            for query in QUERIES:
                query.id = (query.id + 1) & 0xFFFF
                data = query.to_wire()
                got, want = memo.answer(data, tcp=tcp), plain.answer(data, tcp=tcp)
                assert got == want, f"step {step}: {query.question[0]}"
                asked += 1
            clock.advance(13)  # past the reload check, and cached TTLs count down
    kept = memo._memo.hits
    assert plain._memo.hits == 0
    assert 0 < kept < asked


def test_a_kept_reply_is_given_without_the_engine() -> None:
    (server, store), _plain, _clock = _pair()
    data = QUERIES[0].to_wire()
    first = server.answer(data, tcp=False)
    calls = []
    engine = server.engine
    engine.respond = lambda query, depth=0: calls.append(query)  # type: ignore[method-assign]
    again = bytearray(data)
    again[:2] = b"\xbe\xef"
    second = server.answer(bytes(again), tcp=False)
    assert calls == [] and second is not None and second[:2] == b"\xbe\xef" and second[2:] == first[2:]  # type: ignore[index]
    del engine.respond
    _change(store, 1)  # any event: worked out again
    third = server.answer(data, tcp=False)
    assert third is not None and dns.message.from_wire(third).flags & dns.flags.AA


def test_the_memo_is_bounded() -> None:
    (server, _store), _plain, _clock = _pair()
    for i in range(3 * 512):
        server.answer(_query(f"n{i}.shop.svc.cluster.local", "A").to_wire(), tcp=False)
    assert len(server._memo._replies) == 512
    huge = _query("web.shop.svc.cluster.local", "A", use_edns=0, options=[dns.edns.GenericOption(12, b"\x00" * 600)]).to_wire()
    before = server._memo.hits
    server.answer(huge, tcp=True)
    server.answer(huge, tcp=True)
    assert server._memo.hits == before  # a query over 512 bytes is never kept


def test_only_a_change_to_what_answers_read_moves_the_generation() -> None:
    (server, store), _plain, clock = _pair()
    index = server.engine.index
    data = QUERIES[13].to_wire()  # the pod's A record
    first = server.answer(data, tcp=False)
    generation, hits = index.generation, server._memo.hits
    store.create(CONFIGMAPS, {"metadata": {"name": "unrelated", "namespace": "shop"}, "data": {"a": "b"}})
    _write_pod(store, lambda p: p["status"].update(conditions=[{"type": "Ready", "status": "True"}]))
    current = copy.deepcopy(store.peek(resources.SERVICES, "shop", "web"))
    current["status"] = {"loadBalancer": {}}
    store.update(resources.SERVICES, current)
    assert index.generation == generation
    assert server.answer(data, tcp=False) == first and server._memo.hits == hits + 1
    clock.advance(1)  # a pod event a second later moves the SOA serial (dnsControl.modified): answers may differ
    _write_pod(store, lambda p: p["status"].update(conditions=[]))
    assert index.generation == generation + 1
    _write_pod(store, lambda p: p["metadata"].update(labels={"tier": "front"}))
    assert index.generation == generation + 2
