"""``syncProxyRules`` of kube-proxy's iptables proxier (Kubernetes v1.35 ``pkg/proxy/iptables/proxier.go``)
for one node: the ``iptables-restore`` input kube-proxy writes, line for line and in its order.

What is the same as kube-proxy: chain names (:mod:`svclab.dataplane.names`), every rule and comment
it writes for ClusterIPs, external IPs, LoadBalancer ingress IPs (with ``loadBalancerSourceRanges``),
NodePorts (with the localhost rule), ``healthCheckNodePort``, the no-endpoints REJECT and
no-local-endpoints DROP filter rules, the ``statistic`` probabilities (``computeProbability``:
``%0.10f`` of 1/n), ``recent`` for ClientIP affinity, both traffic policies, large-cluster mode (no
per-endpoint comments above 1000 endpoints), KUBE-POSTROUTING/KUBE-MARK-MASQ, KUBE-FORWARD and the
localnet KUBE-FIREWALL rule.

What differs: kube-proxy walks Services in Go map order, which changes from one sync to the next;
here they come in namespace/name/port order. Partial syncs (only changed Services rewritten) and the
``-X`` lines that delete stale chains are sync bookkeeping, not rules, and are left out. IPv4 only
(kind's default single-stack cluster).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any, Iterable

from svclab.dataplane.model import Endpoint, ServicePort, categorize, endpoints_by_port, service_ports
from svclab.version import POD_CIDR

Obj = dict[str, Any]

KUBE_SERVICES = "KUBE-SERVICES"
KUBE_EXTERNAL_SERVICES = "KUBE-EXTERNAL-SERVICES"
KUBE_NODEPORTS = "KUBE-NODEPORTS"
KUBE_POSTROUTING = "KUBE-POSTROUTING"
KUBE_MARK_MASQ = "KUBE-MARK-MASQ"
KUBE_FORWARD = "KUBE-FORWARD"
KUBE_PROXY_FIREWALL = "KUBE-PROXY-FIREWALL"
KUBE_FIREWALL = "KUBE-FIREWALL"
LARGE_CLUSTER_ENDPOINTS_THRESHOLD = 1000
LOCALHOST_NODEPORT_COUNTER = "localhost_nps_accepted_pkts"
INVALID_DROPPED_COUNTER = "ct_state_invalid_dropped_pkts"

# iptablesJumpChains + iptablesKubeletJumpChains: (table, kube-proxy chain, built-in chain, comment, extra args).
# kube-proxy adds each with EnsureRule(Prepend), outside iptables-restore.
JUMP_CHAINS: tuple[tuple[str, str, str, str, tuple[str, ...]], ...] = (
    ("filter", KUBE_EXTERNAL_SERVICES, "INPUT", "kubernetes externally-visible service portals", ("-m", "conntrack", "--ctstate", "NEW")),
    ("filter", KUBE_EXTERNAL_SERVICES, "FORWARD", "kubernetes externally-visible service portals", ("-m", "conntrack", "--ctstate", "NEW")),
    ("filter", KUBE_NODEPORTS, "INPUT", "kubernetes health check service ports", ()),
    ("filter", KUBE_SERVICES, "FORWARD", "kubernetes service portals", ("-m", "conntrack", "--ctstate", "NEW")),
    ("filter", KUBE_SERVICES, "OUTPUT", "kubernetes service portals", ("-m", "conntrack", "--ctstate", "NEW")),
    ("filter", KUBE_FORWARD, "FORWARD", "kubernetes forwarding rules", ()),
    ("filter", KUBE_PROXY_FIREWALL, "INPUT", "kubernetes load balancer firewall", ("-m", "conntrack", "--ctstate", "NEW")),
    ("filter", KUBE_PROXY_FIREWALL, "OUTPUT", "kubernetes load balancer firewall", ("-m", "conntrack", "--ctstate", "NEW")),
    ("filter", KUBE_PROXY_FIREWALL, "FORWARD", "kubernetes load balancer firewall", ("-m", "conntrack", "--ctstate", "NEW")),
    ("nat", KUBE_SERVICES, "OUTPUT", "kubernetes service portals", ()),
    ("nat", KUBE_SERVICES, "PREROUTING", "kubernetes service portals", ()),
    ("nat", KUBE_POSTROUTING, "POSTROUTING", "kubernetes postrouting rules", ()),
    ("filter", KUBE_FIREWALL, "INPUT", "", ()),
    ("filter", KUBE_FIREWALL, "OUTPUT", "", ()),
)


@dataclass(frozen=True)
class NodeSettings:
    """One node's kube-proxy, configured as kind configures it (kubeadm defaults, iptables mode).

    ``cluster_cidr`` drives the ClusterCIDR local-traffic detector (``! -s 10.244.0.0/16``);
    ``nfacct`` is whether the node kernel has nfnetlink_acct (kube-proxy then counts two rules);
    ``random_fully`` is whether its iptables supports ``--random-fully`` (1.6.2 and later).
    """

    node_name: str
    node_ip: str
    node_labels: dict[str, str] = field(default_factory=dict)
    cluster_cidr: str | None = POD_CIDR
    masquerade_mark: str = "0x4000"
    masquerade_all: bool = False
    localhost_node_ports: bool = True
    random_fully: bool = True
    nfacct: bool = True
    conntrack_tcp_liberal: bool = False


@dataclass
class Restore:
    """The ``iptables-restore`` input of one sync: chain lines and rules per table, in write order."""

    filter_chains: list[str] = field(default_factory=list)
    filter_rules: list[str] = field(default_factory=list)
    nat_chains: list[str] = field(default_factory=list)
    nat_rules: list[str] = field(default_factory=list)

    def text(self) -> str:
        lines = ["*filter", *self.filter_chains, *self.filter_rules, "COMMIT", "*nat", *self.nat_chains, *self.nat_rules, "COMMIT"]
        return "\n".join(lines) + "\n"


def _line(*parts: str | Iterable[str]) -> str:
    """``LineBuffer.Write``: words and word lists joined by single spaces."""
    words: list[str] = []
    for part in parts:
        if isinstance(part, str):
            words.append(part)
        else:
            words.extend(part)
    return " ".join(words)


def _chain_line(chain: str) -> str:
    return f":{chain} - [0:0]"


def probability(n: int) -> str:
    """``computeProbability``: ``fmt.Sprintf("%0.10f", 1.0/float64(n))``."""
    return f"{1.0 / n:0.10f}"


class _Sync:
    def __init__(self, settings: NodeSettings) -> None:
        self.s = settings
        self.out = Restore()
        self.large = False

    # proxyutil.LocalTrafficDetector (ClusterCIDR mode)
    def if_not_local(self) -> list[str]:
        return ["!", "-s", self.s.cluster_cidr] if self.s.cluster_cidr else []

    def if_local(self) -> list[str]:
        return ["-s", self.s.cluster_cidr] if self.s.cluster_cidr else []

    def comment(self, args: list[str], text: str) -> list[str]:
        """``appendServiceCommentLocked``: no comment in large-cluster mode."""
        return args if self.large else [*args, "-m", "comment", "--comment", text]

    def run(self, svc_ports: list[ServicePort], endpoints: dict[tuple[str, str, str, str], list[Endpoint]]) -> Restore:
        s, out = self.s, self.out
        mark = s.masquerade_mark
        for chain in (KUBE_SERVICES, KUBE_EXTERNAL_SERVICES, KUBE_FORWARD, KUBE_NODEPORTS, KUBE_PROXY_FIREWALL):
            out.filter_chains.append(_chain_line(chain))
        for chain in (KUBE_SERVICES, KUBE_NODEPORTS, KUBE_POSTROUTING, KUBE_MARK_MASQ):
            out.nat_chains.append(_chain_line(chain))
        out.nat_rules.append(_line("-A", KUBE_POSTROUTING, "-m", "mark", "!", "--mark", f"{mark}/{mark}", "-j", "RETURN"))
        out.nat_rules.append(_line("-A", KUBE_POSTROUTING, "-j", "MARK", "--xor-mark", mark))
        masq = ["-A", KUBE_POSTROUTING, "-m", "comment", "--comment", '"kubernetes service traffic requiring SNAT"', "-j", "MASQUERADE"]
        if s.random_fully:
            masq.append("--random-fully")
        out.nat_rules.append(_line(masq))
        out.nat_rules.append(_line("-A", KUBE_MARK_MASQ, "-j", "MARK", "--or-mark", mark))
        if s.localhost_node_ports:
            out.filter_chains.append(_chain_line(KUBE_FIREWALL))
            out.filter_rules.append(_line(
                "-A", KUBE_FIREWALL, "-m", "comment", "--comment", '"block incoming localnet connections"',
                "-d", "127.0.0.0/8", "!", "-s", "127.0.0.0/8", "-m", "conntrack", "!", "--ctstate", "RELATED,ESTABLISHED,DNAT", "-j", "DROP"))
        self.large = sum(len(endpoints.get(sp.key, [])) for sp in svc_ports) > LARGE_CLUSTER_ENDPOINTS_THRESHOLD
        for sp in svc_ports:
            self.service(sp, endpoints.get(sp.key, []))
        self.trailer()
        return out

    def service(self, svc: ServicePort, all_endpoints: list[Endpoint]) -> None:
        s, out = self.s, self.out
        proto, name = svc.proto, svc.name_string
        cat = categorize(all_endpoints, svc, s.node_name, s.node_labels)
        cluster_chain, local_chain = svc.cluster_chain, svc.local_chain
        uses_cluster = bool(cat.cluster) and svc.uses_cluster_endpoints()
        uses_local = bool(cat.local) and svc.uses_local_endpoints()
        has = cat.has_any
        internal_chain, has_internal = cluster_chain, has
        if svc.internal_policy_local:
            internal_chain = local_chain
            has_internal = has_internal and bool(cat.local)
        external_policy_chain, has_external = cluster_chain, has
        if svc.external_policy_local:
            external_policy_chain = local_chain
            has_external = has_external and bool(cat.local)
        ext_chain = svc.external_chain
        uses_ext = has and svc.externally_accessible()
        lb_chain = ext_chain
        uses_fw = has and bool(svc.load_balancer_vips) and bool(svc.load_balancer_source_ranges)
        if uses_fw:
            lb_chain = svc.firewall_chain
        int_target = int_comment = ext_target = ext_comment = ""
        if not has:
            int_target = ext_target = "REJECT"
            int_comment = ext_comment = f'"{name} has no endpoints"'
        else:
            if not has_internal:
                int_target, int_comment = "DROP", f'"{name} has no local endpoints"'
            if not has_external:
                ext_target, ext_comment = "DROP", f'"{name} has no local endpoints"'
        port = str(svc.port)
        if has_internal:
            out.nat_rules.append(_line("-A", KUBE_SERVICES, "-m", "comment", "--comment", f'"{name} cluster IP"',
                                       "-m", proto, "-p", proto, "-d", svc.cluster_ip, "--dport", port, "-j", internal_chain))
        else:
            out.filter_rules.append(_line("-A", KUBE_SERVICES, "-m", "comment", "--comment", int_comment,
                                          "-m", proto, "-p", proto, "-d", svc.cluster_ip, "--dport", port, "-j", int_target))
        for ip in svc.external_ips:
            if has:
                out.nat_rules.append(_line("-A", KUBE_SERVICES, "-m", "comment", "--comment", f'"{name} external IP"',
                                           "-m", proto, "-p", proto, "-d", ip, "--dport", port, "-j", ext_chain))
            if not has_external:
                out.filter_rules.append(_line("-A", KUBE_EXTERNAL_SERVICES, "-m", "comment", "--comment", ext_comment,
                                              "-m", proto, "-p", proto, "-d", ip, "--dport", port, "-j", ext_target))
        for ip in svc.load_balancer_vips:
            if has:
                out.nat_rules.append(_line("-A", KUBE_SERVICES, "-m", "comment", "--comment", f'"{name} loadbalancer IP"',
                                           "-m", proto, "-p", proto, "-d", ip, "--dport", port, "-j", lb_chain))
            if uses_fw:
                out.filter_rules.append(_line("-A", KUBE_PROXY_FIREWALL, "-m", "comment", "--comment",
                                              f'"{name} traffic not accepted by {svc.firewall_chain}"',
                                              "-m", proto, "-p", proto, "-d", ip, "--dport", port, "-j", "DROP"))
        if not has_external:
            for ip in svc.load_balancer_vips:
                out.filter_rules.append(_line("-A", KUBE_EXTERNAL_SERVICES, "-m", "comment", "--comment", ext_comment,
                                              "-m", proto, "-p", proto, "-d", ip, "--dport", port, "-j", ext_target))
        if svc.node_port:
            node_port = str(svc.node_port)
            if has:
                if s.localhost_node_ports and s.nfacct:
                    out.nat_rules.append(_line("-A", KUBE_NODEPORTS, "-m", "comment", "--comment", name, "-m", proto, "-p", proto,
                                               "-d", "127.0.0.0/8", "--dport", node_port,
                                               "-m", "nfacct", "--nfacct-name", LOCALHOST_NODEPORT_COUNTER, "-j", ext_chain))
                out.nat_rules.append(_line("-A", KUBE_NODEPORTS, "-m", "comment", "--comment", name, "-m", proto, "-p", proto,
                                           "--dport", node_port, "-j", ext_chain))
            if not has_external:
                out.filter_rules.append(_line("-A", KUBE_EXTERNAL_SERVICES, "-m", "comment", "--comment", ext_comment,
                                              "-m", "addrtype", "--dst-type", "LOCAL", "-m", proto, "-p", proto,
                                              "--dport", node_port, "-j", ext_target))
        if svc.health_check_node_port:
            out.filter_rules.append(_line("-A", KUBE_NODEPORTS, "-m", "comment", "--comment", f'"{name} health check node port"',
                                          "-m", "tcp", "-p", "tcp", "--dport", str(svc.health_check_node_port), "-j", "ACCEPT"))
        if has_internal:
            args = ["-m", "comment", "--comment", f'"{name} cluster IP"', "-m", proto, "-p", proto, "-d", svc.cluster_ip, "--dport", port]
            if s.masquerade_all:
                out.nat_rules.append(_line("-A", internal_chain, args, "-j", KUBE_MARK_MASQ))
            elif s.cluster_cidr:
                out.nat_rules.append(_line("-A", internal_chain, args, self.if_not_local(), "-j", KUBE_MARK_MASQ))
        if uses_ext:
            out.nat_chains.append(_chain_line(ext_chain))
            if not svc.external_policy_local:
                out.nat_rules.append(_line("-A", ext_chain, "-m", "comment", "--comment",
                                           f'"masquerade traffic for {name} external destinations"', "-j", KUBE_MARK_MASQ))
            else:
                if s.cluster_cidr:
                    out.nat_rules.append(_line("-A", ext_chain, "-m", "comment", "--comment",
                                               f'"pod traffic for {name} external destinations"', self.if_local(), "-j", cluster_chain))
                out.nat_rules.append(_line("-A", ext_chain, "-m", "comment", "--comment",
                                           f'"masquerade LOCAL traffic for {name} external destinations"',
                                           "-m", "addrtype", "--src-type", "LOCAL", "-j", KUBE_MARK_MASQ))
                out.nat_rules.append(_line("-A", ext_chain, "-m", "comment", "--comment",
                                           f'"route LOCAL traffic for {name} external destinations"',
                                           "-m", "addrtype", "--src-type", "LOCAL", "-j", cluster_chain))
            if has_external:
                out.nat_rules.append(_line("-A", ext_chain, "-j", external_policy_chain))
        if uses_fw:
            fw = svc.firewall_chain
            out.nat_chains.append(_chain_line(fw))
            head = ["-A", fw, "-m", "comment", "--comment", f'"{name} loadbalancer IP"']
            allow_from_node = False
            for cidr in svc.load_balancer_source_ranges:
                out.nat_rules.append(_line(head, "-s", cidr, "-j", ext_chain))
                if _contains(cidr, s.node_ip):
                    allow_from_node = True
            if allow_from_node:
                for ip in svc.load_balancer_vips:
                    out.nat_rules.append(_line(head, "-s", ip, "-j", ext_chain))
            out.nat_rules.append(_line("-A", fw, "-m", "comment", "--comment",
                                       f'"other traffic to {name} will be dropped by KUBE-PROXY-FIREWALL"'))
        if uses_cluster:
            out.nat_chains.append(_chain_line(cluster_chain))
            self.service_to_endpoints(svc, cluster_chain, cat.cluster)
        if uses_local:
            out.nat_chains.append(_chain_line(local_chain))
            self.service_to_endpoints(svc, local_chain, cat.local)
        for ep in cat.reachable:
            chain = ep.chain(svc)
            out.nat_chains.append(_chain_line(chain))
            args = self.comment(["-A", chain], name)
            out.nat_rules.append(_line(args, "-s", ep.ip, "-j", KUBE_MARK_MASQ))
            if svc.client_ip_affinity:
                args = [*args, "-m", "recent", "--name", chain, "--set"]
            out.nat_rules.append(_line(args, "-m", proto, "-p", proto, "-j", "DNAT", "--to-destination", str(ep)))

    def service_to_endpoints(self, svc: ServicePort, chain: str, endpoints: list[Endpoint]) -> None:
        """``writeServiceToEndpointRules``: affinity checks first, then the load-balancing rules."""
        name = svc.name_string
        if svc.client_ip_affinity:
            for ep in endpoints:
                args = self.comment(["-A", chain], f'"{name} -> {ep}"')
                self.out.nat_rules.append(_line(args, "-m", "recent", "--name", ep.chain(svc), "--rcheck",
                                                "--seconds", str(svc.sticky_seconds), "--reap", "-j", ep.chain(svc)))
        count = len(endpoints)
        for i, ep in enumerate(endpoints):
            args = self.comment(["-A", chain], f'"{name} -> {ep}"')
            if i < count - 1:
                args = [*args, "-m", "statistic", "--mode", "random", "--probability", probability(count - i)]
            self.out.nat_rules.append(_line(args, "-j", ep.chain(svc)))

    def trailer(self) -> None:
        s, out = self.s, self.out
        destinations = ["-m", "addrtype", "--dst-type", "LOCAL"]
        if not s.localhost_node_ports:
            destinations += ["!", "-d", "127.0.0.0/8"]
        out.nat_rules.append(_line("-A", KUBE_SERVICES, "-m", "comment", "--comment",
                                   '"kubernetes service nodeports; NOTE: this must be the last rule in this chain"',
                                   destinations, "-j", KUBE_NODEPORTS))
        if not s.conntrack_tcp_liberal:
            rule = ["-A", KUBE_FORWARD, "-m", "conntrack", "--ctstate", "INVALID"]
            if s.nfacct:
                rule += ["-m", "nfacct", "--nfacct-name", INVALID_DROPPED_COUNTER]
            out.filter_rules.append(_line(rule, "-j", "DROP"))
        mark = s.masquerade_mark
        out.filter_rules.append(_line("-A", KUBE_FORWARD, "-m", "comment", "--comment", '"kubernetes forwarding rules"',
                                      "-m", "mark", "--mark", f"{mark}/{mark}", "-j", "ACCEPT"))
        out.filter_rules.append(_line("-A", KUBE_FORWARD, "-m", "comment", "--comment", '"kubernetes forwarding conntrack rule"',
                                      "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "ACCEPT"))


def _contains(cidr: str, ip: str) -> bool:
    try:
        return ipaddress.ip_address(ip) in ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return False


def sync_proxy_rules(services: Iterable[Obj], slices: Iterable[Obj], settings: NodeSettings) -> Restore:
    """The rules kube-proxy on ``settings.node_name`` writes for these Services and EndpointSlices."""
    return _Sync(settings).run(service_ports(services), endpoints_by_port(slices, settings.node_name))


def jump_rules(settings: NodeSettings) -> dict[str, dict[str, list[str]]]:
    """The rules in built-in chains that lead into kube-proxy's chains, per table and chain, as a
    fresh node has them: ``EnsureRule(Prepend)`` puts each new one first, so the last one added
    comes first."""
    found: dict[str, dict[str, list[str]]] = {"filter": {}, "nat": {}}
    for table, chain, builtin, comment, extra in JUMP_CHAINS:
        args = [*extra]
        if comment:
            args += ["-m", "comment", "--comment", f'"{comment}"' if " " in comment else comment]
        found[table].setdefault(builtin, []).insert(0, _line("-A", builtin, args, "-j", chain))
    return found
