"""ps1-clusterip: a ClusterIP Service for the web Deployment, its DNS answer, and session affinity."""

from __future__ import annotations

import pandas as pd

from svclab.grading import expect, live
from svclab.grading.answers import POD_CIDR, SERVICE_CIDR, answer, ipv4
from svclab.grading.core import Assignment

A = Assignment("ps1-clusterip", "ps1", answers=("web_service", "web_ip", "web_sticky", "sticky_counts"))
check = A.check
WEB = "app=web"


@A.visible("q1", "web_service is a ClusterIP Service named web-service")
def q1_kind() -> None:
    expect.service("web_service", "web-service")


@A.visible("q1", "web-service selects the web pods, and only them")
def q1_selector() -> None:
    expect.selector_matches("web_service", "web-service", WEB)


@A.visible("q1", "web-service listens on port 80 and forwards to the pods' port 8080")
def q1_ports() -> None:
    expect.port("web_service", "web-service", 80, target=(8080, "http"))


@A.visible("q2", "web_ip is one address from the service CIDR 10.96.0.0/16")
def q2_range() -> None:
    ip = ipv4(answer("web_ip"), "`web_ip`")
    expect.that(ip not in POD_CIDR, f"{ip} is a pod IP (pods get 10.244.x.y). A ClusterIP Service's DNS name answers with the Service's own virtual IP.")
    expect.that(ip in SERVICE_CIDR, f"{ip} is not in the service CIDR 10.96.0.0/16, where kind (and svclab) allocate cluster IPs.")


@A.visible("q2", "web_ip is web-service's cluster IP right now")
def q2_now() -> None:
    now = live.service("web-service").spec.cluster_ip
    expect.that(answer("web_ip") == now, f"`web_ip` is {answer('web_ip')!r} but web-service's cluster IP is {now}: record what `lab.nslookup('web-service')` prints.")


@A.visible("q3", "web-sticky pins each client to one pod (sessionAffinity ClientIP, 600 s)")
def q3_manifest() -> None:
    expect.service("web_sticky", "web-sticky")
    expect.affinity("web_sticky", "web-sticky", 600)


@A.visible("q3", "sticky_counts: 100 requests, all answered by the same web pod")
def q3_counts() -> None:
    counts = answer("sticky_counts", (pd.Series, dict))
    counts = {str(k): int(v) for k, v in dict(counts).items()}
    expect.that(sum(counts.values()) == 100, f"`sticky_counts` adds up to {sum(counts.values())} requests; make exactly 100 (count_backends(url, 100)).")
    expect.that(len(counts) == 1, f"{len(counts)} pods answered ({counts}): with ClientIP affinity one client should always reach the same pod.")
    names = {p.metadata.name for p in live.pods(WEB)}
    expect.that(set(counts) <= names, f"{next(iter(counts))} is not one of the web pods ({', '.join(sorted(names))}).")
