"""Golden answers of the record engine.

Cases marked "handler_test" copy coredns/coredns plugin/kubernetes/handler_test.go
(dnsTestCases, nsTestCases) with kind's TTL of 30; "spec §x" cites kubernetes/dns
docs/specification.md; the rest follow the CoreDNS code paths named in each test.
"""

from __future__ import annotations

import dns.flags
import dns.rcode
import pytest

from dns_fixtures import (
    SOA_CLUSTER,
    ask,
    cluster,
    endpoint,
    endpoint_slice,
    lines,
    port,
    rcode,
    service,
)

SOA = {SOA_CLUSTER}
VIEW = cluster()

# (qname, qtype, rcode, answer, authority, additional) — handler_test dnsTestCases
HANDLER_CASES = [
    # A Service
    ("svc1.testns.svc.cluster.local.", "A", "NOERROR", {"svc1.testns.svc.cluster.local. 30 IN A 10.0.0.1"}, set(), set()),
    # A Service whose EndpointSlice has no endpoints still has its ClusterIP
    ("svcempty.testns.svc.cluster.local.", "A", "NOERROR",
     {"svcempty.testns.svc.cluster.local. 30 IN A 10.0.0.11"}, set(), set()),
    # SRV on the bare service name
    ("svc1.testns.svc.cluster.local.", "SRV", "NOERROR",
     {"svc1.testns.svc.cluster.local. 30 IN SRV 0 100 80 svc1.testns.svc.cluster.local."}, set(),
     {"svc1.testns.svc.cluster.local. 30 IN A 10.0.0.1"}),
    ("svc6.testns.svc.cluster.local.", "SRV", "NOERROR",
     {"svc6.testns.svc.cluster.local. 30 IN SRV 0 100 80 svc6.testns.svc.cluster.local."}, set(),
     {"svc6.testns.svc.cluster.local. 30 IN AAAA 1234:abcd::1"}),
    # SRV Service (spec §2.3.2)
    ("_http._tcp.svc1.testns.svc.cluster.local.", "SRV", "NOERROR",
     {"_http._tcp.svc1.testns.svc.cluster.local. 30 IN SRV 0 100 80 svc1.testns.svc.cluster.local."}, set(),
     {"svc1.testns.svc.cluster.local. 30 IN A 10.0.0.1"}),
    ("_http._tcp.svcempty.testns.svc.cluster.local.", "SRV", "NOERROR",
     {"_http._tcp.svcempty.testns.svc.cluster.local. 30 IN SRV 0 100 80 svcempty.testns.svc.cluster.local."}, set(),
     {"svcempty.testns.svc.cluster.local. 30 IN A 10.0.0.11"}),
    # A Service (Headless) (spec §2.4.1)
    ("hdls1.testns.svc.cluster.local.", "A", "NOERROR",
     {f"hdls1.testns.svc.cluster.local. 30 IN A 172.0.0.{i}" for i in (2, 3, 4, 5)}, set(), set()),
    # A Service (Headless and Portless)
    ("hdlsprtls.testns.svc.cluster.local.", "A", "NOERROR",
     {"hdlsprtls.testns.svc.cluster.local. 30 IN A 172.0.0.20"}, set(), set()),
    # An Endpoint with no port
    ("172-0-0-20.hdlsprtls.testns.svc.cluster.local.", "A", "NOERROR",
     {"172-0-0-20.hdlsprtls.testns.svc.cluster.local. 30 IN A 172.0.0.20"}, set(), set()),
    # An Endpoint ip
    ("172-0-0-2.hdls1.testns.svc.cluster.local.", "A", "NOERROR",
     {"172-0-0-2.hdls1.testns.svc.cluster.local. 30 IN A 172.0.0.2"}, set(), set()),
    ("172-0-0-3.hdls1.testns.svc.cluster.local.", "A", "NOERROR",
     {"172-0-0-3.hdls1.testns.svc.cluster.local. 30 IN A 172.0.0.3"}, set(), set()),
    # An Endpoint by name: one A per IP of that hostname
    ("dup-name.hdls1.testns.svc.cluster.local.", "A", "NOERROR",
     {"dup-name.hdls1.testns.svc.cluster.local. 30 IN A 172.0.0.4",
      "dup-name.hdls1.testns.svc.cluster.local. 30 IN A 172.0.0.5"}, set(), set()),
    # SRV Service (Headless): 6 items, weight floor(100/6) = 16; duplicate targets dropped (spec §2.4.2)
    ("_http._tcp.hdls1.testns.svc.cluster.local.", "SRV", "NOERROR",
     {f"_http._tcp.hdls1.testns.svc.cluster.local. 30 IN SRV 0 16 80 {t}.hdls1.testns.svc.cluster.local."
      for t in ("172-0-0-2", "172-0-0-3", "5678-abcd--1", "5678-abcd--2", "dup-name")}, set(),
     {"172-0-0-2.hdls1.testns.svc.cluster.local. 30 IN A 172.0.0.2",
      "172-0-0-3.hdls1.testns.svc.cluster.local. 30 IN A 172.0.0.3",
      "5678-abcd--1.hdls1.testns.svc.cluster.local. 30 IN AAAA 5678:abcd::1",
      "5678-abcd--2.hdls1.testns.svc.cluster.local. 30 IN AAAA 5678:abcd::2",
      "dup-name.hdls1.testns.svc.cluster.local. 30 IN A 172.0.0.4",
      "dup-name.hdls1.testns.svc.cluster.local. 30 IN A 172.0.0.5"}),
    # AAAA
    ("5678-abcd--2.hdls1.testns.svc.cluster.local", "AAAA", "NOERROR",
     {"5678-abcd--2.hdls1.testns.svc.cluster.local. 30 IN AAAA 5678:abcd::2"}, set(), set()),
    # CNAME External (spec §2.5)
    ("external.testns.svc.cluster.local.", "CNAME", "NOERROR",
     {"external.testns.svc.cluster.local. 30 IN CNAME ext.interwebs.test."}, set(), set()),
    # CNAME External To Internal Service
    ("external-to-service.testns.svc.cluster.local", "A", "NOERROR",
     {"external-to-service.testns.svc.cluster.local. 30 IN CNAME svc1.testns.svc.cluster.local.",
      "svc1.testns.svc.cluster.local. 30 IN A 10.0.0.1"}, set(), set()),
    # AAAA Service (with an existing A record, but no AAAA record)
    ("svc1.testns.svc.cluster.local.", "AAAA", "NOERROR", set(), SOA, set()),
    # AAAA / A Service (non-existing service)
    ("svc0.testns.svc.cluster.local.", "AAAA", "NXDOMAIN", set(), SOA, set()),
    ("svc0.testns.svc.cluster.local.", "A", "NXDOMAIN", set(), SOA, set()),
    # A Service (non-existing namespace)
    ("svc0.svc-nons.svc.cluster.local.", "A", "NXDOMAIN", set(), SOA, set()),
    # TXT Schema (spec §2.2): the plugin writes TTL 28800, and kind's `cache 30` caps every reply
    # it passes on to 30 (plugin/cache ResponseWriter.WriteMsg), storing or not
    ("dns-version.cluster.local.", "TXT", "NOERROR", {'dns-version.cluster.local. 30 IN TXT "1.1.0"'}, set(), set()),
    # A Service (Headless) does not exist / A Service does not exist
    ("bogusendpoint.hdls1.testns.svc.cluster.local.", "A", "NXDOMAIN", set(), SOA, set()),
    ("bogusendpoint.svc0.testns.svc.cluster.local.", "A", "NXDOMAIN", set(), SOA, set()),
    # AAAA Service
    ("svc6.testns.svc.cluster.local.", "AAAA", "NOERROR",
     {"svc6.testns.svc.cluster.local. 30 IN AAAA 1234:abcd::1"}, set(), set()),
    ("_http._tcp.svc6.testns.svc.cluster.local.", "SRV", "NOERROR",
     {"_http._tcp.svc6.testns.svc.cluster.local. 30 IN SRV 0 100 80 svc6.testns.svc.cluster.local."}, set(),
     {"svc6.testns.svc.cluster.local. 30 IN AAAA 1234:abcd::1"}),
    # AAAA Service (Headless) / AAAA Endpoint
    ("hdls1.testns.svc.cluster.local.", "AAAA", "NOERROR",
     {"hdls1.testns.svc.cluster.local. 30 IN AAAA 5678:abcd::1",
      "hdls1.testns.svc.cluster.local. 30 IN AAAA 5678:abcd::2"}, set(), set()),
    ("5678-abcd--1.hdls1.testns.svc.cluster.local.", "AAAA", "NOERROR",
     {"5678-abcd--1.hdls1.testns.svc.cluster.local. 30 IN AAAA 5678:abcd::1"}, set(), set()),
    # Intermediate names exist: NODATA
    ("svc.cluster.local.", "A", "NOERROR", set(), SOA, set()),
    ("pod.cluster.local.", "A", "NOERROR", set(), SOA, set()),
    ("testns.svc.cluster.local.", "A", "NOERROR", set(), SOA, set()),
    # NS query for qname != zone (existing / non existing domain)
    ("svc.cluster.local.", "NS", "NOERROR", set(), SOA, set()),
    ("testns.svc.cluster.local.", "NS", "NOERROR", set(), SOA, set()),
    ("foo.cluster.local.", "NS", "NXDOMAIN", set(), SOA, set()),
    ("foo.svc.cluster.local.", "NS", "NXDOMAIN", set(), SOA, set()),
    # Dual Stack ClusterIP Services: two items for one port, weight 50, one SRV
    ("svc-dual-stack.testns.svc.cluster.local.", "A", "NOERROR",
     {"svc-dual-stack.testns.svc.cluster.local. 30 IN A 10.0.0.3"}, set(), set()),
    ("svc-dual-stack.testns.svc.cluster.local.", "AAAA", "NOERROR",
     {"svc-dual-stack.testns.svc.cluster.local. 30 IN AAAA 10::3"}, set(), set()),
    ("svc-dual-stack.testns.svc.cluster.local.", "SRV", "NOERROR",
     {"svc-dual-stack.testns.svc.cluster.local. 30 IN SRV 0 50 80 svc-dual-stack.testns.svc.cluster.local."}, set(),
     {"svc-dual-stack.testns.svc.cluster.local. 30 IN A 10.0.0.3",
      "svc-dual-stack.testns.svc.cluster.local. 30 IN AAAA 10::3"}),
    # SOA below the apex is NODATA
    ("svc1.testns.svc.cluster.local.", "SOA", "NOERROR", set(), SOA, set()),
    # A query for a subdomain of an external service should not resolve to the external service
    ("endpoint.external.testns.svc.cluster.local.", "CNAME", "NXDOMAIN", set(), SOA, set()),
    # nsTestCases: a namespace that does not exist
    ("svc1.nsnoexist.svc.cluster.local.", "A", "NXDOMAIN", set(), SOA, set()),
]


