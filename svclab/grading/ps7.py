"""ps7-debugging: five Services that do not work; find out why (graded on the finding) and fix them
(graded on what clients get afterwards), one scenario at a time; a client in another namespace (does the name
resolve, or does the address not answer?); then, after lesson 07, traffic policies and what a lookup costs.

Each scenario breaks one step of the official checklist (https://kubernetes.io/docs/tasks/debug/debug-application/debug-service/):
the selector matches no pod, `targetPort` is a port the pods do not listen on, a named `targetPort` the pods do
not declare, pods that never become Ready, a Service that lives in another namespace than its clients.
A fix is judged by the cluster's behaviour only, whatever way the learner chose: the client pod in `ps7`
reaches every pod of the app through the name it already uses, and nothing was cheated away (the readiness
probe is still there, inventory still lives in its own namespace).
"""

from __future__ import annotations

from typing import Any

from kubernetes.client.exceptions import ApiException

from svclab import lab
from svclab.grading import expect, live, spread
from svclab.grading.answers import answer
from svclab.grading.core import Assignment, CheckFailed, proving
from svclab.grading.scoring import all_of, choice, lesson, normal, scenario_map, whole_number  # noqa: F401  (whole_number: for the hidden test cells)

A = Assignment("ps7-debugging", "ps7", answers=(
    "diagnosis", "predicted_name_resolves", "predicted_ip_answers", "ledger_layer",
    "predicted_forwarding_nodes", "predicted_source", "predicted_cacheless_node", "predicted_queries", "predicted_queries_absolute",
))
check = A.check
STORE = "ps7-store"  # where inventory runs; its clients live in ps7
APPS = ("shop-web", "catalog", "orders", "payments", "inventory")
IMAGE = "registry.k8s.io/e2e-test-images/agnhost:2.52"

# What a learner may write for each finding (compared loosely), and the checklist step that reveals it.
FINDINGS = {
    "selector": "the Service's selector matches no pod",
    "targetPort": "targetPort is a port the pods do not listen on",
    "named port": "targetPort names a port the pods do not declare",
    "readiness": "the pods never become Ready",
    "namespace": "the Service is in another namespace than its clients",
    "dns": "cluster DNS is down",
    "kube-proxy": "kube-proxy is not running",
}
SEE = lesson("06", "The checklist as one function")

def _app(name: str, namespace: str, service: dict[str, Any], probe: dict[str, Any] | None = None, port_name: str = "http") -> list[dict[str, Any]]:
    container: dict[str, Any] = {"name": name, "image": IMAGE, "args": ["netexec", "--http-port=8080"],
                                 "ports": [{"name": port_name, "containerPort": 8080}]}
    if probe:
        container["readinessProbe"] = probe
    labels = {"app": name}
    return [
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": namespace},
         "spec": {"replicas": 2, "selector": {"matchLabels": labels},
                  "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}}}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": namespace}, "spec": service},
    ]


def broken(namespace: str = "ps7") -> list[dict[str, Any]]:
    """The five broken scenarios, as manifests (what the setup cell applies)."""
    return [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": STORE}},
        *_app("shop-web", namespace, {"selector": {"app": "shopweb"}, "ports": [{"port": 80, "targetPort": 8080}]}),
        *_app("catalog", namespace, {"selector": {"app": "catalog"}, "ports": [{"port": 80, "targetPort": 9376}]}),
        *_app("orders", namespace, {"selector": {"app": "orders"}, "ports": [{"port": 80, "targetPort": "http-api"}]}),
        *_app("payments", namespace, {"selector": {"app": "payments"}, "ports": [{"port": 80, "targetPort": "http"}]},
              probe={"tcpSocket": {"port": 8081}, "periodSeconds": 1}),
        *_app("inventory", STORE, {"selector": {"app": "inventory"}, "ports": [{"port": 80, "targetPort": 8080}]}),
    ]


def deploy_broken() -> None:
    """Empty ps7-store (the lesson's own namespace is reset by the setup cell), apply the scenarios, and wait for the
    pods to run: the five broken Services, `ledger` (which works) and the `auditor` client in ps7-store."""
    lab.reset(STORE)
    namespace = lab.session().namespace
    lab.apply(broken(namespace) + _app("ledger", namespace, {"selector": {"app": "ledger"}, "ports": [{"port": 80, "targetPort": 8080}]}))
    lab.wait_ready("app in (shop-web,catalog,orders,ledger)", 8)
    lab.wait_ready("app=inventory", 2, namespace=STORE)
    lab.client_pod()
    lab.client_pod(AUDITOR, namespace=STORE)


