"""lab.node_rules on the embedded cluster: kube-proxy's chains, hashed as kube-proxy hashes them, with
the rules the lessons show (statistic, REJECT, recent, NodePort/EXT, traffic policies)."""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Iterator

import pytest

from svclab import lab


def kube_proxy_hash(prefix: str, text: str) -> str:
    """proxier.go: prefix + base32(sha256(servicePortName + protocol [+ endpoint]))[:16]."""
    return prefix + base64.b32encode(hashlib.sha256(text.encode()).digest()).decode()[:16]


def web(name: str, replicas: int = 3, labels: str = "web") -> str:
    return f"""
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: {labels}}}}}
  template:
    metadata: {{labels: {{app: {labels}}}}}
    spec:
      containers:
      - name: web
        image: registry.k8s.io/e2e-test-images/agnhost:2.52
        args: ["netexec", "--http-port=8080"]
        ports: [{{containerPort: 8080}}]
"""


def service(name: str, selector: str = "web", extra: str = "", port: str = "  - port: 80\n    targetPort: 8080\n") -> str:
    return f"""
apiVersion: v1
kind: Service
metadata: {{name: {name}}}
spec:
  selector: {{app: {selector}}}
{extra}  ports:
{port}"""


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch) -> Iterator[lab.Session]:
    monkeypatch.setenv("SVCLAB_FRESH", "1")
    monkeypatch.setenv("SVCLAB_SEED", "3")
    s = lab.connect("clusterip", fresh=True)
    yield s
    s.close()


def chain_rules(text: str, chain: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(f"-A {chain} ")]


def test_chain_names_are_kube_proxys_hashes(session: lab.Session) -> None:
    lab.apply(web("web") + "---" + service("web-service"))
    lab.wait_ready("app=web", 3)
    rules = lab.node_rules("svclab-worker").text
    kubernetes = kube_proxy_hash("KUBE-SVC-", "default/kubernetes:https" + "tcp")
    assert kubernetes == "KUBE-SVC-NPX46M4PTMTKRN6Y"
    dns_udp = kube_proxy_hash("KUBE-SVC-", "kube-system/kube-dns:dns" + "udp")
    dns_tcp = kube_proxy_hash("KUBE-SVC-", "kube-system/kube-dns:dns-tcp" + "tcp")
    lesson = kube_proxy_hash("KUBE-SVC-", "clusterip/web-service" + "tcp")
    ip = lab.services().set_index("name").loc["web-service", "cluster_ip"]
    assert f'-A KUBE-SERVICES -d 10.96.0.1/32 -p tcp -m comment --comment "default/kubernetes:https cluster IP" -m tcp --dport 443 -j {kubernetes}' in rules
    assert f'-A KUBE-SERVICES -d 10.96.0.10/32 -p udp -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp --dport 53 -j {dns_udp}' in rules
    assert f'-A KUBE-SERVICES -d 10.96.0.10/32 -p tcp -m comment --comment "kube-system/kube-dns:dns-tcp cluster IP" -m tcp --dport 53 -j {dns_tcp}' in rules
    assert f'-A KUBE-SERVICES -d {ip}/32 -p tcp -m comment --comment "clusterip/web-service cluster IP" -m tcp --dport 80 -j {lesson}' in rules
    # every endpoint chain is the hash of the service port name, protocol and "ip:port"
    pods = lab.pods("app=web")
    for pod_ip in pods["ip"]:
        sep = kube_proxy_hash("KUBE-SEP-", f"clusterip/web-service" + "tcp" + f"{pod_ip}:8080")
        assert f"-A {sep} -p tcp -m comment --comment \"clusterip/web-service\" -m tcp -j DNAT --to-destination {pod_ip}:8080" in rules
        assert f"-A {sep} -s {pod_ip}/32 -m comment --comment \"clusterip/web-service\" -j KUBE-MARK-MASQ" in rules
    # the masquerade path and the entry points, as kube-proxy writes them
    assert "-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES" in rules
    assert "-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000" in rules
    assert '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully' in rules
    assert chain_rules(rules, "KUBE-SERVICES")[-1].endswith("-m addrtype --dst-type LOCAL -j KUBE-NODEPORTS")