@pytest.mark.parametrize("qname,qtype,want_rcode,answer,authority,additional", HANDLER_CASES)
def test_handler_cases(
    qname: str, qtype: str, want_rcode: str, answer: set[str], authority: set[str], additional: set[str]
) -> None:
    reply = ask(VIEW, qname, qtype)
    assert rcode(reply) == want_rcode
    assert lines(reply.answer) == answer
    assert lines(reply.authority) == authority
    assert lines(reply.additional) == additional
    assert reply.flags & dns.flags.AA
    assert not reply.flags & dns.flags.RA  # CoreDNS's kubernetes plugin never sets RA


def test_externalname_a_answers_only_the_cname_without_upstream() -> None:
    # backend_lookup.go A(): the CNAME is kept and the upstream answer appended; here upstream fails.
    reply = ask(VIEW, "external.testns.svc.cluster.local.", "A")
    assert rcode(reply) == "NOERROR"
    assert lines(reply.answer) == {"external.testns.svc.cluster.local. 30 IN CNAME ext.interwebs.test."}


def test_case_of_the_query_is_echoed() -> None:
    reply = ask(VIEW, "SVC1.TestNS.svc.Cluster.Local.", "A")
    assert lines(reply.answer) == {"SVC1.TestNS.svc.Cluster.Local. 30 IN A 10.0.0.1"}
    assert reply.question[0].name.to_text() == "SVC1.TestNS.svc.Cluster.Local."
    missing = ask(VIEW, "Nope.TestNS.svc.Cluster.Local.", "A")
    assert rcode(missing) == "NXDOMAIN"
    # handler.go: zone = qname[len(qname)-len(zone):] keeps the case of the question
    assert lines(missing.authority) == {
        "Cluster.Local. 30 IN SOA ns.dns.Cluster.Local. hostmaster.Cluster.Local. 1700000000 7200 1800 86400 30"
    }


