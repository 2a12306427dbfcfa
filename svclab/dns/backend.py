"""CoreDNS's kubernetes plugin backend: from a query name to a list of service items.

Copied from coredns/coredns v1.13.1 plugin/kubernetes/parse.go (parseRequest),
kubernetes.go (Services, Records, findPods, findServices), reverse.go (Reverse,
serviceRecordForIP), ns.go (nsAddrs, isDefaultNS) and namespace.go, with every option of
the plugin's stanza except `multicluster` (svclab.dns.config.KubernetesConfig). The informer
caches are svclab.dns.index.ClusterIndex; `labels` and `namespace_labels` filter what is read
from it, as they filter what CoreDNS's informers list.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from typing import Sequence

import dns.name
import dns.rdatatype

from svclab.dns import objects
from svclab.dns.config import POD_MODE_DISABLED, POD_MODE_INSECURE, KubernetesConfig
from svclab.dns.index import ClusterIndex
from svclab.dns.objects import Address, Endpoints, Service, endpoint_hostname
from svclab.dns.util import extract_address_from_reverse, ipv4_of, is_reverse, label_texts, parse_ip
from svclab.state.selectors import labels_match

DNS_SCHEMA_VERSION = "1.1.0"  # kubernetes.go DNSSchemaVersion
SVC = "svc"
POD = "pod"
DEFAULT_NS_NAME = "ns.dns."  # ns.go defaultNSName


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

    @functools.cached_property
    def name(self) -> str:
        """state.Name(): the lower-cased fully qualified name."""
        return self.qname.to_text().lower()

    @functools.cached_property
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
    """The kubernetes plugin (its ServiceBackend methods) over one ClusterIndex."""

    def __init__(self, index: ClusterIndex, config: KubernetesConfig, local_ips: Sequence[str]) -> None:
        self.index = index
        self.config = config
        self.ttl = config.ttl
        self.primary_zone = config.primary_zone
        self.local_ips = list(local_ips)
        self._labels = config.label_selector
        self._ns_labels = config.namespace_label_selector

    # ---- informer views: what the `labels` / `namespace_labels` selectors let CoreDNS see ----------------
    def _svc_index(self, key: str) -> list[Service]:
        found = self.index.svc_index(key)
        return found if self._labels is None else [s for s in found if labels_match(list(self._labels), s.labels)]

    def _svc_index_reverse(self, ip: str) -> list[Service]:
        found = self.index.svc_index_reverse(ip)
        return found if self._labels is None else [s for s in found if labels_match(list(self._labels), s.labels)]

    def _ep_index(self, key: str) -> list[Endpoints]:
        if self.config.no_endpoints:
            return []
        found = self.index.ep_index(key)
        return found if self._labels is None else [e for e in found if labels_match(list(self._labels), e.labels)]

    def _ep_index_reverse(self, ip: str) -> list[Endpoints]:
        if self.config.no_endpoints:
            return []
        found = self.index.ep_index_reverse(ip)
        return found if self._labels is None else [e for e in found if labels_match(list(self._labels), e.labels)]

    def hostname(self, addr: Address) -> str:
        return endpoint_hostname(addr, self.config.endpoint_pod_names)

    # ---- namespace.go ----------------------------------------------------------------------------------
    def filtered_namespace_exists(self, namespace: str) -> bool:
        ns = self.index.namespace(namespace)
        if ns is None:
            return False
        return self._ns_labels is None or labels_match(list(self._ns_labels), ns.labels)

    def configured_namespace(self, namespace: str) -> bool:
        return not self.config.namespaces or namespace in self.config.namespaces

    def namespace_exposed(self, namespace: str) -> bool:
        return self.configured_namespace(namespace) and self.filtered_namespace_exists(namespace)

    # ---- kubernetes.go Services ------------------------------------------------------------------------
    def services(self, req: Request) -> list[Item]:
        if req.qtype == dns.rdatatype.TXT:
            # 1 label + zone, label must be "dns-version".
            segs = req.base()
            if segs == ["dns-version"]:
                return [Item(text=DNS_SCHEMA_VERSION, ttl=28800, domain=req.qname.to_text())]
            # Check if we have an existing record for this query of another type
            try:
                found = self.records(req)
            except NameErr:
                found = []
            if found:
                return []  # If so we return an empty NOERROR
            raise NameErr(ERR_NO_ITEMS)  # Return NXDOMAIN for no match
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
        """findPods: `pods disabled` never answers, `insecure` answers any dashed IP, `verified` a pod's."""
        if self.config.pod_mode == POD_MODE_DISABLED:
            raise NameErr(ERR_NO_ITEMS)
        namespace = r.namespace
        if not self.namespace_exposed(namespace):
            raise NameErr(ERR_NO_ITEMS)
        podname = r.service
        if podname == "":
            return []  # NODATA
        if podname.count("-") == 3 and "--" not in podname:
            ip = podname.replace("-", ".")
        else:
            ip = podname.replace("-", ":")
        domain = f"{podname}.{namespace}.{POD}.{zone}"
        if self.config.pod_mode == POD_MODE_INSECURE:
            # If ip does not parse as an IP address, we return an error, otherwise we assume a CNAME
            if parse_ip(ip) is None:
                raise NameErr(ERR_NO_ITEMS)
            return [Item(host=ip, ttl=self.ttl, domain=domain)]
        # PodModeVerified
        found = [
            Item(host=ip, ttl=self.ttl, domain=domain)
            for p in self.index.pod_index(ip)
            if ip == p.pod_ip and match(namespace, p.namespace)
            and (self._labels is None or labels_match(list(self._labels), p.labels))
        ]
        if not found:
            raise NameErr(ERR_NO_ITEMS)
        return found

    def find_services(self, r: RecordRequest, zone: str) -> list[Item]:
        if not self.namespace_exposed(r.namespace):
            raise NameErr(ERR_NO_ITEMS)
        if r.service == "":
            return []  # NODATA
        err: str | None = ERR_NO_ITEMS
        idx = objects.service_key(r.service, r.namespace)
        endpoints: list[Endpoints] | None = None
        found: list[Item] = []
        for svc in self._svc_index(idx):
            if not (match(r.namespace, svc.namespace) and match(r.service, svc.name)):
                continue
            # If "ignore empty_service" option is set and no endpoints exist, return NXDOMAIN unless
            # it's a headless or externalName service (covered below).
            if self.config.ignore_empty_service and svc.type != "ExternalName" and not svc.headless:
                if not any(ep.addresses for ep in self._ep_index(idx)):
                    continue
            svc_domain = f"{svc.name}.{svc.namespace}.{SVC}.{zone}"
            if svc.type == "ExternalName":
                # External services do not have endpoints, nor can we accept port/protocol pseudo
                # subdomains in an SRV query, so skip this service if endpoint, port, or protocol is set.
                if r.endpoint != "" or r.port != "" or r.protocol != "":
                    continue
                item = Item(host=svc.external_name, ttl=self.ttl, domain=svc_domain)
                if item.host_type()[0] == dns.rdatatype.CNAME:
                    found.append(item)
                    err = None
                continue
            if svc.headless or r.endpoint != "":
                if endpoints is None:
                    endpoints = self._ep_index(idx)
                for ep in endpoints:
                    if ep.index != svc.index:
                        continue
                    for addr in ep.addresses:
                        host = self.hostname(addr)
                        # See comments in parse.go parseRequest about the endpoint handling.
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

    # ---- reverse.go ------------------------------------------------------------------------------------
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
        """A Service's ClusterIP names the Service; else every endpoint with that IP names itself."""
        filtered = bool(self.config.namespaces)
        # First check services with cluster ips
        for svc in self._svc_index_reverse(ip):
            if filtered and not self.namespace_exposed(svc.namespace):
                continue
            return [Item(host=f"{svc.name}.{svc.namespace}.{SVC}.{self.primary_zone}", ttl=self.ttl)]
        # If no cluster ips match, search endpoints
        found: list[Item] = []
        for ep in self._ep_index_reverse(ip):
            if filtered and not self.namespace_exposed(ep.namespace):
                continue
            for addr in ep.addresses:
                if addr.ip != ip:
                    continue
                domain = f"{self.hostname(addr)}.{ep.index}.{SVC}.{self.primary_zone}"
                found.append(Item(host=domain, ttl=self.ttl))
        return found

    # ns.go nsAddrs(external=false, headless=false)
    def ns_addrs(self, zone: str) -> list[tuple[str, str]]:
        """(name, address) of the CoreDNS Service, or ns.dns.<zone> and the local addresses."""
        out: list[tuple[str, str]] = []
        found_endpoint = False
        for local_ip in self.local_ips:
            for ep in self._ep_index_reverse(local_ip):
                found_endpoint = True
                for svc in self._svc_index(ep.index):
                    svc_name = f"{svc.name}.{svc.namespace}.{SVC}.{zone}"
                    if svc.headless:
                        # For a headless service, use the endpoints IPs
                        out.extend((f"{self.hostname(a)}.{svc_name}", a.ip) for a in ep.addresses)
                    else:
                        out.extend((svc_name, ip) for ip in svc.cluster_ips)
        if not found_endpoint:
            out = [(DEFAULT_NS_NAME + zone, ip) for ip in self.local_ips]
        return out