def test_three_endpoints_get_kube_proxys_probabilities(session: lab.Session) -> None:
    lab.apply(web("web") + "---" + service("web-service"))
    lab.wait_ready("app=web", 3)
    rules = lab.node_rules("svclab-worker", "web-service")
    chain = kube_proxy_hash("KUBE-SVC-", "clusterip/web-service" + "tcp")
    lines = chain_rules(rules.text, chain)
    endpoints = sorted(f"{ip}:8080" for ip in lab.pods("app=web")["ip"])  # kube-proxy sorts them as strings
    assert [re.search(r"--probability (\S+)", line).group(1) if "--probability" in line else None for line in lines[1:]] == ["0.33333333349", "0.50000000000", None]
    assert [re.search(r'"clusterip/web-service -> (\S+)"', line).group(1) for line in lines[1:]] == endpoints
    assert lines[0].startswith(f"-A {chain} ! -s 10.244.0.0/16 -d ")  # off-cluster sources are masqueraded
    # the Service view keeps the jumps that lead to it and nothing of other Services
    assert "NPX46M4PTMTKRN6Y" not in rules.text and "kube-dns" not in rules.text
    assert '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES' in rules.text
    frame = rules.frame()
    assert list(frame.columns) == ["chain", "#", "matches", "jump", "probability", "comment"]
    assert list(frame["chain"].drop_duplicates())[:3] == ["PREROUTING", "KUBE-SERVICES", chain]
    probabilities = frame[frame["chain"] == chain]["probability"].tolist()
    assert probabilities[1:3] == [pytest.approx(0.33333333349), 0.5] and probabilities[3] != probabilities[3]  # NaN: no statistic
    # kube-proxy's own restore input, unchanged by iptables-save's printing
    assert "--probability 0.3333333333 " in rules.restore and "--probability 0.5000000000 " in rules.restore


def test_service_without_endpoints_is_rejected_in_the_filter_table(session: lab.Session) -> None:
    lab.apply(service("lonely", selector="nothing"))
    rules = lab.node_rules("svclab-worker", "lonely")
    ip = lab.services().set_index("name").loc["lonely", "cluster_ip"]
    assert f'-A KUBE-SERVICES -d {ip}/32 -p tcp -m comment --comment "clusterip/lonely has no endpoints" -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable' in rules.text
    assert "*filter" in rules.text and "clusterip/lonely cluster IP" not in rules.text  # no nat rule at all
    assert '-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES' in rules.text


def test_client_ip_affinity_uses_recent(session: lab.Session) -> None:
    lab.apply(web("web", 2) + "---" + service("sticky", extra="  sessionAffinity: ClientIP\n"))
    lab.wait_ready("app=web", 2)
    text = lab.node_rules("svclab-worker", "sticky").text
    chain = kube_proxy_hash("KUBE-SVC-", "clusterip/sticky" + "tcp")
    for pod_ip in lab.pods("app=web")["ip"]:
        sep = kube_proxy_hash("KUBE-SEP-", "clusterip/sticky" + "tcp" + f"{pod_ip}:8080")
        assert (f'-A {chain} -m comment --comment "clusterip/sticky -> {pod_ip}:8080" -m recent --rcheck --seconds 10800 --reap '
                f"--name {sep} --mask 255.255.255.255 --rsource -j {sep}") in text
        assert (f"-A {sep} -p tcp -m comment --comment \"clusterip/sticky\" -m recent --set --name {sep} --mask 255.255.255.255 "
                f"--rsource -m tcp -j DNAT --to-destination {pod_ip}:8080") in text
    # the recent checks come before the statistic rules
    lines = chain_rules(text, chain)
    assert ["recent" in line for line in lines[1:]] == [True, True, False, False]