def test_srv_targets_use_the_zone_as_asked_and_object_names() -> None:
    reply = ask(VIEW, "_HTTP._TCP.Svc1.testns.svc.CLUSTER.local.", "SRV")
    assert lines(reply.answer) == {
        "_HTTP._TCP.Svc1.testns.svc.CLUSTER.local. 30 IN SRV 0 100 80 svc1.testns.svc.CLUSTER.local."
    }


def test_zone_apex_soa_and_ns() -> None:
    soa = ask(VIEW, "cluster.local.", "SOA")
    assert lines(soa.answer) == SOA and not soa.authority
    # ns.go nsAddrs: the Service whose endpoints hold the answering CoreDNS pod's IP
    ns = ask(VIEW, "cluster.local.", "NS")
    assert lines(ns.answer) == {"cluster.local. 30 IN NS kube-dns.kube-system.svc.cluster.local."}
    assert lines(ns.additional) == {"kube-dns.kube-system.svc.cluster.local. 30 IN A 10.96.0.10"}
    a = ask(VIEW, "ns.dns.cluster.local.", "A")
    assert lines(a.answer) == {"ns.dns.cluster.local. 30 IN A 10.96.0.10"}


def test_ns_falls_back_to_ns_dns_without_coredns_endpoints() -> None:
    view = cluster(pods=[])
    ns = ask(view, "cluster.local.", "NS")
    assert lines(ns.answer) == {"cluster.local. 30 IN NS ns.dns.cluster.local."}
    assert lines(ns.additional) == {"ns.dns.cluster.local. 30 IN A 10.96.0.10"}


