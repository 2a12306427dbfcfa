"""ps3-statefulset-dns: a StatefulSet behind its headless Service, per-pod DNS names, and a restart."""

from __future__ import annotations

from svclab.grading import expect, live
from svclab.grading.answers import POD_CIDR, answer, ipv4
from svclab.grading.answers import _user_namespace as user_namespace
from svclab.grading.core import Assignment

A = Assignment("ps3-statefulset-dns", "ps3")
check = A.check


@A.visible("q1", "db-headless is headless (clusterIP: None)")
def q1_headless() -> None:
    expect.headless("db_manifests", "db-headless")


@A.visible("q1", "the StatefulSet db names the headless Service in serviceName")
def q1_service_name() -> None:
    expect.statefulset_service("db_manifests", "db", "db-headless")


@A.visible("q1", "selectors line up: the set's selector matches its pods, and db-headless selects them")
def q1_selectors() -> None:
    expect.template_selected("db_manifests", "db", "db-headless")


@A.visible("q1", "port 8080 is named http on the pods and on db-headless")
def q1_ports() -> None:
    expect.container_port_named("db_manifests", "db", 8080, "http")
    expect.port("db_manifests", "db-headless", 8080, target=(8080, "http"), port_name="http")


@A.visible("q2", "db0_fqdn is pod db-0's full DNS name")
def q2_fqdn() -> None:
    got = answer("db0_fqdn", str).rstrip(".")
    want = live.fqdn("db-0.db-headless")
    expect.that(got == want, f"`db0_fqdn` is {got!r}; a StatefulSet pod's name is <pod>.<headless service>.<namespace>.svc.cluster.local, here {want}.")


@A.visible("q2", "db0_ip is what DNS answers for db-0, and that is pod db-0's IP")
def q2_ip() -> None:
    ip = str(ipv4(answer("db0_ip"), "`db0_ip`"))
    if user_namespace().get("db0_ip_after") not in (None, ip):  # question 3 restarted db-0 since: its IP moved on
        expect.that(ipv4(ip, "`db0_ip`") in POD_CIDR, f"`db0_ip` is {ip}, not a pod IP (10.244.x.y).")
        return
    pod_ip = live.pod("db-0").status.pod_ip
    expect.that(ip == pod_ip, f"`db0_ip` is {ip} but pod db-0's IP is {pod_ip}.")
    live.resolves_to(live.fqdn("db-0.db-headless"), [pod_ip], "pod db-0's IP")


@A.visible("q3", "db0_ip_after is the restarted db-0's IP, and db-0's name resolves to it")
def q3_after() -> None:
    ip = str(ipv4(answer("db0_ip_after"), "`db0_ip_after`"))
    pod_ip = live.pod("db-0").status.pod_ip
    expect.that(ip == pod_ip, f"`db0_ip_after` is {ip} but db-0's IP is now {pod_ip}: look it up again after the restart.")
    live.resolves_to(live.fqdn("db-0.db-headless"), [pod_ip], "db-0's current IP")
