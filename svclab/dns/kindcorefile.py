"""kind's Corefile: what kubeadm writes into the kube-system/coredns ConfigMap, as text. Apart from the parser
(svclab.dns.corefile) so that the cluster's bootstrap and the DNS server's default need no parsing module."""

from __future__ import annotations

KIND_COREFILE_TEMPLATE = """\
.:53 {{
    errors
    health {{
       lameduck 5s
    }}
    ready
    kubernetes {domain} in-addr.arpa ip6.arpa {{
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl {ttl}
    }}
    prometheus :9153
    forward . /etc/resolv.conf {{
       max_concurrent 1000
    }}
    cache 30 {{
       disable success {domain}
       disable denial {domain}
    }}
    loop
    reload
    loadbalance
}}
"""


def kind_corefile(domain: str = "cluster.local", ttl: int = 30) -> str:
    """The Corefile kubeadm v1.35 writes into kube-system/coredns (and so kind v0.31.0's node image).

    kubernetes/kubernetes v1.35 cmd/kubeadm/app/phases/addons/dns/manifests.go CoreDNSConfigMap,
    rendered with DNSDomain=cluster.local: the `cache` block disabling cluster.local came with
    kubernetes/kubernetes#128359 (kubeadm v1.32). `ttl` is a parameter for tests only.
    """
    return KIND_COREFILE_TEMPLATE.format(domain=domain, ttl=ttl)


KIND_COREFILE = kind_corefile()