def test_kubernetes_service_and_kube_dns() -> None:
    assert lines(ask(VIEW, "kubernetes.default.svc.cluster.local", "A").answer) == {
        "kubernetes.default.svc.cluster.local. 30 IN A 10.96.0.1"
    }
    srv = ask(VIEW, "_dns._udp.kube-dns.kube-system.svc.cluster.local", "SRV")
    assert lines(srv.answer) == {
        "_dns._udp.kube-dns.kube-system.svc.cluster.local. 30 IN SRV 0 100 53 kube-dns.kube-system.svc.cluster.local."
    }
    # bare name: every port (named or not) of the ClusterIP service, weight floor(100/3)
    bare = ask(VIEW, "kube-dns.kube-system.svc.cluster.local", "SRV")
    assert lines(bare.answer) == {
        f"kube-dns.kube-system.svc.cluster.local. 30 IN SRV 0 33 {p} kube-dns.kube-system.svc.cluster.local."
        for p in (53, 9153)
    }
    assert len(list(bare.answer[0])) == 2  # two items share target and port 53: duplicates dropped


def test_endpoint_names_resolve_on_clusterip_services_too() -> None:
    # findServices: `svc.Headless() || r.endpoint != ""` reads the endpoints
    assert lines(ask(VIEW, "ep1a.svc1.testns.svc.cluster.local", "A").answer) == {
        "ep1a.svc1.testns.svc.cluster.local. 30 IN A 172.0.0.1"
    }


