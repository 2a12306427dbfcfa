"""resolv.conf as kubelet (pkg/kubelet/network/dns/dns.go) and containerd write it on kind."""

from __future__ import annotations

from svclab.dns.resolvconf import resolv_conf

NODE = "nameserver 172.18.0.1\noptions ndots:0\n"


def test_cluster_first() -> None:
    assert resolv_conf("default") == (
        "search default.svc.cluster.local svc.cluster.local cluster.local\n"
        "nameserver 10.96.0.10\n"
        "options ndots:5\n"
    )
    assert resolv_conf("shop").startswith("search shop.svc.cluster.local svc.cluster.local cluster.local\n")


def test_default_and_host_network_use_the_node_resolver() -> None:
    assert resolv_conf("default", "Default") == NODE
    # getPodDNSType: ClusterFirst on the host network falls back to Default ...
    assert resolv_conf("default", "ClusterFirst", host_network=True) == NODE
    # ... unless the pod asks for ClusterFirstWithHostNet
    assert resolv_conf("default", "ClusterFirstWithHostNet", host_network=True) == resolv_conf("default")


def test_none_uses_only_dns_config() -> None:
    config = {"nameservers": ["1.1.1.1"], "searches": ["ns1.svc.cluster-domain.example", "my.dns.search.suffix"],
              "options": [{"name": "ndots", "value": "2"}, {"name": "edns0"}]}
    assert resolv_conf("default", "None", config) == (
        "search ns1.svc.cluster-domain.example my.dns.search.suffix\n"
        "nameserver 1.1.1.1\n"
        "options ndots:2 edns0\n"
    )
    assert resolv_conf("default", "None", {}) == ""


def test_dns_config_merges_into_cluster_first() -> None:
    config = {"nameservers": ["10.96.0.10", "8.8.8.8"], "searches": ["cluster.local", "example.org"],
              "options": [{"name": "ndots", "value": "1"}, {"name": "single-request-reopen"}]}
    assert resolv_conf("web", "ClusterFirst", config) == (
        "search web.svc.cluster.local svc.cluster.local cluster.local example.org\n"
        "nameserver 10.96.0.10\nnameserver 8.8.8.8\n"
        "options ndots:1 single-request-reopen\n"
    )


def test_limits() -> None:
    config = {"nameservers": ["1.1.1.1", "8.8.8.8", "9.9.9.9"], "searches": ["x" * 254, *(f"s{i}.example" for i in range(40))]}
    text = resolv_conf("default", "ClusterFirst", config)
    # formDNSSearchFitsLimits: cut to 32 paths first, then drop the ones longer than 253
    servers = [line for line in text.splitlines() if line.startswith("nameserver")]
    assert servers == ["nameserver 10.96.0.10", "nameserver 1.1.1.1", "nameserver 8.8.8.8"]
    search = text.splitlines()[0].split()[1:]
    assert len(search) == 31 and "x" * 254 not in search
