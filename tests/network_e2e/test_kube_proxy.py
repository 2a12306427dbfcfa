"""Issue 3, part 2: kube-proxy as a pod sees it through `kubectl exec ... wget`: random spread
over the ready endpoints (repeatable from the seed), ClientIP affinity and its expiry on the
cluster clock, REJECT for a Service without ready endpoints, NodePorts on every node IP."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from tests.conformance.conftest import seed_block
from tests.network_e2e.conftest import TERMINATED, Lab

REQUESTS = 300
# The seed's web-service with pods that say who answered: nginx serves the same page from every
# pod, so the spread is watched with agnhost netexec listening on the same port.
WEB = seed_block("web-service", "nginx").replace(
    "        image: nginx:latest\n",
    '        image: registry.k8s.io/e2e-test-images/agnhost:2.52\n        args: ["netexec", "--http-port=80"]\n')
LOOP = f"for i in $(seq {REQUESTS}); do wget -qO- http://web-service/hostname; echo; done"


def web_scenario(lab: Lab, clients: int = 1) -> tuple[str, dict[str, str]]:
    ns = lab.namespace()
    lab.apply(ns, WEB)
    for n in range(clients):
        lab.client(ns, "client" if n == 0 else f"client{n}")
    lab.wait_ready(ns, "app=nginx")
    return ns, lab.pod_ips(ns, "app=nginx")


def served_by(lab: Lab, ns: str, client: str = "client", loop: str = LOOP) -> list[str]:
    result = lab.exec(ns, client, "sh", "-c", loop)
    assert (result.stderr, result.returncode) == ("", 0)
    return result.stdout.split()


def one_request(lab: Lab, ns: str, client: str = "client") -> str:
    result = lab.exec(ns, client, "wget", "-qO-", "http://web-service/hostname")
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_requests_spread_over_all_pods_repeatably(start_lab: Callable[..., Lab]) -> None:
    runs = []
    for _ in range(2):
        lab = start_lab(manual_clock=True)
        ns, pods = web_scenario(lab)
        runs.append((pods, served_by(lab, ns)))
    (pods, first), (pods_again, second) = runs
    assert pods == pods_again                    # same names and IPs from the same seed
    assert first == second                       # and the very same sequence of choices
    counts = Counter(first)
    assert sum(counts.values()) == REQUESTS and set(counts) == set(pods)
    expected = REQUESTS / len(pods)
    assert all(0.7 * expected <= n <= 1.3 * expected for n in counts.values()), counts
    chi_square = sum((n - expected) ** 2 / expected for n in counts.values())
    assert chi_square < 13.8, counts             # p = 0.001 with 2 degrees of freedom
    assert len(set(first[:10])) > 1              # not one pod after another in blocks


def test_client_ip_affinity_pins_then_expires_after_timeout(lab: Lab) -> None:
    ns, pods = web_scenario(lab, clients=3)
    patch = '{"spec":{"sessionAffinity":"ClientIP","sessionAffinityConfig":{"clientIP":{"timeoutSeconds":60}}}}'
    lab.k("-n", ns, "patch", "svc", "web-service", "-p", patch)

    pinned = {}
    for client, requests in (("client", REQUESTS), ("client1", 30), ("client2", 30)):
        served = served_by(lab, ns, client, LOOP.replace(f"seq {REQUESTS}", f"seq {requests}"))
        assert len(served) == requests and len(set(served)) == 1, Counter(served)
        pinned[client] = served[0]
    assert set(pinned.values()) <= set(pods)

    # Every connection refreshes the entry: 59 s apart, a client stays on its pod forever.
    for _ in range(2):
        lab.cluster.advance(59)
        assert {c: one_request(lab, ns, c) for c in pinned} == pinned

    # 61 s of silence and the entry has expired: the next connection is a fresh random choice,
    # and the one right after it is pinned to that choice. Over several clients and rounds the
    # fresh choice must land elsewhere.
    twice = "wget -qO- http://web-service/hostname; echo; wget -qO- http://web-service/hostname"
    seen: dict[str, set[str]] = {c: {pod} for c, pod in pinned.items()}
    moved = 0
    for _ in range(3):
        lab.cluster.advance(61)
        for client in pinned:
            pod, again = served_by(lab, ns, client, twice)
            assert again == pod
            moved += pod != pinned[client]
            pinned[client] = pod
            seen[client].add(pod)
    assert moved >= 3, seen
    assert set().union(*seen.values()) == set(pods)


def test_default_affinity_timeout_is_three_hours(lab: Lab) -> None:
    ns, pods = web_scenario(lab)
    lab.k("-n", ns, "patch", "svc", "web-service", "-p", '{"spec":{"sessionAffinity":"ClientIP"}}')
    assert lab.jsonpath(ns, "svc/web-service", "{.spec.sessionAffinityConfig.clientIP.timeoutSeconds}") == "10800"
    first = one_request(lab, ns)
    lab.cluster.advance(10799)
    assert one_request(lab, ns) == first
    seen = {first}
    for _ in range(4):
        lab.cluster.advance(10801)
        seen.add(one_request(lab, ns))
    assert len(seen) > 1 and seen <= set(pods)


def test_service_without_ready_endpoints_refuses_connections(lab: Lab) -> None:
    ns = lab.namespace()
    lab.apply(ns, "apiVersion: v1\nkind: Service\nmetadata:\n  name: nobody\nspec:\n  selector:\n    app: nobody\n  ports:\n  - port: 80\n")
    lab.client(ns)
    ip = lab.jsonpath(ns, "svc/nobody", "{.spec.clusterIP}")
    result = lab.exec(ns, "client", "wget", "-qO-", "http://nobody")
    assert result.stdout == ""
    assert result.stderr == f"wget: can't connect to remote host ({ip}): Connection refused\n" + TERMINATED.format(code=1)
    assert result.returncode == 1


def test_nodeport_answers_on_every_node_ip(lab: Lab) -> None:
    ns, pods = web_scenario(lab)
    lab.apply(ns, "apiVersion: v1\nkind: Service\nmetadata:\n  name: web-np\nspec:\n  type: NodePort\n  selector:\n    app: nginx\n  ports:\n  - port: 80\n")
    node_port = int(lab.jsonpath(ns, "svc/web-np", "{.spec.ports[0].nodePort}"))
    assert 30000 <= node_port <= 32767
    nodes = lab.node_ips()
    assert nodes == ["172.18.0.2", "172.18.0.3", "172.18.0.4"]
    loop = f"for ip in {' '.join(nodes)}; do for i in 1 2 3 4 5 6; do wget -qO- http://$ip:{node_port}/hostname; echo; done; done"
    served = served_by(lab, ns, loop=loop)
    assert len(served) == 18 and set(served) <= set(pods) and len(set(served)) > 1
    assert one_request(lab, ns) in pods

    # A node IP on a port nothing listens on: the node answers with a RST.
    other = 30000 if node_port != 30000 else 30001
    result = lab.exec(ns, "client", "wget", "-qO-", f"http://172.18.0.3:{other}/hostname")
    assert result.stderr == f"wget: can't connect to remote host (172.18.0.3): Connection refused\n" + TERMINATED.format(code=1)
    assert result.returncode == 1