def test_ptr_records() -> None:
    # spec §2.3.3 ClusterIP
    assert lines(ask(VIEW, "10.0.96.10.in-addr.arpa.", "PTR").answer) == {
        "10.0.96.10.in-addr.arpa. 30 IN PTR kube-dns.kube-system.svc.cluster.local."
    }
    # spec §2.4.3 endpoint with and without hostname
    assert lines(ask(VIEW, "1.0.0.172.in-addr.arpa.", "PTR").answer) == {
        "1.0.0.172.in-addr.arpa. 30 IN PTR ep1a.svc1.testns.svc.cluster.local."
    }
    assert lines(ask(VIEW, "2.0.0.172.in-addr.arpa.", "PTR").answer) == {
        "2.0.0.172.in-addr.arpa. 30 IN PTR 172-0-0-2.hdls1.testns.svc.cluster.local."
    }
    v6 = "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.c.b.a.8.7.6.5.ip6.arpa."
    assert lines(ask(VIEW, v6, "PTR").answer) == {f"{v6} 30 IN PTR 5678-abcd--1.hdls1.testns.svc.cluster.local."}


def test_ptr_for_a_pod_behind_two_services() -> None:
    view = cluster(
        [service("a", "testns", ["None"]), service("b", "testns", ["None"])],
        [endpoint_slice("a-1", "testns", "a", [endpoint("10.244.1.5", hostname="web-0")], HTTP_PORTS),
         endpoint_slice("b-1", "testns", "b", [endpoint("10.244.1.5")], HTTP_PORTS)],
    )
    assert lines(ask(view, "5.1.244.10.in-addr.arpa", "PTR").answer) == {
        "5.1.244.10.in-addr.arpa. 30 IN PTR web-0.a.testns.svc.cluster.local.",
        "5.1.244.10.in-addr.arpa. 30 IN PTR 10-244-1-5.b.testns.svc.cluster.local.",
    }


def test_unknown_reverse_names_fall_through_to_the_upstream() -> None:
    # `fallthrough in-addr.arpa ip6.arpa`: the kubernetes plugin passes a reverse NXDOMAIN on to
    # forward, whose upstream answers private reverse zones as the AS112 servers do (RFC 6303);
    # the reply is the upstream's (no AA, RA set) with every TTL capped to 30 by `cache 30`
    as112 = "10.in-addr.arpa. 30 IN SOA prisoner.iana.org. hostmaster.root-servers.org. 1 604800 60 604800 604800"
    for name in ("99.1.244.10.in-addr.arpa.", "1.244.10.in-addr.arpa."):
        reply = ask(VIEW, name, "PTR")
        assert rcode(reply) == "NXDOMAIN" and lines(reply.authority) == {as112}
        assert not reply.flags & dns.flags.AA and reply.flags & dns.flags.RA
    reply = ask(VIEW, "foo.ip6.arpa.", "PTR")
    assert rcode(reply) == "NXDOMAIN" and [r.name.to_text() for r in reply.authority] == ["."]
    # a non-PTR question under a reverse zone the plugin serves: Records says errNoItems
    assert rcode(ask(VIEW, "10.0.96.10.in-addr.arpa.", "A")) == "NXDOMAIN"


def test_pod_records_pods_insecure() -> None:
    # spec §2.6 and kubernetes.go findPods in insecure mode
    assert lines(ask(VIEW, "10-244-1-5.testns.pod.cluster.local", "A").answer) == {
        "10-244-1-5.testns.pod.cluster.local. 30 IN A 10.244.1.5"
    }
    assert lines(ask(VIEW, "fd00-10-244--5.default.pod.cluster.local", "AAAA").answer) == {
        "fd00-10-244--5.default.pod.cluster.local. 30 IN AAAA fd00:10:244::5"
    }
    assert rcode(ask(VIEW, "10-244-1-5.testns.pod.cluster.local", "AAAA")) == "NOERROR"
    assert rcode(ask(VIEW, "10-244-1-5.nons.pod.cluster.local", "A")) == "NXDOMAIN"
    assert rcode(ask(VIEW, "web-0.testns.pod.cluster.local", "A")) == "NXDOMAIN"
    assert rcode(ask(VIEW, "10-244-1-256.testns.pod.cluster.local", "A")) == "NXDOMAIN"
    assert rcode(ask(VIEW, "testns.pod.cluster.local", "A")) == "NOERROR"


