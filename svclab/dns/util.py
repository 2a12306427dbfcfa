"""Name and address helpers copied from CoreDNS plugin/pkg/dnsutil and miekg/dns."""

from __future__ import annotations

import ipaddress

import dns.name

IP4ARPA = ".in-addr.arpa."
IP6ARPA = ".ip6.arpa."


def fqdn(s: str) -> str:
    """dns.Fqdn."""
    return s if s.endswith(".") else s + "."


def to_name(s: str) -> dns.name.Name:
    """Presentation text to an absolute dnspython name."""
    return dns.name.from_text(fqdn(s))


def is_subdomain(parent: str, child: str) -> bool:
    """dns.IsSubDomain: case-insensitive, a name is a subdomain of itself."""
    return to_name(child).is_subdomain(to_name(parent))


def label_texts(labels: tuple[bytes, ...]) -> list[str]:
    """Lower-cased presentation text of each label (dns.SplitDomainName of state.Name())."""
    return [dns.name.Name([label]).to_text(omit_final_dot=True).lower() for label in labels]


def parse_ip(s: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """net.ParseIP: IPv4 dotted quad or IPv6 text, no zone; None when invalid."""
    if not s or "%" in s:
        return None
    try:
        return ipaddress.ip_address(s)
    except ValueError:
        return None


def ipv4_of(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """ip.To4(): the IPv4 form of an IPv4 or IPv4-mapped address."""
    if isinstance(ip, ipaddress.IPv4Address):
        return ip
    return ip.ipv4_mapped


def is_reverse(name: str) -> int:
    """dnsutil.IsReverse: 1 for in-addr.arpa, 2 for ip6.arpa, 0 otherwise."""
    if name.endswith(IP4ARPA):
        return 1
    if name.endswith(IP6ARPA):
        return 2
    return 0


def extract_address_from_reverse(name: str) -> str:
    """dnsutil.ExtractAddressFromReverse: the address a full reverse name stands for, or ""."""
    if name.endswith(IP4ARPA):
        segs = name[: -len(IP4ARPA)].split(".")
        segs.reverse()
        ip = parse_ip(".".join(segs))
        v4 = ipv4_of(ip) if ip is not None else None
        return str(v4) if v4 is not None else ""
    if name.endswith(IP6ARPA):
        segs = name[: -len(IP6ARPA)].split(".")
        segs.reverse()
        groups = ["".join(segs[i * 4 : i * 4 + 4]) for i in range(len(segs) // 4)]
        ip6 = parse_ip(":".join(groups))
        if ip6 is None:
            return ""
        return str(ipv4_of(ip6) or ip6)  # Go prints an IPv4-mapped address as IPv4
    return ""