# ---- question 1: the diagnosis ---------------------------------------------------------------------------

@A.visible("q1", "diagnosis names one finding for each of the five Services")
def q1_shape() -> None:
    given = scenario_map("diagnosis", APPS)
    known = {normal(k) for k in FINDINGS}
    unknown = {k: v for k, v in given.items() if k in APPS and (type(v) is not str or normal(v) not in known)}
    expect.that(not unknown, f"use one of {', '.join(repr(k) for k in FINDINGS)} for each Service; these are not among them: {unknown}.")


def finding(app: str) -> str:
    """The finding `diagnosis` gives for `app`, as written in FINDINGS (compared loosely)."""
    given = answer("diagnosis", dict).get(app)
    if type(given) is not str:
        raise CheckFailed("no finding for this Service.")
    return {normal(k): k for k in FINDINGS}.get(normal(given), given)


# ---- question 2: the fixes, judged live ------------------------------------------------------------------

def _pods(app: str, namespace: str) -> dict[str, str]:
    items = lab.session().core.list_namespaced_pod(namespace, label_selector=f"app={app}").items
    return {p.metadata.name: p.status.pod_ip for p in items if p.metadata.deletion_timestamp is None and live.ready(p)}


def _reached(app: str, requests: int, why: str | None = None) -> dict[str, int]:
    """Which pods answered `requests` fetches of the app through its name. Only the graded (hidden) check says
    what was wrong (`why`): a visible check that named the cause would answer question 1."""
    namespace = STORE if app == "inventory" else live.namespace()
    pods = _pods(app, namespace)
    url = f"http://{app}/hostname"
    counts = {str(k): int(v) for k, v in lab.count_backends(url, requests).items()}
    failed = counts.pop("FAILED", 0)
    if not counts:
        cause = why if why else f"go through the checklist {SEE}"
        raise CheckFailed(f"none of {requests} requests to {url} from the client pod got an answer: {cause}.")
    strangers = sorted(set(counts) - set(pods))
    expect.that(not strangers, f"{url} was answered by {', '.join(strangers)}, which is not a Ready {app} pod"
                               + (f" of namespace {namespace}" if app == "inventory" else "") + ".")
    expect.that(not failed, f"{failed} of {requests} requests to {url} failed: some endpoints do not answer"
                            + (f" ({why})." if why else "."))
    return counts


# Requests of the graded checks of a fix (svclab.grading.spread): both pods of the app answer, and a fix that leaves
# one of two endpoints refusing shows a failed request, each but with chance 2 * (1/2)**21 and (1/2)**21 < 1e-6.
SETTLED = max(spread.to_reach_all(2), spread.to_catch(1 / 2))


def _works(app: str) -> None:
    _reached(app, 4)


def settled(app: str, why: str) -> None:
    """The fix holds for every pod of the app, and took nothing away that the app needs (the notebook says so);
    `why` (from the hidden test) says what was wrong, with its lesson section."""
    namespace = STORE if app == "inventory" else live.namespace()
    pods = _pods(app, namespace)
    expect.that(len(pods) == 2, f"{len(pods)} {app} pod(s) are Ready; the Deployment runs 2, and both should serve"
                                + (f": {why}." if len(pods) < 2 else "."))
    counts = _reached(app, SETTLED, why)
    expect.that(set(counts) == set(pods), f"{SETTLED} requests to http://{app}/hostname reached {sorted(counts)}; every Ready pod "
                                          f"({', '.join(sorted(pods))}) should get some.")
    if app == "payments":
        deployment = lab.session().apps.read_namespaced_deployment("payments", namespace)
        probes = [c.readiness_probe for c in deployment.spec.template.spec.containers if c.readiness_probe]
        expect.that(probes, "the payments pods no longer have a readiness probe: without one, a pod that cannot serve yet still gets "
                            "traffic. Fix the probe (it checks the wrong port) instead of removing it.")
    if app == "inventory":
        try:
            service = lab.session().core.read_namespaced_service("inventory", STORE)
        except ApiException:
            raise CheckFailed("the Service inventory is gone from ps7-store: the other teams' clients there still need it; "
                              "give ps7's clients a way to the Service where it lives.") from None
        expect.that((service.spec.selector or {}).get("app") == "inventory", "the Service inventory in ps7-store no longer selects the inventory pods.")