HTTP_PORTS = [port("http", 80)]


def test_not_ready_endpoints_are_not_published() -> None:
    # object/endpoint.go endpointsliceReady: false is skipped, an absent condition counts as ready
    view = cluster(
        [service("web", "testns", ["None"], HTTP_PORTS)],
        [endpoint_slice("web-1", "testns", "web",
                        [endpoint("10.244.1.2"), endpoint("10.244.1.3", ready=False),
                         endpoint("10.244.2.4", ready=None)], HTTP_PORTS)],
    )
    assert lines(ask(view, "web.testns.svc.cluster.local", "A").answer) == {
        "web.testns.svc.cluster.local. 30 IN A 10.244.1.2",
        "web.testns.svc.cluster.local. 30 IN A 10.244.2.4",
    }
    assert rcode(ask(view, "10-244-1-3.web.testns.svc.cluster.local", "A")) == "NXDOMAIN"
    assert rcode(ask(view, "3.1.244.10.in-addr.arpa", "PTR")) == "NXDOMAIN"


def test_headless_without_ready_endpoints_is_nxdomain() -> None:
    # spec §2.4.1: no ready endpoints -> NXDOMAIN
    view = cluster(
        [service("web", "testns", ["None"], HTTP_PORTS)],
        [endpoint_slice("web-1", "testns", "web", [endpoint("10.244.1.3", ready=False)], HTTP_PORTS)],
    )
    assert rcode(ask(view, "web.testns.svc.cluster.local", "A")) == "NXDOMAIN"
    assert rcode(ask(view, "web.testns.svc.cluster.local", "SRV")) == "NXDOMAIN"


def test_selectorless_services_get_records_once_slices_exist() -> None:
    manual = service("manual", "testns", ["None"], HTTP_PORTS)
    manual_ip = service("manual-ip", "testns", ["10.96.200.1"], HTTP_PORTS)
    before = cluster([manual, manual_ip])
    assert rcode(ask(before, "manual.testns.svc.cluster.local", "A")) == "NXDOMAIN"
    # a ClusterIP service answers with its ClusterIP whatever its endpoints (handler_test svcempty)
    assert lines(ask(before, "manual-ip.testns.svc.cluster.local", "A").answer) == {
        "manual-ip.testns.svc.cluster.local. 30 IN A 10.96.200.1"
    }
    after = cluster(
        [manual, manual_ip],
        [endpoint_slice("manual-1", "testns", "manual", [endpoint("192.168.10.7")], HTTP_PORTS)],
    )
    assert lines(ask(after, "manual.testns.svc.cluster.local", "A").answer) == {
        "manual.testns.svc.cluster.local. 30 IN A 192.168.10.7"
    }


@pytest.mark.parametrize("count,weight", [(1, 100), (2, 50), (3, 33), (4, 25), (7, 14)])
def test_srv_weight_is_100_split_over_records(count: int, weight: int) -> None:
    view = cluster(
        [service("web", "testns", ["None"], HTTP_PORTS)],
        [endpoint_slice("web-1", "testns", "web", [endpoint(f"10.244.1.{i}") for i in range(1, count + 1)],
                        HTTP_PORTS)],
    )
    reply = ask(view, "_http._tcp.web.testns.svc.cluster.local", "SRV")
    weights = {rd.weight for rrset in reply.answer for rd in rrset}
    assert weights == {weight}
    assert sum(len(rrset) for rrset in reply.answer) == count
    assert sum(len(rrset) for rrset in reply.additional) == count


