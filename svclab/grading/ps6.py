"""ps6-capstone: a three-tier shop given as requirements; graded on what the cluster does, not on names.

The learner designs and names every Service and the database's StatefulSet, then reports the names clients
use (`api_host`, `db_host`, `db_hosts`, `write_host`, `read_host`) and the node port (`frontend_port`). The
checks find the learner's objects by behaviour: the database pods are the pods a StatefulSet owns (replica
`n` is the pod with ordinal `n`), a name is judged by what it resolves to from the client pod and which pods
answer requests sent to it, and a virtual IP by the endpoints of the Service that owns it. Any design that
meets a requirement passes it: a NodePort or a LoadBalancer for the frontend, a headless Service or a
ClusterIP Service over all replicas, per-pod DNS names or a Service per pod.
"""

from __future__ import annotations

import ipaddress
import math
from typing import Any

import pandas as pd

from svclab import lab
from svclab.grading import expect, live, spread
from svclab.grading.answers import SERVICE_CIDR, answer
from svclab.grading.core import Assignment, CheckFailed
from svclab.grading.scoring import lesson, whole_number

A = Assignment("ps6-capstone", "ps6", answers=("frontend_port", "api_host", "db_host", "db_hosts", "write_host", "read_host", "predicted_counts"))
check = A.check
DB_PORT = 5432
STABLE = lesson("03", "The name survives, the IP does not")
MIXED = lesson("04", "Writes by name, reads by Service")
# Request counts of the behaviour checks (svclab.grading.spread): each keeps the chance that a correct design fails,
# or a wrong one passes, under one in a million.
STICKY = spread.to_tell_from_one(2)   # two api pods without affinity: all 21 on one pod with chance 2 * (1/2)**21
WRITES = spread.to_catch(1 / 2)       # writes spread over the primary and one more pod: all 20 at the primary, (1/2)**20
READS = max(spread.to_reach_all(2), spread.to_catch(1 / 3))   # both replicas answer; a primary among three shows


# ---- what the cluster holds, found by behaviour ----------------------------------------------------------

def db_pods() -> dict[int, Any]:
    """The database replicas: the Ready pods of the namespace's one StatefulSet, by ordinal."""
    owned: dict[str, dict[int, Any]] = {}
    for pod in live.pods():
        owner = next((o for o in pod.metadata.owner_references or [] if o.kind == "StatefulSet"), None)
        if owner is not None:
            ordinal = pod.metadata.name.rsplit("-", 1)[-1]
            if ordinal.isdigit():
                owned.setdefault(owner.name, {})[int(ordinal)] = pod
    if not owned:
        raise CheckFailed("no StatefulSet runs pods in ps6 yet: run the database as a StatefulSet of 3 (the pods then get stable names "
                          f"and ordinals, replica 0 first) and apply it {lesson('03', 'A StatefulSet and its governing Service')}.")
    if len(owned) > 1:
        raise CheckFailed(f"{len(owned)} StatefulSets run pods here ({', '.join(sorted(owned))}); run the database as one StatefulSet of 3.")
    [(name, pods)] = owned.items()
    ready = {n: p for n, p in pods.items() if live.ready(p)}
    expect.that(sorted(ready) == [0, 1, 2], f"the StatefulSet {name} has Ready replicas {sorted(ready)}; the database needs 3 (0, 1 and 2), "
                                            "Ready: wait for them after you apply.")
    return ready


def resolve(host: str) -> list[str]:
    """What `host` resolves to from the client pod, the way its resolver walks the search path."""
    ns = live.namespace()
    name = host.strip().rstrip(".")
    candidates = [name] if name.endswith(".cluster.local") else [f"{name}.{ns}.svc.cluster.local", f"{name}.svc.cluster.local", f"{name}.cluster.local"]
    for candidate in candidates:
        found = live.lookup(candidate)
        if found:
            return found
    return []


def virtual_ip_endpoints(ip: str) -> set[str] | None:
    """The ready endpoint addresses of the Service whose cluster IP is `ip`; None when `ip` is no Service's."""
    services = lab.session().core.list_namespaced_service(live.namespace()).items
    service = next((s for s in services if ip in (s.spec.cluster_ips or [s.spec.cluster_ip])), None)
    if service is None:
        return None
    slices = lab.session().discovery.list_namespaced_endpoint_slice(live.namespace(), label_selector=f"kubernetes.io/service-name={service.metadata.name}").items
    return {a for s in slices for e in (s.endpoints or []) if (e.conditions is None or e.conditions.ready is not False) for a in e.addresses}


