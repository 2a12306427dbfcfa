"""Who answers an ICMP echo request a pod sends, and how the reply arrives (for ``ping``).

On kind, kindnet wires each pod with the CNI ``ptp`` plugin: the pod's ``eth0`` holds its IP in the
node's /24 pod CIDR, the node's end of the veth holds the CIDR's first address (the pod's default
gateway), and the node routes between its pods and to the other nodes' /24s. So:

- the pod's own IP and 127.0.0.0/8 answer from inside the pod: TTL 64 (nothing routes it);
- a node (its InternalIP, or its pod-CIDR gateway address) answers itself; a reply from another
  node is forwarded once more, by the pod's own node: TTL 64 or 63;
- another pod answers with TTL 64, and each node on the way back forwards it (decrementing the
  TTL): 63 from a pod on the same node, 62 from a pod on another node;
- a ClusterIP answers nothing. In iptables mode (kind's default) a ClusterIP is not an address any
  interface holds: kube-proxy only writes DNAT rules that match the Service's TCP/UDP/SCTP ports
  (``-A KUBE-SERVICES ... -m tcp -p tcp -d <clusterIP> --dport <port> -j KUBE-SVC-...``, see
  svclab/dataplane/proxier.py and
  https://github.com/kubernetes/kubernetes/blob/v1.35.0/pkg/proxy/iptables/proxier.go). An ICMP echo matches
  no rule, follows the default route out of the node and is never answered: ``100% packet loss``.
  (With kube-proxy in IPVS mode the ClusterIP sits on the ``kube-ipvs0`` dummy interface and does
  answer; kind does not use IPVS unless asked to.)
- any other address gets no reply: the embedded cluster has no network beyond its nodes (a kind
  node, through Docker's NAT, can reach the internet).

Round-trip times are drawn from what veth hops cost on a kind node (tens of microseconds in the
pod, about 0.1 ms to another pod, more across nodes), from a generator seeded by the addresses
and sequence number, so a run repeats.
"""

from __future__ import annotations

import ipaddress
import random
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

Obj = dict[str, Any]

# (low, high) round-trip time in milliseconds for each kind of path
LOCAL_RTT = (0.030, 0.080)
NODE_RTT = (0.040, 0.110)
SAME_NODE_RTT = (0.060, 0.160)
OTHER_NODE_RTT = (0.110, 0.320)


@dataclass(frozen=True)
class EchoReply:
    """An ICMP echo reply as the pod receives it: from ``source``, with ``ttl``, after ``rtt_ms``."""

    source: str
    ttl: int
    rtt_ms: float


def _rtt(bounds: tuple[float, float], seed: str) -> float:
    low, high = bounds
    return round(random.Random(seed).uniform(low, high), 3)


def _node_addresses(node: Obj) -> set[str]:
    found = {a["address"] for a in node.get("status", {}).get("addresses") or [] if a.get("type") == "InternalIP"}
    cidr = node.get("spec", {}).get("podCIDR")
    if cidr:
        found.add(str(next(ipaddress.ip_network(cidr, strict=False).hosts())))   # the pods' gateway
    return found


def echo(source_ip: str, source_node: str, dest_ip: str, seq: int, pods: Iterable[Obj],
         nodes: Iterable[Obj]) -> EchoReply | None:
    """The reply to echo request number ``seq`` from the pod at ``source_ip`` on ``source_node``,
    or None when nothing answers."""
    seed = f"{source_ip}>{dest_ip}#{seq}"
    try:
        address = ipaddress.ip_address(dest_ip)
    except ValueError:
        return None
    if address.is_loopback or dest_ip == source_ip:
        return EchoReply(dest_ip, 64, _rtt(LOCAL_RTT, seed))
    for node in nodes:
        if dest_ip in _node_addresses(node):
            own = node.get("metadata", {}).get("name") == source_node
            return EchoReply(dest_ip, 64 if own else 63, _rtt(NODE_RTT if own else SAME_NODE_RTT, seed))
    for pod in pods:
        status, spec = pod.get("status", {}), pod.get("spec", {})
        if status.get("podIP") != dest_ip or spec.get("hostNetwork") or status.get("phase") != "Running":
            continue
        if spec.get("nodeName") == source_node:
            return EchoReply(dest_ip, 63, _rtt(SAME_NODE_RTT, seed))
        return EchoReply(dest_ip, 62, _rtt(OTHER_NODE_RTT, seed))
    return None
