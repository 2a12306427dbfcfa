"""Name and address helpers copied from CoreDNS plugin/pkg/dnsutil and miekg/dns."""

from __future__ import annotations

import functools
import ipaddress
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import dns.name

# dnspython is imported where a name is built, not with this module: the Corefile parser uses these
# helpers at cluster start, before the DNS server answers its first query (tests/test_imports.py).

IP4ARPA = ".in-addr.arpa."
IP6ARPA = ".ip6.arpa."


def fqdn(s: str) -> str:
    """dns.Fqdn."""
    return s if s.endswith(".") else s + "."


@functools.lru_cache(maxsize=8192)
def to_name(s: str) -> dns.name.Name:
    """Presentation text to an absolute dnspython name (names are immutable: parsed once)."""
    import dns.name

    return dns.name.from_text(fqdn(s))


def is_subdomain(parent: str, child: str) -> bool:
    """dns.IsSubDomain: case-insensitive, a name is a subdomain of itself (on presentation text)."""
    p = fqdn(parent).lower()
    c = fqdn(child).lower()
    if p == ".":
        return True
    return c == p or c.endswith("." + p) and not c.endswith("\\." + p)


_PLAIN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_*")


def label_texts(labels: tuple[bytes, ...]) -> list[str]:
    """Lower-cased presentation text of each label (dns.SplitDomainName of state.Name())."""
    out = []
    for label in labels:
        text = label.decode("latin-1")
        if _PLAIN.issuperset(text):
            out.append(text.lower())
        else:  # escapes as dnspython (and miekg/dns) print them
            import dns.name

            out.append(dns.name.Name([label]).to_text(omit_final_dot=True).lower())
    return out


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


class GoError(ValueError):
    """An error whose text is what the Go standard library prints for the same input."""


_UNITS = {"ns": 1e-9, "us": 1e-6, "\u00b5s": 1e-6, "\u03bcs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(s: str) -> float:
    """time.ParseDuration, in seconds (errors carry Go's text)."""
    orig, total = s, 0.0
    neg = False
    if s and s[0] in "+-":
        neg, s = s[0] == "-", s[1:]
    if s == "0":
        return 0.0
    if not s:
        raise GoError(f'time: invalid duration "{orig}"')
    while s:
        j = 0
        while j < len(s) and (s[j].isdigit() or s[j] == "."):
            j += 1
        number = s[:j]
        if not number or number == "." or number.count(".") > 1:
            raise GoError(f'time: invalid duration "{orig}"')
        s = s[j:]
        k = 0
        while k < len(s) and not (s[k].isdigit() or s[k] == "."):
            k += 1
        unit = s[:k]
        if not unit:
            raise GoError(f'time: missing unit in duration "{orig}"')
        if unit not in _UNITS:
            raise GoError(f'time: unknown unit "{unit}" in duration "{orig}"')
        total += float(number) * _UNITS[unit]
        s = s[k:]
    return -total if neg else total


def atoi(s: str) -> int:
    """strconv.Atoi (errors carry Go's text)."""
    body = s[1:] if s[:1] in "+-" else s
    if not body or not body.isascii() or not body.isdigit():
        raise GoError(f'strconv.Atoi: parsing "{s}": invalid syntax')
    value = int(s)
    if not -(1 << 63) <= value < (1 << 63):
        raise GoError(f'strconv.Atoi: parsing "{s}": value out of range')
    return value