def test_nodeport_goes_through_kube_nodeports_and_kube_ext(session: lab.Session) -> None:
    lab.apply(web("web", 2) + "---" + service("web-nodeport", extra="  type: NodePort\n",
                                              port="  - name: http\n    port: 80\n    targetPort: 8080\n    nodePort: 30080\n"))
    lab.wait_ready("app=web", 2)
    text = lab.node_rules("svclab-control-plane", "web-nodeport").text
    ext = kube_proxy_hash("KUBE-EXT-", "clusterip/web-nodeport:http" + "tcp")
    svc = kube_proxy_hash("KUBE-SVC-", "clusterip/web-nodeport:http" + "tcp")
    assert f"-A KUBE-NODEPORTS -p tcp -m comment --comment \"clusterip/web-nodeport:http\" -m tcp --dport 30080 -j {ext}" in text
    assert (f'-A KUBE-NODEPORTS -d 127.0.0.0/8 -p tcp -m comment --comment "clusterip/web-nodeport:http" -m tcp --dport 30080 '
            f"-m nfacct --nfacct-name localhost_nps_accepted_pkts -j {ext}") in text
    assert chain_rules(text, ext) == [
        f'-A {ext} -m comment --comment "masquerade traffic for clusterip/web-nodeport:http external destinations" -j KUBE-MARK-MASQ',
        f"-A {ext} -j {svc}",
    ]
    assert '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS' in text
    assert "-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0" in text


def test_traffic_policies_local_depend_on_the_node(session: lab.Session) -> None:
    lab.apply(web("web", 1) + "---" + service("local-np", extra="  type: NodePort\n  externalTrafficPolicy: Local\n")
              + "---" + service("local-int", extra="  internalTrafficPolicy: Local\n"))
    lab.wait_ready("app=web", 1)
    pod = lab.pods("app=web").iloc[0]
    other = "svclab-worker2" if pod["node"] == "svclab-worker" else "svclab-worker"
    svl = kube_proxy_hash("KUBE-SVL-", "clusterip/local-np" + "tcp")
    ext = kube_proxy_hash("KUBE-EXT-", "clusterip/local-np" + "tcp")
    svc = kube_proxy_hash("KUBE-SVC-", "clusterip/local-np" + "tcp")
    here = lab.node_rules(pod["node"], "local-np").text
    assert chain_rules(here, ext) == [
        f'-A {ext} -s 10.244.0.0/16 -m comment --comment "pod traffic for clusterip/local-np external destinations" -j {svc}',
        f'-A {ext} -m comment --comment "masquerade LOCAL traffic for clusterip/local-np external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ',
        f'-A {ext} -m comment --comment "route LOCAL traffic for clusterip/local-np external destinations" -m addrtype --src-type LOCAL -j {svc}',
        f"-A {ext} -j {svl}",
    ]
    assert chain_rules(here, svl) == [f'-A {svl} -m comment --comment "clusterip/local-np -> {pod["ip"]}:8080" -j ' + kube_proxy_hash("KUBE-SEP-", f"clusterip/local-np" + "tcp" + f"{pod['ip']}:8080")]
    there = lab.node_rules(other, "local-np").text
    assert svl not in there and f"-A {ext} -j " not in there
    assert re.search(r'-A KUBE-EXTERNAL-SERVICES -p tcp -m comment --comment "clusterip/local-np has no local endpoints" -m addrtype --dst-type LOCAL -m tcp --dport \d+ -j DROP', there)
    # internalTrafficPolicy: Local — the ClusterIP goes to the node's own endpoint, or is dropped
    int_svl = kube_proxy_hash("KUBE-SVL-", "clusterip/local-int" + "tcp")
    assert f'--comment "clusterip/local-int cluster IP" -m tcp --dport 80 -j {int_svl}' in lab.node_rules(pod["node"], "local-int").text
    assert '--comment "clusterip/local-int has no local endpoints" -m tcp --dport 80 -j DROP' in lab.node_rules(other, "local-int").text


def test_unknown_node_is_a_clear_error(session: lab.Session) -> None:
    with pytest.raises(lab.LabError, match='nodes "nope" not found .*svclab-control-plane, svclab-worker, svclab-worker2'):
        lab.node_rules("nope")