def reaches(ips: list[str]) -> set[str]:
    """The pod IPs a name's addresses lead to: the addresses themselves, or a virtual IP's endpoints."""
    found: set[str] = set()
    for ip in ips:
        behind = virtual_ip_endpoints(ip) if ipaddress.IPv4Address(ip) in SERVICE_CIDR else None
        found |= behind if behind is not None else {ip}
    return found


def host_answer(name: str) -> str:
    host = answer(name, str).strip().rstrip(".")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        raise CheckFailed(f"`{name}` is an IP address ({host}); clients need a name, which keeps working when pods and Services are "
                          f"recreated {STABLE}.")
    expect.that(host, f"`{name}` is empty: write the DNS name clients use.")
    return host


def names(ips_by_pod: dict[int, Any]) -> dict[str, int]:
    return {p.metadata.name: n for n, p in ips_by_pod.items()}


def served(host: str, port: int, requests: int) -> dict[str, int]:
    return live.backends(f"http://{host}:{port}/hostname", requests)


# ---- R1: the frontend from outside -------------------------------------------------------------------------

def _node_ips() -> list[tuple[str, str]]:
    return [(n.metadata.name, next(a.address for a in n.status.addresses if a.type == "InternalIP")) for n in lab.session().core.list_node().items]


def _frontend(requests_per_node: int) -> None:
    port = whole_number("frontend_port")
    expect.that(30000 <= port <= 32767, f"`frontend_port` is {port}; node ports come from 30000–32767 (the API refuses others).")
    frontends = {p.metadata.name for p in live.ready_pods("tier=frontend")}
    opened = [s.metadata.name for s in lab.session().core.list_namespaced_service(live.namespace()).items
              if any(p.node_port == port for p in s.spec.ports or [])]
    expect.that(opened, f"no Service in ps6 opens node port {port}: a NodePort Service (or a LoadBalancer, which is a NodePort Service too) "
                        f"with `nodePort: {port}` opens it on every node {lesson('05', 'NodePort')}.")
    seen: dict[str, int] = {}
    for node, ip in _node_ips():
        counts = served(ip, port, requests_per_node)
        strangers = sorted(set(counts) - frontends)
        expect.that(not strangers, f"{node} ({ip}) port {port} was answered by {', '.join(strangers)}, not a frontend pod: the Service "
                                   f"{', '.join(opened)} must select only the frontend pods, and forward port 80 to their 8080.")
        for pod, n in counts.items():
            seen[pod] = seen.get(pod, 0) + n
    if requests_per_node > 1:
        expect.that(set(seen) == frontends, f"requests through the node port reached {sorted(seen)}; every frontend pod should serve some.")


def frontend_per_node() -> int:
    """Requests per node for the hidden check: in all, enough that every Ready frontend pod answers and that a Service
    also selecting as many other pods (half the requests) gives itself away, each but with chance 1e-6."""
    frontends = len(live.ready_pods("tier=frontend"))
    return math.ceil(max(spread.to_reach_all(frontends), spread.to_catch(1 / 2)) / len(_node_ips()))


@A.visible("q1", "every node answers on frontend_port with a frontend pod")
def q1_outside() -> None:
    _frontend(1)


# ---- R2: the api, one virtual address, sticky -------------------------------------------------------------

def _api(requests: int) -> None:
    host = host_answer("api_host")
    found = resolve(host)
    expect.that(found, f"`{host}` does not resolve from the client pod: name a Service that exists in ps6.")
    expect.that(len(found) == 1 and ipaddress.IPv4Address(found[0]) in SERVICE_CIDR,
                f"`{host}` resolves to {', '.join(found)}: pod IPs change when pods are replaced. One stable virtual IP is what a "
                f"ClusterIP Service's name resolves to {lesson('01', 'The virtual IP')}.")
    apis = {p.metadata.name for p in live.ready_pods("tier=api")}
    counts = served(host, 80, requests)
    expect.that(set(counts) <= apis, f"http://{host}/ was answered by {sorted(counts)}; only api pods should answer (port 80 → their 8080).")
    expect.that(len(counts) == 1, f"{requests} requests to http://{host}/ reached {len(counts)} api pods ({counts}); carts live in one pod's "
                                  f"memory, so one client must keep reaching one pod: `sessionAffinity: ClientIP` {lesson('01', 'Session affinity')}.")


@A.visible("q2", "api_host: one virtual IP for the api pods, and one client keeps reaching one pod")
def q2_api() -> None:
    _api(STICKY)


# ---- R3: any replica by one name -----------------------------------------------------------------------