def test_srv_port_names() -> None:
    view = cluster([service("web", "testns", ["10.96.5.5"], [port("", 8080)])])
    # spec: unnamed ports have no _port._proto record ...
    assert rcode(ask(view, "_http._tcp.web.testns.svc.cluster.local", "SRV")) == "NXDOMAIN"
    # ... but the bare name matches every port (matchPortAndProtocol with an empty port)
    assert lines(ask(view, "web.testns.svc.cluster.local", "SRV").answer) == {
        "web.testns.svc.cluster.local. 30 IN SRV 0 100 8080 web.testns.svc.cluster.local."
    }
    assert rcode(ask(VIEW, "_https._tcp.svc1.testns.svc.cluster.local", "SRV")) == "NXDOMAIN"
    assert rcode(ask(VIEW, "_http._udp.svc1.testns.svc.cluster.local", "SRV")) == "NXDOMAIN"
    assert rcode(ask(VIEW, "_a._b._c.svc1.testns.svc.cluster.local", "SRV")) == "NXDOMAIN"


def test_srv_on_externalname_is_nodata() -> None:
    # Services(): "SRV for external services is not yet implemented, so remove those records."
    reply = ask(VIEW, "external.testns.svc.cluster.local", "SRV")
    assert rcode(reply) == "NOERROR" and not reply.answer and lines(reply.authority) == SOA


def test_other_types() -> None:
    # TXT exists only at dns-version; another name is NODATA when it has records of another type,
    # NXDOMAIN when it has none (kubernetes.go Services, TypeTXT)
    assert rcode(ask(VIEW, "svc1.testns.svc.cluster.local", "TXT")) == "NOERROR"
    assert rcode(ask(VIEW, "svc0.testns.svc.cluster.local", "TXT")) == "NXDOMAIN"
    # dns-version has no A record: its name does not parse as a service name
    assert rcode(ask(VIEW, "dns-version.cluster.local", "A")) == "NXDOMAIN"
    assert rcode(ask(VIEW, "svc1.testns.svc.cluster.local", "MX")) == "NOERROR"
    assert rcode(ask(VIEW, "svc0.testns.svc.cluster.local", "MX")) == "NXDOMAIN"
    assert rcode(ask(VIEW, "svc1.testns.svc.cluster.local", "HINFO")) == "NOERROR"
    assert rcode(ask(VIEW, "svc0.testns.svc.cluster.local", "HINFO")) == "NXDOMAIN"
    assert rcode(ask(VIEW, "svc1.testns.svc.cluster.local", "CNAME")) == "NOERROR"
    assert not ask(VIEW, "svc1.testns.svc.cluster.local", "CNAME").answer
    # CoreDNS dropped wildcard queries: "*" and "any" are plain labels that match nothing
    assert rcode(ask(VIEW, "*.testns.svc.cluster.local", "A")) == "NXDOMAIN"
    assert rcode(ask(VIEW, "svc1.any.svc.cluster.local", "A")) == "NXDOMAIN"
    # handler.go: AXFR and IXFR are refused
    assert rcode(ask(VIEW, "cluster.local", "AXFR")) == "REFUSED"


def test_names_outside_the_cluster_get_the_upstreams_nxdomain() -> None:
    # kind forwards them to Docker's resolver; a name like mysql-0.mysql-headless. does not exist there
    reply = ask(VIEW, "mysql-0.mysql-headless.", "A")
    assert rcode(reply) == "NXDOMAIN"
    assert not reply.flags & dns.flags.AA and reply.flags & dns.flags.RA
    assert not reply.answer
    assert [str(rr.name) for rr in reply.authority] == ["."]
    assert reply.authority[0][0].mname.to_text() == "a.root-servers.net."


def test_server_level_errors_and_edns() -> None:
    assert rcode(ask(VIEW, "version.bind.", "TXT", rdclass="CH")) == "REFUSED"
    with_edns = ask(VIEW, "svc1.testns.svc.cluster.local", "A", edns=0, payload=1232)
    assert with_edns.edns == 0 and with_edns.payload == 1232
    without = ask(VIEW, "svc1.testns.svc.cluster.local", "A")
    assert without.edns == -1
    badvers = ask(VIEW, "svc1.testns.svc.cluster.local", "A", edns=1)
    assert badvers.rcode() == dns.rcode.BADVERS and not badvers.question
