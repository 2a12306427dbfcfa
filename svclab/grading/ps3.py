"""ps3-statefulset-dns: a StatefulSet behind its headless Service, per-pod DNS names, and a restart."""

from __future__ import annotations

from svclab.grading import expect, live
from svclab.grading.answers import POD_CIDR, answer, ipv4, peek
from svclab.grading.core import Assignment, CheckFailed
from svclab.lab.lookups import Lookup

A = Assignment("ps3-statefulset-dns", "ps3", answers=("db_manifests", "db0_fqdn", "db0_lookup", "db0_ip", "db0_ip_after"))
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


@A.visible("q2", "db0_lookup looked up db-0's own name, and db0_ip is the one address it found: pod db-0's IP")
def q2_ip() -> None:
    want = live.fqdn("db-0.db-headless")
    lookup = answer("db0_lookup", Lookup)
    asked = lookup.query.strip().rstrip(".")
    if asked != want:
        if asked in ("db-headless", f"db-headless.{live.namespace()}", live.fqdn("db-headless")):
            raise CheckFailed(f"`db0_lookup` looked up `{asked}`, the Service: a headless Service's name answers with every Ready pod's "
                              f"IP ({len(lookup.addresses)} here), in no promised order, so its first address is db-0's only by chance. "
                              f"Look up db-0's own name, {want}.")
        raise CheckFailed(f"`db0_lookup` looked up `{asked}`; look up db-0's own name, {want}.")
    ip = str(ipv4(answer("db0_ip"), "`db0_ip`"))
    expect.that(lookup.addresses == [ip], f"`db0_lookup` found {lookup.addresses}; `db0_ip` ({ip}) should be the one address it answers.")
    after = peek("db0_ip_after")
    if after is not None and after != ip:  # question 3 restarted db-0 since: its IP moved on
        expect.that(ipv4(ip, "`db0_ip`") in POD_CIDR, f"`db0_ip` is {ip}, not a pod IP (10.244.x.y).")
        return
    pod_ip = live.pod("db-0").status.pod_ip
    expect.that(ip == pod_ip, f"`db0_ip` is {ip} but pod db-0's IP is {pod_ip}.")
    live.resolves_to(want, [pod_ip], "pod db-0's IP")


@A.visible("q3", "db0_ip_after is the restarted db-0's IP, and db-0's name resolves to it")
def q3_after() -> None:
    ip = str(ipv4(answer("db0_ip_after"), "`db0_ip_after`"))
    pod_ip = live.pod("db-0").status.pod_ip
    expect.that(ip == pod_ip, f"`db0_ip_after` is {ip} but db-0's IP is now {pod_ip}: look it up again after the restart.")
    live.resolves_to(live.fqdn("db-0.db-headless"), [pod_ip], "db-0's current IP")
