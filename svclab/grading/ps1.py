"""ps1-clusterip: a ClusterIP Service for the web Deployment, its DNS answer, and session affinity."""

from __future__ import annotations

import ipaddress

import pandas as pd

from svclab.grading import expect, live, spread
from svclab.grading.answers import POD_CIDR, SERVICE_CIDR, answer, ipv4
from svclab.grading.core import Assignment
from svclab.grading.scoring import choice, lesson, whole_number  # noqa: F401  (choice, whole_number: for the hidden test cells)

A = Assignment("ps1-clusterip", "ps1", answers=("web_service", "predicted_count", "predicted_kind", "web_ips", "web_sticky", "sticky_counts"))
check = A.check
WEB = "app=web"
# The hidden checks' request counts (svclab.grading.spread): the three web pods all answer web-service but with
# chance 3 * (2/3)**37 < 1e-6; three pods sharing web-sticky's requests would all land on one pod with chance
# 3 * (1/3)**14 < 1e-6.
REACH_ALL = spread.to_reach_all(3)
TELL_STICKY = spread.to_tell_from_one(3)


@A.visible("q1", "web_service is a ClusterIP Service named web-service")
def q1_kind() -> None:
    expect.service("web_service", "web-service")


@A.visible("q1", "web-service selects the web pods, and only them")
def q1_selector() -> None:
    expect.selector_matches("web_service", "web-service", WEB)


@A.visible("q1", "web-service listens on port 80 and forwards to the pods' port 8080")
def q1_ports() -> None:
    expect.port("web_service", "web-service", 80, target=(8080, "http"))


KINDS = ("pod IPs", "node IPs", "the Service's virtual IP")
SEE_VIP = lesson("01", "The virtual IP")


def _addresses(name: str) -> list[str]:
    value = answer(name, (list, tuple))
    for item in value:
        ipv4(item, f"each address in `{name}`")
    return [str(item).strip() for item in value]


@A.visible("q2", "web_ips are addresses from the service CIDR 10.96.0.0/16, not pod IPs")
def q2_range() -> None:
    ips = _addresses("web_ips")
    expect.that(ips, "`web_ips` is empty: store the address(es) the name resolved to.")
    pods = {p.status.pod_ip for p in live.pods(WEB)}
    for ip in map(ipaddress.IPv4Address, ips):
        expect.that(str(ip) not in pods and ip not in POD_CIDR, f"{ip} is a pod IP (pods get 10.244.x.y): did you look up the Service's name, "
                                                                 f"or list the pods? A ClusterIP Service's name answers with its own virtual IP {SEE_VIP}.")
        expect.that(ip in SERVICE_CIDR, f"{ip} is not in the service CIDR 10.96.0.0/16, where kind (and svclab) allocate cluster IPs.")


@A.visible("q2", "web_ips is what the name web-service resolves to now")
def q2_now() -> None:
    ips = _addresses("web_ips")
    now = live.lookup(live.fqdn("web-service"))
    expect.that(sorted(ips) == sorted(now), f"`web_ips` is {sorted(ips)} but web-service resolves to {now} now: look the name up again "
                                            "from the client pod and store every address it answers.")


@A.visible("q3", "web-sticky pins each client to one pod (sessionAffinity ClientIP, 600 s)")
def q3_manifest() -> None:
    expect.service("web_sticky", "web-sticky")
    expect.affinity("web_sticky", "web-sticky", 600)


@A.visible("q3", "sticky_counts: 100 requests, all answered by the same web pod")
def q3_counts() -> None:
    counts = answer("sticky_counts", (pd.Series, dict))
    counts = {str(k): int(v) for k, v in dict(counts).items()}
    expect.that(sum(counts.values()) == 100, f"`sticky_counts` adds up to {sum(counts.values())} requests; send exactly 100.")
    expect.that(len(counts) == 1, f"{len(counts)} pods answered ({counts}): with ClientIP affinity one client should always reach the same pod.")
    names = {p.metadata.name for p in live.pods(WEB)}
    expect.that(set(counts) <= names, f"{next(iter(counts))} is not one of the web pods ({', '.join(sorted(names))}).")