def _any(strict: bool) -> None:
    host = host_answer("db_host")
    db = db_pods()
    found = resolve(host)
    expect.that(found, f"`{host}` does not resolve from the client pod.")
    want = {p.status.pod_ip for p in db.values()}
    got = reaches(found)
    expect.that(got == want, f"`{host}` leads to {sorted(got)}, but the database replicas are {sorted(want)}: one name for all of them is a "
                             f"Service selecting every replica (headless: DNS lists them all) {lesson('02', 'One set of Pods, two Services')}.")
    if strict:
        counts = served(host, DB_PORT, 5)
        expect.that(set(counts) <= set(names(db)), f"http://{host}:{DB_PORT}/ was answered by {sorted(counts)}, not by a database replica.")


@A.visible("q3", "db_host: one name that leads to every database replica")
def q3_any() -> None:
    _any(False)


# ---- R4: each replica's own stable name ------------------------------------------------------------------

def _identity(requests: int) -> None:
    hosts = answer("db_hosts", (list, tuple))
    db = db_pods()
    expect.that(len(hosts) == 3 and all(type(h) is str for h in hosts), f"`db_hosts` should list 3 names, replica 0 first; it is {hosts!r:.100}.")
    for n, host in enumerate(hosts):
        ip = db[n].status.pod_ip
        found = resolve(host)
        expect.that(found, f"`{host}` (replica {n}) does not resolve: a StatefulSet pod gets `<pod>.<service>` only when `serviceName` names "
                           f"a headless Service that selects it {lesson('03', 'A StatefulSet and its governing Service')}.")
        expect.that(reaches(found) == {ip}, f"`{host}` (replica {n}) leads to {sorted(reaches(found))}; it should lead to {db[n].metadata.name} "
                                            f"({ip}) only {STABLE}.")
        if requests:
            counts = served(host, DB_PORT, requests)
            expect.that(set(counts) == {db[n].metadata.name}, f"http://{host}:{DB_PORT}/ was answered by {sorted(counts)}, not {db[n].metadata.name} alone.")


@A.visible("q4", "db_hosts: each replica has a name of its own that leads to it")
def q4_identity() -> None:
    _identity(0)


# ---- R5: writes only to the primary ------------------------------------------------------------------------

def _writes(requests: int) -> None:
    host = host_answer("write_host")
    db = db_pods()
    primary = db[0]
    found = resolve(host)
    expect.that(found, f"`{host}` does not resolve from the client pod.")
    expect.that(reaches(found) == {primary.status.pod_ip}, f"`{host}` leads to {sorted(reaches(found))}; writes must reach the primary "
                                                           f"{primary.metadata.name} ({primary.status.pod_ip}) and nothing else {MIXED}.")
    counts = served(host, DB_PORT, requests)
    expect.that(set(counts) == {primary.metadata.name}, f"{requests} writes to http://{host}:{DB_PORT}/ reached {counts}; only the primary "
                                                        f"{primary.metadata.name} may take writes {MIXED}.")


@A.visible("q5", "write_host reaches the primary (replica 0), and only it")
def q5_writes() -> None:
    _writes(5)


# ---- R6: reads spread over the replicas, never the primary --------------------------------------------------

def _reads(requests: int) -> None:
    host = host_answer("read_host")
    db = db_pods()
    replicas = {db[1].metadata.name, db[2].metadata.name}
    primary = db[0].metadata.name
    found = resolve(host)
    expect.that(found, f"`{host}` does not resolve from the client pod.")
    expect.that(reaches(found), f"`{host}` resolves to {', '.join(found)}, a Service with no ready endpoints: no pod carries every label its "
                                "selector asks for. Labels that tell the replicas from the primary are yours to set once the pods run "
                                f"(`kubectl label pod ...`) {lesson('04', 'Giving the Pods their roles')}.")
    expect.that(db[0].status.pod_ip not in reaches(found), f"`{host}` leads to the primary {primary} too; reads must never reach it: select "
                                                           f"only the replicas, with a label the primary does not have {MIXED}.")
    counts = served(host, DB_PORT, requests)
    expect.that(primary not in counts, f"the primary {primary} answered {counts.get(primary)} of {requests} reads.")
    expect.that(set(counts) == replicas, f"{requests} reads through http://{host}:{DB_PORT}/ reached {sorted(counts)}; they should be spread "
                                         f"over both replicas {sorted(replicas)}.")


@A.visible("q6", "read_host spreads reads over replicas 1 and 2, never the primary")
def q6_reads() -> None:
    _reads(spread.to_reach_all(2))


# ---- R7: the prediction ------------------------------------------------------------------------------------

def counts_of(name: str) -> dict[str, int]:
    return {str(k): int(v) for k, v in dict(answer(name, (pd.Series, dict))).items()}
