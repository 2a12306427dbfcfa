"""The /etc/resolv.conf a pod gets on a kind node.

kubelet builds the DNS config (kubernetes pkg/kubelet/network/dns/dns.go GetPodDNS) and
containerd writes it (cri parseDNSOptions: search, nameserver, options lines).
The kind node's own /etc/resolv.conf is Docker's for a user network with the embedded
resolver 127.0.0.11 replaced by the network gateway (kind's entrypoint,
enable_network_magic): `nameserver 172.18.0.1` and `options ndots:0`, and no host
search domains here.
"""

from __future__ import annotations

from typing import Any, Sequence

DEFAULT_DNS_OPTIONS = ("ndots:5",)  # dns.go defaultDNSOptions
KIND_NODE_NAMESERVERS = ("172.18.0.1",)
KIND_NODE_SEARCHES: tuple[str, ...] = ()
KIND_NODE_OPTIONS = ("ndots:0",)
CLUSTER_DOMAIN = "cluster.local"
# validation.MaxDNSNameservers, MaxDNSSearchPathsExpanded, MaxDNSSearchListCharsExpanded
MAX_DNS_NAMESERVERS = 3
MAX_DNS_SEARCH_PATHS = 32
MAX_DNS_SEARCH_LIST_CHARS = 2048
DNS1123_SUBDOMAIN_MAX_LENGTH = 253


def _omit_duplicates(items: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _merge_options(existing: Sequence[str], pod_options: Sequence[dict[str, Any]]) -> list[str]:
    """mergeDNSOptions: pod options override same-named ones (kubelet's order is a Go map's; here first-seen)."""
    merged: dict[str, str] = {}
    for op in existing:
        name, _, value = op.partition(":")
        merged[name] = value
    for pod_op in pod_options:
        pod_value = pod_op.get("value")
        merged[pod_op.get("name", "")] = pod_value if pod_value is not None else ""
    return [f"{name}:{value}" if value != "" else name for name, value in merged.items()]


def _fit_searches(searches: list[str]) -> list[str]:
    """formDNSSearchFitsLimits (ExpandedDNSConfig is GA)."""
    searches = searches[:MAX_DNS_SEARCH_PATHS]
    searches = [s for s in searches if len(s) <= DNS1123_SUBDOMAIN_MAX_LENGTH]
    line_len = len(" ".join(searches))
    if line_len > MAX_DNS_SEARCH_LIST_CHARS:
        cut_num = cut_len = 0
        for s in reversed(searches):
            cut_len += len(s) + 1
            cut_num += 1
            if line_len - cut_len <= MAX_DNS_SEARCH_LIST_CHARS:
                break
        searches = searches[: len(searches) - cut_num]
    return searches


def resolv_conf(
    namespace: str,
    dns_policy: str = "ClusterFirst",
    dns_config: dict[str, Any] | None = None,
    nameserver: str = "10.96.0.10",
    host_network: bool = False,
    *,
    cluster_domain: str = CLUSTER_DOMAIN,
    host_nameservers: Sequence[str] = KIND_NODE_NAMESERVERS,
    host_searches: Sequence[str] = KIND_NODE_SEARCHES,
    host_options: Sequence[str] = KIND_NODE_OPTIONS,
) -> str:
    """The resolv.conf text for a pod in namespace with spec.dnsPolicy and spec.dnsConfig."""
    servers = list(host_nameservers)
    searches = list(host_searches)
    options = list(host_options)
    if dns_policy == "None":
        servers, searches, options = [], [], []
    elif dns_policy == "ClusterFirstWithHostNet" or (dns_policy == "ClusterFirst" and not host_network) or (
        dns_policy not in ("ClusterFirst", "Default")  # an invalid policy falls back to ClusterFirst
    ):
        servers = [nameserver]
        cluster = [f"{namespace}.svc.{cluster_domain}", f"svc.{cluster_domain}", cluster_domain]
        searches = _omit_duplicates([*cluster, *searches])
        options = list(DEFAULT_DNS_OPTIONS)
    if dns_config is not None:
        servers = _omit_duplicates([*servers, *(dns_config.get("nameservers") or ())])
        searches = _omit_duplicates([*searches, *(dns_config.get("searches") or ())])
        options = _merge_options(options, dns_config.get("options") or ())
    servers = servers[:MAX_DNS_NAMESERVERS]
    searches = _fit_searches(searches)
    text = ""
    if searches:
        text += "search " + " ".join(searches) + "\n"
    if servers:
        text += "nameserver " + "\nnameserver ".join(servers) + "\n"
    if options:
        text += "options " + " ".join(options) + "\n"
    return text
