"""The embedded cluster's DNS: CoreDNS v1.13.1 as kind v0.31.0 runs it.

- corefile / caddyfile: the kube-system/coredns ConfigMap's Corefile, parsed and checked as CoreDNS does;
- index: Services, EndpointSlices, Pods and Namespaces indexed like CoreDNS's informer caches;
- backend / handler / lookup: the kubernetes plugin; cache: the cache plugin; loadbalance: loadbalance;
- upstream: the offline stand-in for `forward . /etc/resolv.conf`;
- engine: one loaded Corefile answering queries; reload: when an edited Corefile takes effect;
- server: UDP and TCP on loopback; records.resolve: one query against a view, for tests.

Import the module you need (`from svclab.dns.server import DNSServer`): the package itself imports
nothing, so a cluster loads the query engine and dnspython with its first query, not at start.
"""
