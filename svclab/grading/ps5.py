"""ps5-service-types: NodePort (and the ClusterIP inside it), ExternalName, SRV records, a decision guide."""

from __future__ import annotations

from svclab.grading import expect, live
from svclab.grading.answers import SERVICE_CIDR, answer, find, ipv4, spec
from svclab.grading.core import Assignment

A = Assignment("ps5-service-types", "ps5", answers=("nodeport_service", "alias_service", "srv_port", "choices"))
check = A.check
TYPES = {"ClusterIP", "Headless", "NodePort", "LoadBalancer", "ExternalName"}
SCENARIOS = (
    "a stateless REST API called only by other pods",
    "a database whose clients must reach one specific replica by name",
    "a demo web page you open from your laptop through kind's extraPortMappings",
    "a managed database outside the cluster, given a cluster DNS name",
)


@A.visible("q1", "web-nodeport is a NodePort Service on node port 30080")
def q1_type() -> None:
    expect.service("nodeport_service", "web-nodeport", "NodePort")
    expect.port("nodeport_service", "web-nodeport", 80, node_port=30080)


@A.visible("q1", "its port 80 is named http and forwards to the pods' 8080")
def q1_port() -> None:
    expect.port("nodeport_service", "web-nodeport", 80, target=(8080, "http"), port_name="http")


@A.visible("q1", "a NodePort Service is a ClusterIP Service too: web-nodeport has a cluster IP in 10.96.0.0/16")
def q1_cluster_ip() -> None:
    ip = ipv4(live.service("web-nodeport").spec.cluster_ip, "web-nodeport's cluster IP")
    expect.that(ip in SERVICE_CIDR, f"web-nodeport's cluster IP {ip} is outside 10.96.0.0/16.")


@A.visible("q2", "web-alias is an ExternalName Service for web-nodeport's full DNS name")
def q2_alias() -> None:
    svc = expect.service("alias_service", "web-alias", "ExternalName")
    target = (spec(svc).get("externalName") or "").rstrip(".")
    want = live.fqdn("web-nodeport")
    expect.that(target == want, f"web-alias points at {target!r}; an ExternalName is used verbatim as a CNAME target, "
                                f"so write the full name {want} (a short name would not resolve from other namespaces).")
    expect.that(not spec(svc).get("selector"), "an ExternalName Service needs no selector: DNS answers with a CNAME, and no pods are involved.")


@A.visible("q3", "srv_port is the port the SRV record _http._tcp.web-nodeport advertises now")
def q3_srv() -> None:
    got = answer("srv_port", int)
    out = live.lab.dig("+short", "SRV", f"_http._tcp.{live.fqdn('web-nodeport')}").stdout.split()
    expect.that(len(out) >= 3, "the SRV record _http._tcp.web-nodeport does not exist: name web-nodeport's port `http` (question 1).")
    expect.that(got == int(out[2]), f"`srv_port` is {got}, but the SRV record advertises port {out[2]} ({' '.join(out)}).")


@A.visible("q4", "choices gives a Service type for every scenario")
def q4_shape() -> None:
    choices = answer("choices", dict)
    missing = [s for s in SCENARIOS if s not in choices]
    expect.that(not missing, f"`choices` has no answer for: {'; '.join(missing)}.")
    wrong = {s: v for s, v in choices.items() if v not in TYPES}
    expect.that(not wrong, f"use one of {', '.join(sorted(TYPES))}; these answers are not Service types: {wrong}.")
