"""The loadbalance plugin: shuffled address records, CNAMEs first, nothing else touched."""

from __future__ import annotations

import random
from collections import Counter

import dns.message
import dns.rdatatype
import dns.rrset

from svclab.dns.loadbalance import round_robin_shuffle, shuffle


def reply_with(*rrsets: dns.rrset.RRset, rcode: int = 0) -> dns.message.Message:
    query = dns.message.make_query("web.default.svc.cluster.local", "A")
    reply = dns.message.make_response(query)
    reply.answer = list(rrsets)
    reply.set_rcode(rcode)
    return reply


def a_records(*ips: str) -> dns.rrset.RRset:
    return dns.rrset.from_text_list("web.default.svc.cluster.local.", 30, "IN", "A", list(ips))


def test_every_order_of_three_addresses_comes_up() -> None:
    rng = random.Random(0)
    seen = Counter(tuple(r.address for r in shuffle(reply_with(a_records("10.244.1.2", "10.244.1.3", "10.244.2.2")), rng).answer[0]) for _ in range(600))
    assert len(seen) == 6 and min(seen.values()) > 40


def test_cname_comes_first_and_other_types_keep_their_order() -> None:
    cname = dns.rrset.from_text("db.default.svc.cluster.local.", 30, "IN", "CNAME", "web.default.svc.cluster.local.")
    srv = dns.rrset.from_text_list("_http._tcp.web.default.svc.cluster.local.", 30, "IN", "SRV", ["0 50 80 a.web.default.svc.cluster.local.", "0 50 80 b.web.default.svc.cluster.local."])
    out = shuffle(reply_with(a_records("10.244.1.2", "10.244.1.3"), cname, srv), random.Random(1))
    assert [r.rdtype for r in out.answer] == [dns.rdatatype.CNAME, dns.rdatatype.SRV, dns.rdatatype.A]
    assert [r.to_text() for r in out.answer[1]] == [r.to_text() for r in srv]


def test_negative_answers_are_untouched_and_seeds_repeat() -> None:
    negative = reply_with(a_records("10.244.1.2", "10.244.1.3"), rcode=3)
    assert [r.address for r in shuffle(negative, random.Random(2)).answer[0]] == ["10.244.1.2", "10.244.1.3"]
    first, second = ([1, 2, 3, 4, 5], [1, 2, 3, 4, 5])
    round_robin_shuffle(first, random.Random(9))
    round_robin_shuffle(second, random.Random(9))
    assert first == second and sorted(first) == [1, 2, 3, 4, 5]