@A.visible("q2", "the client pod in ps7 reaches each app through its Service's name")
def q2_all() -> None:
    all_of({app: (lambda app=app: _works(app)) for app in APPS})


def q2_works(app: str) -> None:
    """Visible (1 point each): the client pod reaches the app through its Service's name."""
    with proving(f"q2: http://{app}/hostname is answered by a {app} pod"):
        _works(app)


# ---- question 3: does the name resolve, does the address answer? ----------------------------------------

AUDITOR = "auditor"  # a client pod in ps7-store that calls http://ledger/hostname; ledger lives in ps7
LAYERS = {
    "name": "the name does not resolve from the client",
    "connection": "the name resolves, but nothing answers at its address",
    "application": "the address answers, but with an error",
}


def from_auditor() -> dict[str, bool]:
    """What the auditor pod in ps7-store gets for ledger: does the short name resolve, does the cluster IP answer."""
    service = lab.session().core.read_namespaced_service("ledger", live.namespace())
    fetched = lab.http_get(f"http://{service.spec.cluster_ip}/hostname", pod=AUDITOR, namespace=STORE)
    return {"resolves": lab.nslookup("ledger", pod=AUDITOR, namespace=STORE).ok,
            "answers": fetched.exit_code == 0 and bool(fetched.stdout.strip())}


def layer(name: str, at: str | None = None) -> str:
    """The key of LAYERS the learner's `name` gives (compared loosely)."""
    return choice(name, LAYERS, at=at)


def _auditor_reaches(requests: int) -> dict[str, int]:
    url = "http://ledger/hostname"
    counts = {str(k): int(v) for k, v in lab.count_backends(url, requests, pod=AUDITOR, namespace=STORE).items()}
    failed = counts.pop("FAILED", 0)
    if not counts:
        raise CheckFailed(f"none of {requests} requests to {url} from the auditor pod in {STORE} got an answer: look up the name from "
                          f"there, then fetch the Service's address from there {lesson('06', 'DNS or connectivity?')}.")
    pods = _pods("ledger", live.namespace())
    strangers = sorted(set(counts) - set(pods))
    expect.that(not strangers, f"{url} from the auditor was answered by {', '.join(strangers)}, which is not a Ready ledger pod of {live.namespace()}.")
    expect.that(not failed, f"{failed} of {requests} requests to {url} from the auditor failed.")
    return counts


@A.visible("q3", "the auditor pod in ps7-store reaches ledger through http://ledger/hostname")
def q3_ledger() -> None:
    _auditor_reaches(4)


def ledger_settled() -> None:
    """Every ledger pod answers the auditor, and ledger itself still lives, and selects its pods, in ps7."""
    pods = _pods("ledger", live.namespace())
    expect.that(len(pods) == 2, f"{len(pods)} ledger pod(s) are Ready in {live.namespace()}; its Deployment runs 2 there, and both should serve.")
    try:
        service = lab.session().core.read_namespaced_service("ledger", live.namespace())
    except ApiException:
        raise CheckFailed(f"the Service ledger is gone from {live.namespace()}: the clients there still call it.") from None
    expect.that((service.spec.selector or {}).get("app") == "ledger", f"the Service ledger in {live.namespace()} no longer selects the ledger pods.")
    counts = _auditor_reaches(SETTLED)
    expect.that(set(counts) == set(pods), f"{SETTLED} requests from the auditor reached {sorted(counts)}; every Ready ledger pod ({', '.join(sorted(pods))}) should get some.")


# ---- question 4: traffic policies, read in the nodes' rules -----------------------------------------------

SOURCES = ("the client's own address", "the address of the node it entered", "the Service's cluster IP")
CACHELESS = ("it reaches a node-cache pod on another node", "it is dropped", "the name node-cache does not resolve")


