"""CoreDNS's kubernetes plugin backend: from a query name to a list of service items.

Copied from coredns/coredns plugin/kubernetes/parse.go (parseRequest),
kubernetes.go (Services, Records, findPods, findServices), reverse.go (Reverse,
serviceRecordForIP), ns.go (nsAddrs, isDefaultNS) and namespace.go, with the
options kind's Corefile sets: `pods insecure`, no `endpoint_pod_names`, no
multicluster, no zonal names, no `namespaces` filter, no `ignore empty_service`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Iterable, Sequence

import dns.name
import dns.rdatatype

from svclab.dns import objects
from svclab.dns.objects import Endpoints, Service, endpoint_hostname
from svclab.dns.util import extract_address_from_reverse, ipv4_of, is_reverse, label_texts, parse_ip

DNS_SCHEMA_VERSION = "1.1.0"  # kubernetes.go DNSSchemaVersion
SVC = "svc"
POD = "pod"
DEFAULT_NS_NAME = "ns.dns."  # ns.go defaultNSName
KUBE_DNS_NAMESPACE = "kube-system"
KUBE_DNS_LABEL = ("k8s-app", "kube-dns")


class NameErr(Exception):
    """errNoItems, errNsNotExposed or errInvalidRequest: the name does not exist."""


ERR_NO_ITEMS = "no items found"
ERR_NS_NOT_EXPOSED = "namespace is not exposed"
ERR_INVALID_REQUEST = "invalid query name"


@dataclass(frozen=True)
class Request:
    """request.Request: the question as asked (case kept) and the zone it fell in."""

    qname: dns.name.Name
    qtype: int
    zone: dns.name.Name

    @property
    def name(self) -> str:
        """state.Name(): the lower-cased fully qualified name."""
        return self.qname.to_text().lower()

    @property
    def zone_text(self) -> str:
        return self.zone.to_text()

    def base(self) -> list[str]:
        """dns.SplitDomainName(dnsutil.TrimZone(state.Name(), state.Zone))."""
        n = len(self.qname.labels) - len(self.zone.labels)
        return label_texts(self.qname.labels[: max(n, 0)])

    def with_question(self, qname: dns.name.Name, qtype: int) -> Request:
        return replace(self, qname=qname, qtype=qtype)


@dataclass
class Item:
    """msg.Service: what the backend found; `domain` is msg.Domain(Key)."""

    host: str = ""
    port: int = 0
    ttl: int = 0
    domain: str = ""
    text: str = ""

    def host_type(self) -> tuple[int, str]:
        """msg.Service.HostType: CNAME, TXT, A or AAAA and the normalised address."""
        ip = parse_ip(self.host)
        if ip is None:
            return (dns.rdatatype.CNAME if not self.text else dns.rdatatype.TXT), ""
        v4 = ipv4_of(ip)
        if v4 is not None:
            return dns.rdatatype.A, str(v4)
        return dns.rdatatype.AAAA, str(ip)


@dataclass
class RecordRequest:
    """parse.go recordRequest."""

    port: str = ""
    protocol: str = ""
    endpoint: str = ""
    service: str = ""
    namespace: str = ""
    pod_or_svc: str = ""


def _strip_underscore(s: str) -> str:
    return s[1:] if s.startswith("_") else s


def parse_request(segs: list[str]) -> RecordRequest:
    """parseRequest for a non-multicluster, non-zonal zone; segs are the labels left of the zone."""
    r = RecordRequest()
    # return NODATA for apex queries
    if not segs or segs == [SVC] or segs == [POD]:
        return r
    last = len(segs) - 1
    r.pod_or_svc = segs[last]
    if r.pod_or_svc not in (POD, SVC):
        raise NameErr(ERR_INVALID_REQUEST)
    last -= 1
    if last < 0:
        return r
    r.namespace = segs[last]
    last -= 1
    if last < 0:
        return r
    r.service = segs[last]
    last -= 1
    if last < 0:
        return r
    if last == 0:  # endpoint only
        r.endpoint = segs[last]
    elif last == 1:  # port and protocol
        r.protocol = _strip_underscore(segs[last])
        r.port = _strip_underscore(segs[last - 1])
    else:  # too long
        raise NameErr(ERR_INVALID_REQUEST)
    return r


def match(a: str, b: str) -> bool:
    """strings.EqualFold."""
    return a.lower() == b.lower()


def match_port_and_protocol(a_port: str, b_port: str, a_proto: str, b_proto: str) -> bool:
    """matchPortAndProtocol: an empty request port or protocol matches any."""
    return (match(a_port, b_port) or a_port == "") and (match(a_proto, b_proto) or a_proto == "")


def is_default_ns(name: str, zone: str) -> bool:
    """ns.go isDefaultNS (note: case-sensitive against the zone as asked)."""
    return name.startswith(DEFAULT_NS_NAME) and name.find(zone) == len(DEFAULT_NS_NAME)


class KubeBackend:
    """The informer caches and indexes of one snapshot of the cluster view."""

    def __init__(
        self,
        *,
        services: Iterable[dict[str, Any]],
        endpoint_slices: Iterable[dict[str, Any]],
        pods: Iterable[dict[str, Any]],
        namespaces: Iterable[dict[str, Any]],
        primary_zone: str,
        ttl: int,
        local_ips: Sequence[str] | None,
        fallback_ns_ip: str,
    ) -> None:
        self.primary_zone = primary_zone
        self.ttl = ttl
        self._svc_by_key: dict[str, list[Service]] = {}
        self._svc_by_ip: dict[str, list[Service]] = {}
        for obj in services:
            svc = objects.to_service(obj)
            self._svc_by_key.setdefault(svc.index, []).append(svc)
            for ip in svc.cluster_ips:  # controller.go svcIPIndexFunc
                self._svc_by_ip.setdefault(ip, []).append(svc)
        self._ep_by_key: dict[str, list[Endpoints]] = {}
        self._ep_by_ip: dict[str, list[Endpoints]] = {}
        for obj in endpoint_slices:
            ep = objects.to_endpoints(obj)
            self._ep_by_key.setdefault(ep.index, []).append(ep)
            for ip in dict.fromkeys(a.ip for a in ep.addresses):  # controller.go epIPIndexFunc
                self._ep_by_ip.setdefault(ip, []).append(ep)
        self._namespaces = {(o.get("metadata") or {}).get("name", "") for o in namespaces}
        self.local_ips = list(local_ips) if local_ips is not None else _coredns_pod_ips(pods)
        if not self.local_ips:
            self.local_ips = [fallback_ns_ip]

    # namespace.go
    def namespace_exposed(self, namespace: str) -> bool:
        return namespace in self._namespaces

    # kubernetes.go Services
    def services(self, req: Request) -> list[Item]:
        if req.qtype == dns.rdatatype.TXT:
            # 1 label + zone, label must be "dns-version".
            segs = req.base()
            if segs != ["dns-version"]:
                return []
            return [Item(text=DNS_SCHEMA_VERSION, ttl=28800, domain=req.qname.to_text())]
        if req.qtype == dns.rdatatype.NS:
            # We can only get here if the qname equals the zone, see ServeDNS in handler.go.
            return [Item(host=ip, domain=name, ttl=self.ttl) for name, ip in self.ns_addrs(req.zone_text)]
        if is_default_ns(req.name, req.zone_text):
            items: list[Item] = []
            for _name, ip in self.ns_addrs(req.zone_text):
                what = Item(host=ip).host_type()[0]
                if what == req.qtype and what in (dns.rdatatype.A, dns.rdatatype.AAAA):
                    items.append(Item(host=ip, domain=req.qname.to_text(), ttl=self.ttl))
            return items
        found = self.records(req)
        if req.qtype != dns.rdatatype.SRV:
            return found
        # SRV for external services is not yet implemented, so remove those records.
        return [s for s in found if s.host_type()[0] != dns.rdatatype.CNAME]

    # kubernetes.go Records
    def records(self, req: Request) -> list[Item]:
        r = parse_request(req.base())
        if r.pod_or_svc == "":
            return []
        if is_reverse(req.name) > 0:
            raise NameErr(ERR_NO_ITEMS)
        if not self.namespace_exposed(r.namespace):
            raise NameErr(ERR_NS_NOT_EXPOSED)
        if r.pod_or_svc == POD:
            return self.find_pods(r, req.zone_text)
        return self.find_services(r, req.zone_text)

    def find_pods(self, r: RecordRequest, zone: str) -> list[Item]:
        """findPods in `pods insecure` mode: any well-formed dashed IP answers."""
        if not self.namespace_exposed(r.namespace):
            raise NameErr(ERR_NO_ITEMS)
        podname = r.service
        if podname == "":
            return []  # NODATA
        if podname.count("-") == 3 and "--" not in podname:
            ip = podname.replace("-", ".")
        else:
            ip = podname.replace("-", ":")
        if parse_ip(ip) is None:
            raise NameErr(ERR_NO_ITEMS)
        return [Item(host=ip, ttl=self.ttl, domain=f"{podname}.{r.namespace}.{POD}.{zone}")]

    def find_services(self, r: RecordRequest, zone: str) -> list[Item]:
        if not self.namespace_exposed(r.namespace):
            raise NameErr(ERR_NO_ITEMS)
        if r.service == "":
            return []  # NODATA
        err: str | None = ERR_NO_ITEMS
        idx = objects.service_key(r.service, r.namespace)
        found: list[Item] = []
        for svc in self._svc_by_key.get(idx, []):
            if not (match(r.namespace, svc.namespace) and match(r.service, svc.name)):
                continue
            svc_domain = f"{svc.name}.{svc.namespace}.{SVC}.{zone}"
            if svc.type == "ExternalName":
                # External services cannot have endpoints, so skip this service if an endpoint is present
                if r.endpoint != "":
                    continue
                item = Item(host=svc.external_name, ttl=self.ttl, domain=svc_domain)
                if item.host_type()[0] == dns.rdatatype.CNAME:
                    found.append(item)
                    err = None
                continue
            if svc.headless or r.endpoint != "":
                for ep in self._ep_by_key.get(idx, []):
                    if ep.index != svc.index:
                        continue
                    for addr in ep.addresses:
                        host = endpoint_hostname(addr)
                        if r.endpoint != "" and not match(r.endpoint, host):
                            continue
                        for p in ep.ports:
                            if not match_port_and_protocol(r.port, p.name, r.protocol, p.protocol):
                                continue
                            found.append(
                                Item(host=addr.ip, port=p.port, ttl=self.ttl, domain=f"{host}.{svc_domain}")
                            )
                            err = None
                continue
            for sp in svc.ports:  # ClusterIP service
                if not match_port_and_protocol(r.port, sp.name, r.protocol, sp.protocol):
                    continue
                err = None
                for ip in svc.cluster_ips:
                    found.append(Item(host=ip, port=sp.port, ttl=self.ttl, domain=svc_domain))
        if err is not None:
            raise NameErr(err)
        return found

    # reverse.go
    def reverse(self, req: Request) -> list[Item]:
        ip = extract_address_from_reverse(req.name)
        if ip == "":
            self.records(req)
            return []
        found = self.service_record_for_ip(ip)
        if not found:
            raise NameErr(ERR_NO_ITEMS)
        return found

    def service_record_for_ip(self, ip: str) -> list[Item]:
        # First check services with cluster ips
        for svc in self._svc_by_ip.get(ip, []):
            return [Item(host=f"{svc.name}.{svc.namespace}.{SVC}.{self.primary_zone}", ttl=self.ttl)]
        # If no cluster ips match, search endpoints
        found: list[Item] = []
        for ep in self._ep_by_ip.get(ip, []):
            for addr in ep.addresses:
                if addr.ip != ip:
                    continue
                domain = f"{endpoint_hostname(addr)}.{ep.index}.{SVC}.{self.primary_zone}"
                found.append(Item(host=domain, ttl=self.ttl))
        return found

    # ns.go nsAddrs(external=false, headless=false)
    def ns_addrs(self, zone: str) -> list[tuple[str, str]]:
        """(name, address) of the CoreDNS Service, or ns.dns.<zone> and the local addresses."""
        out: list[tuple[str, str]] = []
        found_endpoint = False
        for local_ip in self.local_ips:
            for ep in self._ep_by_ip.get(local_ip, []):
                found_endpoint = True
                for svc in self._svc_by_key.get(ep.index, []):
                    svc_name = f"{svc.name}.{svc.namespace}.{SVC}.{zone}"
                    if svc.headless:
                        # For a headless service, use the endpoints IPs
                        out.extend((f"{endpoint_hostname(a)}.{svc_name}", a.ip) for a in ep.addresses)
                    else:
                        out.extend((svc_name, ip) for ip in svc.cluster_ips)
        if not found_endpoint:
            out = [(DEFAULT_NS_NAME + zone, ip) for ip in self.local_ips]
        return out


def _coredns_pod_ips(pods: Iterable[dict[str, Any]]) -> list[str]:
    """The addresses of the CoreDNS pod that answers: the first kube-dns pod by name."""
    key, value = KUBE_DNS_LABEL
    candidates: list[tuple[str, list[str]]] = []
    for pod in pods:
        meta = pod.get("metadata") or {}
        if meta.get("namespace") != KUBE_DNS_NAMESPACE or (meta.get("labels") or {}).get(key) != value:
            continue
        status = pod.get("status") or {}
        ips = [p.get("ip", "") for p in status.get("podIPs") or ()] or [status.get("podIP") or ""]
        ips = [ip for ip in ips if ip]
        if ips:
            candidates.append((meta.get("name", ""), ips))
    candidates.sort()
    return candidates[0][1] if candidates else []
