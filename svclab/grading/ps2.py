"""ps2-headless: a headless Service over partly-ready pods, DNS answers, and a selector-less Service."""

from __future__ import annotations

import time

from svclab import lab
from svclab.lab.waiting import Backoff
from svclab.grading import expect, live
from svclab.grading.answers import answer, find, spec
from svclab.grading.core import Assignment
from svclab.grading.scoring import lesson, whole_number  # noqa: F401  (whole_number: for the hidden test cells)

A = Assignment("ps2-headless", "ps2", answers=("cache_headless", "predicted_cache_count", "cache_ips", "legacy_manifests", "search_misses"))
check = A.check
CACHE = "app=cache"
READY_FILE = "svclab/ready-file"


def make_ready(selector: str, count: int, timeout: float = 120) -> list[str]:
    """Wait for the pods to run, then `touch /tmp/ready` in the first `count` of them (their readiness probe reads it)
    and annotate each (`svclab/ready-file`). An update to a pod makes its kubelet sync it, and the sync of a running
    container that is not Ready triggers its readiness probe at once (kubernetes pkg/kubelet/prober/prober_manager.go
    UpdatePodStatus), so they turn Ready now instead of at their probe's next period; the third pod, never touched,
    keeps failing its probe."""
    deadline = time.monotonic() + timeout
    pause = Backoff()
    while True:
        running = [p for p in live.pods(selector) if p.status.phase == "Running"]
        if len(running) >= count or time.monotonic() > deadline:
            break
        pause.sleep()
    names = sorted(p.metadata.name for p in running)[:count]
    session = lab.session()
    for name in names:
        lab.exec_in(name, "touch /tmp/ready")
        session.core.patch_namespaced_pod(name, session.namespace, {"metadata": {"annotations": {READY_FILE: "touched"}}})
    lab.wait_ready(selector, count, timeout=timeout)
    return names


@A.visible("q1", "cache-headless is headless (clusterIP: None)")
def q1_headless() -> None:
    expect.headless("cache_headless", "cache-headless")


@A.visible("q1", "cache-headless selects the cache pods, and only them")
def q1_selector() -> None:
    expect.selector_matches("cache_headless", "cache-headless", CACHE)


@A.visible("q1", "its port 6379 is named redis")
def q1_port() -> None:
    expect.port("cache_headless", "cache-headless", 6379, target=(6379, "redis"), port_name="redis")


@A.visible("q2", "cache_ips lists what DNS answers for cache-headless now")
def q2_now() -> None:
    got = answer("cache_ips", (list, tuple, set))
    now = live.lookup(live.fqdn("cache-headless"))
    expect.that(sorted(map(str, got)) == sorted(now), f"`cache_ips` is {sorted(got)} but cache-headless resolves to {len(now)} address(es) now, "
                                                      "not these: resolve the name from the client pod again and store every address it answers.")
@A.visible("q3", "legacy-db is headless and has no selector")
def q3_service() -> None:
    svc = expect.headless("legacy_manifests", "legacy-db")
    expect.that(not spec(svc).get("selector"), "legacy-db has a selector, so the control plane writes its EndpointSlices (from pods) and would replace yours: remove the selector.")


@A.visible("q3", "your EndpointSlice belongs to legacy-db and lists 10.10.0.5 and 10.10.0.6")
def q3_slice() -> None:
    eps = find("legacy_manifests", "EndpointSlice")
    owner = ((eps.get("metadata") or {}).get("labels") or {}).get("kubernetes.io/service-name")
    expect.that(owner == "legacy-db", f"the EndpointSlice's label kubernetes.io/service-name is {owner!r}: that label is what ties a slice to its Service; set it to legacy-db.")
    addresses = sorted(a for e in eps.get("endpoints") or [] for a in (e.get("addresses") or []))
    expect.that(addresses == ["10.10.0.5", "10.10.0.6"], f"the EndpointSlice lists {addresses}; it should list 10.10.0.5 and 10.10.0.6 (one endpoint each).")


@A.visible("q4", "search_misses are the search-path names nslookup tried that do not exist")
def q4_misses() -> None:
    got = set(map(str, answer("search_misses", (list, tuple, set))))
    now = {name for name, _ in lab.nslookup("cache-headless").misses}
    extra, missed = sorted(got - now), len(now - got)
    expect.that(not extra and not missed, (f"{', '.join(extra)} {'is' if len(extra) == 1 else 'are'} not among the names nslookup reports as not found. " if extra else "")
                + (f"{missed} name(s) it reports as not found are missing. " if missed else "")
                + "Read the lines that start `** server can't find`: each is one suffix of the search path that did not exist "
                + lesson("02", "Reading busybox `nslookup`") + ".")
