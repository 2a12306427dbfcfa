"""The DNS server's fixed values: the kubernetes plugin's modes and TTLs, kind's kube-dns address, the node's resolver
and the offline upstream's variable. Apart from svclab.dns.config (the Corefile's parsed options, dataclasses that take
~4 ms to define) so that the server, which starts with the cluster and parses the Corefile only when first needed,
imports these alone; svclab.dns.config re-exports them."""

from __future__ import annotations

POD_MODE_DISABLED = "disabled"
POD_MODE_VERIFIED = "verified"
POD_MODE_INSECURE = "insecure"
DEFAULT_KUBERNETES_TTL = 5  # kubernetes.go defaultTTL
RESOLV_CONF = "/etc/resolv.conf"
DEFAULT_TTL = 30  # the kubernetes plugin's ttl in kind's Corefile (svclab.dns.corefile.kind_corefile)
KUBE_DNS_IP = "10.96.0.10"  # the kube-dns Service's ClusterIP in kind
ENV_ZONE_FILE = "SVCLAB_DNS_UPSTREAM_ZONE"  # the offline upstream's zone file (svclab.dns.upstream)
