"""The dataplane kube-proxy (iptables mode, kind's default) programs on each node.

- :mod:`names`: the chain names, hashed exactly as ``pkg/proxy/iptables/proxier.go`` hashes them.
- :mod:`model` (state): what kube-proxy knows — Service ports and endpoints, as
  ``pkg/proxy/servicechangetracker.go``, ``pkg/proxy/endpointslicecache.go`` and
  ``pkg/proxy/topology.go`` derive them from Services, EndpointSlices and the node.
- :mod:`proxier` (behaviour): ``syncProxyRules`` — the rules one node gets, in the order kube-proxy
  writes them into ``iptables-restore``.
- :mod:`saveformat` (wire): kube-proxy's rule text to the text ``iptables-save`` prints, and back.
- :mod:`ruleset`: a parsed ruleset, one Service's chains out of it, a pandas view of its jumps.
- :mod:`trace` (behaviour): a connection walked through a node's rules (statistic draws, `recent`
  affinity, REJECT/DROP) — what the host-port forwarder uses to pick an endpoint.
- :mod:`hostports`: kind's ``extraPortMappings`` honoured on 127.0.0.1 by the embedded cluster.
- :mod:`kind`: the same rules read from a real kind node (``docker exec <node> iptables-save``).
"""
