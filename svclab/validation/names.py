"""Name format checks returning Go's message lists (IsDNS1123Label and friends).

Mirrors staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go,
.../api/validate/content/kube.go and .../api/validation/generic.go.
"""

from __future__ import annotations

import ipaddress
import re

from svclab.validation import messages as m

_DNS1123_LABEL = re.compile(f"^{m.DNS1123_LABEL_FMT}$")
_DNS1123_SUBDOMAIN = re.compile(f"^{m.DNS1123_SUBDOMAIN_FMT}$")
_DNS1035_LABEL = re.compile(f"^{m.DNS1035_LABEL_FMT}$")
_LABEL_KEY = re.compile(f"^{m.LABEL_KEY_FMT}$")
_LABEL_VALUE = re.compile(f"^{m.LABEL_VALUE_FMT}$")
_PORT_NAME_CHARSET = re.compile("^[-a-z0-9]+$")
_PORT_NAME_LETTER = re.compile("[a-z]")
_PERCENT = re.compile(f"^{m.PERCENT_FMT}$")


def _blen(value: str) -> int:
    """Go's len(): bytes of the UTF-8 encoding."""
    return len(value.encode("utf-8"))


def is_dns1123_label(value: str) -> list[str]:
    errs: list[str] = []
    if _blen(value) > 63:
        errs.append(m.MAX_LEN_CHARACTERS.format(n=63))
    if not _DNS1123_LABEL.fullmatch(value):
        if _DNS1123_SUBDOMAIN.fullmatch(value):
            errs.append(m.MUST_NOT_CONTAIN_DOTS)
        else:
            errs.append(m.dns1123_label_regex_error())
    return errs


def is_dns1123_subdomain(value: str) -> list[str]:
    errs: list[str] = []
    if _blen(value) > 253:
        errs.append(m.MAX_LEN_CHARACTERS.format(n=253))
    if not _DNS1123_SUBDOMAIN.fullmatch(value):
        errs.append(m.dns1123_subdomain_regex_error())
    return errs


def is_dns1035_label(value: str) -> list[str]:
    errs: list[str] = []
    if _blen(value) > 63:
        errs.append(m.MAX_LEN_CHARACTERS.format(n=63))
    if not _DNS1035_LABEL.fullmatch(value):
        errs.append(m.dns1035_label_regex_error())
    return errs


def is_qualified_name(value: str) -> list[str]:
    """content.IsLabelKey (validation.IsQualifiedName)."""
    errs: list[str] = []
    parts = value.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errs.append(m.LABEL_KEY_PREFIX_PART + m.EMPTY_ERROR)
        else:
            for msg in _content_dns1123_subdomain(prefix):
                errs.append(m.LABEL_KEY_PREFIX_PART + msg)
    else:
        return [m.LABEL_KEY_TOO_MANY_SLASHES_PREFIX + m.label_key_regex_error() + m.LABEL_KEY_TOO_MANY_SLASHES_SUFFIX]
    if not name:
        errs.append(m.LABEL_KEY_NAME_PART + m.EMPTY_ERROR)
    elif _blen(name) > 63:
        errs.append(m.LABEL_KEY_NAME_PART + m.MAX_LEN_BYTES.format(n=63))
    if not _LABEL_KEY.fullmatch(name):
        errs.append(m.LABEL_KEY_NAME_PART + m.label_key_regex_error())
    return errs


def _content_dns1123_subdomain(value: str) -> list[str]:
    """content.IsDNS1123Subdomain (its MaxLenError says bytes)."""
    errs: list[str] = []
    if _blen(value) > 253:
        errs.append(m.MAX_LEN_BYTES.format(n=253))
    if not _DNS1123_SUBDOMAIN.fullmatch(value):
        errs.append(m.dns1123_subdomain_regex_error())
    return errs


def is_valid_label_value(value: str) -> list[str]:
    """content.IsLabelValue."""
    errs: list[str] = []
    if _blen(value) > 63:
        errs.append(m.MAX_LEN_BYTES.format(n=63))
    if not _LABEL_VALUE.fullmatch(value):
        errs.append(m.label_value_regex_error())
    return errs


def is_valid_port_num(port: int) -> list[str]:
    return [] if 1 <= port <= 65535 else [m.inclusive_range(1, 65535)]


def is_valid_port_name(port: str) -> list[str]:
    """IsValidPortName (IANA_SVC_NAME)."""
    errs: list[str] = []
    if _blen(port) > 15:
        errs.append(m.MAX_LEN_CHARACTERS.format(n=15))
    if not _PORT_NAME_CHARSET.fullmatch(port):
        errs.append(m.PORT_NAME_CHARSET)
    if not _PORT_NAME_LETTER.search(port):
        errs.append(m.PORT_NAME_ONE_LETTER)
    if "--" in port:
        errs.append(m.PORT_NAME_CONSECUTIVE_HYPHENS)
    if port and (port[0] == "-" or port[-1] == "-"):
        errs.append(m.PORT_NAME_HYPHEN_ENDS)
    return errs


def is_valid_percent(value: str) -> list[str]:
    return [] if _PERCENT.fullmatch(value) else [m.percent_regex_error()]


def _mask_trailing_dash(name: str) -> str:
    """generic.go maskTrailingDash: a generateName may end in '-'."""
    if len(name) > 1 and name.endswith("-"):
        return name[:-1] + "a"
    return name


def name_is_dns_subdomain(name: str, prefix: bool = False) -> list[str]:
    return is_dns1123_subdomain(_mask_trailing_dash(name) if prefix else name)


def name_is_dns_label(name: str, prefix: bool = False) -> list[str]:
    return is_dns1123_label(_mask_trailing_dash(name) if prefix else name)


def name_is_dns1035_label(name: str, prefix: bool = False) -> list[str]:
    return is_dns1035_label(_mask_trailing_dash(name) if prefix else name)


def parse_ip_sloppy(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """netutils.ParseIPSloppy: like net.ParseIP but leading zeros in IPv4 octets are allowed."""
    if not value or value.strip() != value:
        return None
    if "." in value and ":" not in value:
        parts = value.split(".")
        if len(parts) != 4 or not all(p.isdigit() and p.isascii() and len(p) <= 3 for p in parts):
            return None
        octets = [int(p, 10) for p in parts]
        if any(o > 255 for o in octets):
            return None
        return ipaddress.IPv4Address(".".join(str(o) for o in octets))
    try:
        addr = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and "%" in value:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    return addr


def is_ipv6(value: str) -> bool:
    addr = parse_ip_sloppy(value)
    return isinstance(addr, ipaddress.IPv6Address)


def is_valid_cidr(value: str) -> bool:
    """netutils.ParseCIDRSloppy succeeds."""
    if "/" not in value:
        return False
    ip_part, _, bits = value.partition("/")
    addr = parse_ip_sloppy(ip_part)
    if addr is None or not bits.isdigit():
        return False
    width = 32 if isinstance(addr, ipaddress.IPv4Address) and ":" not in ip_part else 128
    return 0 <= int(bits) <= width