def part2() -> list[dict[str, Any]]:
    """Part 2's apps (lesson 07): `edge`, one pod behind a NodePort Service, and `node-cache`, two pods behind a
    ClusterIP Service; both with the default traffic policies."""
    namespace = lab.session().namespace
    edge = _app("edge", namespace, {"type": "NodePort", "selector": {"app": "edge"}, "ports": [{"port": 80, "targetPort": 8080}]})
    edge[0]["spec"]["replicas"] = 1
    cache = _app("node-cache", namespace, {"selector": {"app": "node-cache"}, "ports": [{"port": 80, "targetPort": 8080}]})
    return edge + cache


def deploy_part2() -> None:
    lab.apply(part2())
    lab.wait_ready("app=edge", 1)
    lab.wait_ready("app=node-cache", 2)


def nodes() -> list[str]:
    return sorted(n.metadata.name for n in lab.session().core.list_node().items)


def _pod_nodes(app: str) -> dict[str, int]:
    placed: dict[str, int] = {}
    for p in lab.session().core.list_namespaced_pod(live.namespace(), label_selector=f"app={app}").items:
        if p.metadata.deletion_timestamp is None and live.ready(p):
            placed[p.spec.node_name] = placed.get(p.spec.node_name, 0) + 1
    return placed


def external_paths(service: str = "edge") -> dict[str, dict[str, object]]:
    """For each node, what its kube-proxy rules do with outside traffic to the Service's node port, as lesson 07 reads
    them: dropped (a DROP in the filter table), or forwarded to this node's pods only (KUBE-SVL) or to every pod
    (KUBE-SVC), and whether the connection is masqueraded to the node's address."""
    svc = lab.session().core.read_namespaced_service(service, live.namespace())
    ports = {str(p.node_port) for p in svc.spec.ports or [] if p.node_port}
    paths: dict[str, dict[str, object]] = {}
    for node in nodes():
        rules = lab.node_rules(node, service)   # a Service's chains: its nat rules, and its filter rules (REJECT, DROP)
        ext = [line for line in rules.lines("nat") if line.startswith("-A KUBE-EXT-")]
        drops = [line for line in rules.lines("filter") if line.endswith("-j DROP")]
        dropped = any(line.split("--dport ", 1)[-1].split()[0] in ports for line in drops if "--dport " in line)
        paths[node] = {"forwards": bool(ext) and not dropped, "local only": any(" -j KUBE-SVL-" in line for line in ext),
                       "masquerade": any(_unconditional(line) for line in ext)}
    return paths


def _unconditional(line: str) -> bool:
    """A KUBE-EXT rule that marks every connection (no source/address match before the jump)."""
    head = line.split(" -j ", 1)[0]
    return line.endswith("-j KUBE-MARK-MASQ") and " -s " not in head and "-m addrtype" not in head


def internal_paths(service: str = "node-cache") -> dict[str, list[str]]:
    """For each node, where its rules send connections to the Service's cluster IP: the pod addresses they can
    reach (an empty list: dropped)."""
    paths: dict[str, list[str]] = {}
    for node in nodes():
        nat = lab.node_rules(node, service, table="nat").lines("nat")
        targets = [line.split("--to-destination ", 1)[1].split()[0].rsplit(":", 1)[0] for line in nat
                   if line.startswith("-A KUBE-SEP-") and "--to-destination" in line]
        entries = [line for line in nat if line.startswith("-A KUBE-SERVICES")]
        reachable = sorted(set(targets)) if entries else []
        if any(" -j KUBE-SVL-" in line for line in entries):
            svl = {line.split(" -j ")[-1].split()[0] for line in nat if line.startswith("-A KUBE-SVL-") and " -j KUBE-SEP-" in line}
            sep_ip = {line.split()[1]: line.split("--to-destination ", 1)[1].split()[0].rsplit(":", 1)[0] for line in nat
                      if line.startswith("-A KUBE-SEP-") and "--to-destination" in line}
            reachable = sorted(sep_ip[c] for c in svl if c in sep_ip)
        paths[node] = reachable
    return paths


def pod_ips_on(app: str) -> dict[str, set[str]]:
    on: dict[str, set[str]] = {}
    for p in lab.session().core.list_namespaced_pod(live.namespace(), label_selector=f"app={app}").items:
        if p.metadata.deletion_timestamp is None and live.ready(p):
            on.setdefault(p.spec.node_name, set()).add(p.status.pod_ip)
    return on


@A.visible("q4", "edge: outside clients' own addresses reach its pod, through the nodes that run it")
def q4_edge() -> None:
    see = lesson("07", "externalTrafficPolicy: what each node does with outside traffic")
    service = lab.session().core.read_namespaced_service("edge", live.namespace())
    expect.that(any(p.node_port for p in service.spec.ports or []), f"edge has no node port any more (type {service.spec.type}): outside clients reach it through one {see}.")
    placed = _pod_nodes("edge")
    for node, path in external_paths("edge").items():
        if node in placed:
            expect.that(path["forwards"] and not path["masquerade"], f"{node} runs an edge pod, and its rules masquerade outside connections to the node's "
                                                                     f"own address before they reach it: the pod never sees who called {see}.")
        else:
            expect.that(not path["forwards"] or not path["masquerade"], f"{node} runs no edge pod, yet forwards outside traffic to a pod on another node, "
                                                                         f"masqueraded: that pod sees {node}'s address, not the client's {see}.")


@A.visible("q4", "node-cache: a client's connections are served on its own node")
def q4_cache() -> None:
    see = lesson("07", "internalTrafficPolicy: Local")
    on = pod_ips_on("node-cache")
    expect.that(on, "no node-cache pod is Ready: the Deployment should still run its two pods.")
    for node, reachable in internal_paths("node-cache").items():
        mine = on.get(node, set())
        strangers = sorted(set(reachable) - mine)
        expect.that(not strangers, f"on {node}, connections to node-cache's cluster IP can reach {', '.join(strangers)}, a pod on another node {see}.")
        expect.that(not mine or set(reachable) == mine, f"on {node}, connections to node-cache do not reach the node's own pod(s) {sorted(mine)} {see}.")


# ---- question 5: what a lookup costs -----------------------------------------------------------------------

def resolver_conf(pod: str) -> tuple[list[str], int, list[str]]:
    """The pod's /etc/resolv.conf: its search list, its ndots (1 when unset, as in glibc and musl), its nameservers."""
    text = lab.exec_in(pod, "cat /etc/resolv.conf").stdout
    search: list[str] = []
    ndots, servers = 1, []
    for line in text.splitlines():
        words = line.split()
        if words and words[0] in ("search", "domain"):
            search = words[1:]
        elif words and words[0] == "nameserver" and len(words) > 1:
            servers.append(words[1])
        elif words and words[0] == "options":
            for option in words[1:]:
                if option.startswith("ndots:") and option[6:].isdigit():
                    ndots = min(int(option[6:]), 15)
    return search, ndots, servers


def order(name: str, pod: str = "client") -> list[str]:
    """The names the pod's resolver (glibc, musl) asks for, in order: with fewer dots than ndots the search domains
    first and the name as written last; otherwise the name as written first (then, in glibc only, the search list);
    with a trailing dot only the name. glibc resolv/res_query.c `__res_context_search` (`dots >= statp->ndots ||
    trailing_dot`), musl src/network/lookup_name.c `name_from_dns_search` (`dots >= conf.ndots || name[l-1]=='.'`)."""
    search, ndots, _ = resolver_conf(pod)
    searched = [f"{name}.{domain.rstrip('.')}." for domain in search]
    if name.endswith("."):
        return [name]
    return searched + [f"{name}."] if name.count(".") < ndots else [f"{name}."] + searched


def tries(name: str, pod: str = "client") -> tuple[int, str]:
    """How many of those names the resolver asks for until one exists, and that name ("" when none does). Each try
    is one A and one AAAA query."""
    ordered = order(name, pod)
    for count, candidate in enumerate(ordered, 1):
        if lab.nslookup(candidate, pod=pod).ok:
            return count, candidate
    return len(ordered), ""


CRAWLER = "crawler"


@A.visible("q5", "the crawler pod resolves www.example.com with its first try")
def q5_crawler() -> None:
    see = lesson("07", "How many queries a name costs")
    pod = live.pod(CRAWLER)
    expect.that(live.ready(pod), "the crawler pod is not Ready yet: wait for it.")
    asked = order("www.example.com", CRAWLER)
    first = asked.index("www.example.com.") + 1
    expect.that(first == 1, f"the crawler pod's resolver asks for {', '.join(asked[:first - 1])} before www.example.com itself: {first} tries "
                            f"({2 * first} queries) when the name exists, walking its search list first {see}.")
