"""busybox 1.36.1 ``ip`` (networking/ip.c, networking/libiproute/) for a pod's network namespace.

What a pod on kind has, as kindnet's CNI configuration (``ptp`` plugin, ``host-local`` IPAM over
the node's /24 pod CIDR, one route ``0.0.0.0/0``) sets it up:

- ``lo`` (index 1) with 127.0.0.1/8 and ::1/128;
- ``eth0`` (index 2), one end of a veth pair whose other end lives in the node's namespace: busybox
  names it ``eth0@ifN`` (N, the peer's index, is not an interface of the pod: ``ll_index_to_name``
  prints ``ifN`` and ``M-DOWN``, the flag busybox shows for a link whose peer it cannot see). Its
  address is the pod IP with the pod CIDR's /24 and broadcast, plus an IPv6 link-local address
  derived from its MAC (EUI-64);
- routes: the default route and the /24 both via the CIDR's first address (the node's end of every
  pod veth), which is itself reachable on-link (``ptp``'s ``setupContainerVeth``).

The MAC is a locally administered address derived from the pod IP, and the peer index counts
the pods the node has wired before (host-local hands out addresses in order), so they repeat
across runs; on a real node both are whatever the kernel and kindnet chose. Output formats follow
print_linkinfo(), print_addrinfo() and print_route() byte for byte, trailing spaces included.

A pod has no CAP_NET_ADMIN: changing anything fails as the kernel refuses it
(``RTNETLINK answers: Operation not permitted``, or the ioctl's name for ``ip link set``).
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Callable
from dataclasses import dataclass

from svclab.network.tools.base import Invocation
from svclab.network.tools.usages import (IP_USAGE, IPADDR_USAGE, IPLINK_USAGE, IPNEIGH_USAGE, IPROUTE_USAGE,
                                         IPRULE_USAGE, IPTUNNEL_USAGE)

EPERM = "Operation not permitted"
KEYWORDS = ("address", "route", "r", "link", "tunnel", "tunl", "rule", "neigh")
APPLET_COMMAND = {"ipaddr": "address", "iproute": "route", "iplink": "link", "iprule": "rule",
                  "ipneigh": "neigh", "iptunnel": "tunnel"}


USAGES = {"ipaddr": IPADDR_USAGE, "iplink": IPLINK_USAGE, "iproute": IPROUTE_USAGE, "iprule": IPRULE_USAGE,
          "ipneigh": IPNEIGH_USAGE, "iptunnel": IPTUNNEL_USAGE}


class IpError(Exception):
    """bb_error_msg_and_die() in ip: the message and the exit status."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


class ShowUsage(Exception):
    pass


def match_keyword(words: tuple[str, ...], key: str) -> int:
    """index_in_substrings(): an exact match, else the one keyword KEY abbreviates, else -1."""
    if not key:
        return -1
    found = -1
    for i, word in enumerate(words):
        if word.startswith(key):
            if word == key:
                return i
            if found >= 0:
                return -1
            found = i
    return found


@dataclass(frozen=True)
class PodLink:
    """The pod's side of its network, as kindnet wires it."""

    ip: str
    prefix: int = 24
    mtu: int = 1500

    @property
    def network(self) -> ipaddress.IPv4Network:
        return ipaddress.ip_network(f"{self.ip}/{self.prefix}", strict=False)  # type: ignore[return-value]

    @property
    def gateway(self) -> str:
        return str(next(self.network.hosts()))

    @property
    def broadcast(self) -> str:
        return str(self.network.broadcast_address)

    @property
    def mac(self) -> str:
        digest = bytearray(hashlib.sha256(f"veth/{self.ip}".encode()).digest()[:6])
        digest[0] = (digest[0] & 0xFE) | 0x02   # unicast, locally administered
        return ":".join(f"{b:02x}" for b in digest)

    @property
    def link_local(self) -> str:
        octets = [int(x, 16) for x in self.mac.split(":")]
        eui = [octets[0] ^ 0x02, *octets[1:3], 0xFF, 0xFE, *octets[3:]]
        return str(ipaddress.IPv6Address(bytes([0xFE, 0x80, *[0] * 6, *eui])))

    @property
    def peer_index(self) -> int:
        """The node's end of the veth: after the node's lo and eth0, one per pod wired before."""
        return int(ipaddress.ip_address(self.ip)) - int(self.network.network_address) + 1


@dataclass(frozen=True)
class Address:
    family: str   # "inet" | "inet6"
    text: str     # "10.244.1.5/24 brd 10.244.1.255 scope global eth0"


@dataclass(frozen=True)
class Interface:
    index: int
    name: str
    peer: str          # "@if5" or ""
    flags: str
    mtu: int
    qdisc: str
    qlen: int
    link: str          # "loopback 00:00:... brd 00:00:..."
    addresses: tuple[Address, ...]

    def header(self, sep: str) -> str:
        qlen = f"qlen {self.qlen}" if self.qlen else ""
        return f"{self.index}: {self.name}{self.peer}: <{self.flags}> mtu {self.mtu} qdisc {self.qdisc} {qlen}"

    def link_line(self, sep: str) -> str:
        return f"{sep}    link/{self.link}"


def interfaces(link: PodLink) -> list[Interface]:
    lo = Interface(1, "lo", "", "LOOPBACK,UP,LOWER_UP", 65536, "noqueue", 1000,
                   "loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00",
                   (Address("inet", "127.0.0.1/8 scope host lo"), Address("inet6", "::1/128 scope host ")))
    eth0 = Interface(2, "eth0", f"@if{link.peer_index}", "BROADCAST,MULTICAST,UP,LOWER_UP,M-DOWN", link.mtu,
                     "noqueue", 0, f"ether {link.mac} brd ff:ff:ff:ff:ff:ff",
                     (Address("inet", f"{link.ip}/{link.prefix} brd {link.broadcast} scope global eth0"),
                      Address("inet6", f"{link.link_local}/64 scope link ")))
    return [lo, eth0]


LIFETIME = "       valid_lft forever preferred_lft forever"


def show_addresses(link: PodLink, family: str | None, oneline: bool, dev: str | None, links_only: bool) -> str:
    """ipaddr_list_or_flush() for listing (``ip addr``, and with links_only ``ip link``)."""
    sep = "\\" if oneline else "\n"
    found = interfaces(link)
    if dev is not None:
        found = [i for i in found if i.name == dev]
        if not found:
            raise IpError(f"can't find device '{dev}'", 2 if links_only else 1)
    out: list[str] = []
    for iface in found:
        addrs = [a for a in iface.addresses if family is None or a.family == family]
        if family is not None and not links_only and not addrs:
            continue
        if links_only:
            out.append(iface.header(sep) + iface.link_line(sep) + "\n")
            continue
        if not oneline:
            out.append(iface.header(sep) + ("" if family else iface.link_line(sep)) + "\n")
        for addr in addrs:
            prefix = f"{iface.index}: {iface.name}" if oneline else ""
            out.append(f"{prefix}    {addr.family} {addr.text}{sep}{LIFETIME}\n")
    return "".join(out)


def routes(link: PodLink, family: str | None, dev: str | None) -> str:
    """print_route() over the main table."""
    if dev is not None and dev not in ("lo", "eth0"):
        raise IpError(f"can't find device '{dev}'")
    if family == "inet6":
        lines = [] if dev == "lo" else ["fe80::/64 dev eth0  metric 256 ", "multicast ff00::/8 dev eth0  metric 256 "]
    else:
        lines = [] if dev == "lo" else [
            f"default via {link.gateway} dev eth0 ",
            f"{link.network} via {link.gateway} dev eth0  src {link.ip} ",
            f"{link.gateway} dev eth0 scope link  src {link.ip} ",
        ]
    return "".join(line + "\n" for line in lines)


def route_get(link: PodLink, target: str) -> str:
    """iproute_get(): the route the kernel picks for one destination."""
    try:
        dest = ipaddress.ip_address(target.split("/", 1)[0])
    except ValueError:
        raise IpError("need at least destination address") from None
    if dest.version == 6:
        raise IpError("RTNETLINK answers: Network is unreachable", 2)
    text = str(dest)
    if dest.is_loopback or text == link.ip:
        return f"local {text} dev lo  src {link.ip if text == link.ip else '127.0.0.1'} \n"
    if text == link.gateway:
        return f"{text} dev eth0  src {link.ip} \n"
    return f"{text} via {link.gateway} dev eth0  src {link.ip} \n"


def _denied(what: str, status: int = 2) -> IpError:
    return IpError(f"{what}: {EPERM}", status)


def _cmd_address(link: PodLink, args: list[str], family: str | None, oneline: bool) -> str:
    commands = ("add", "change", "chg", "replace", "delete", "list", "show", "lst", "flush")
    cmd = 6
    if args:
        cmd = match_keyword(commands, args[0])
        if cmd < 0:
            raise IpError(f"invalid argument '{args[0]}' to '{{APPLET}}'")
        args = args[1:]
        if cmd <= 4:
            if not any(a == "dev" for a in args):
                raise IpError('need "dev IFACE"')
            raise _denied("RTNETLINK answers")
    if cmd == 8:
        if not args:
            raise IpError("flush requires an argument")   # bb_msg_requires_arg
        raise _denied("RTNETLINK answers")
    return show_addresses(link, family, oneline, _list_dev(args), links_only=family == "link")


def _list_dev(args: list[str]) -> str | None:
    """The listing options: "to PREFIX", "scope S", "up", "label L", "dev IFACE" or a bare IFACE."""
    dev: str | None = None
    i = 0
    while i < len(args):
        word = args[i]
        if word in ("to", "scope", "label", "dev"):
            if i + 1 >= len(args):
                raise IpError('command line is not complete, try "help"')
            i += 1
            if word != "dev":
                i += 1
                continue
            word = args[i]
        elif word == "up":
            i += 1
            continue
        if dev is not None:
            raise IpError(f'either "dev" is duplicate, or "{word}" is garbage')
        dev = word
        i += 1
    return dev


def _cmd_route(link: PodLink, args: list[str], family: str | None, oneline: bool) -> str:
    commands = ("a", "add", "append", "change", "chg", "delete", "get", "list", "show", "prepend", "replace",
                "test", "flush")
    if not args:
        return routes(link, family, None)
    cmd = match_keyword(commands, args[0])
    if cmd < 0:
        raise IpError(f"invalid argument '{args[0]}' to '{{APPLET}}'")
    rest = args[1:]
    if commands[cmd] == "get":
        targets = [a for a in rest if a != "to"]
        if not targets:
            raise IpError("need at least destination address")
        return route_get(link, targets[0])
    if commands[cmd] in ("list", "show"):
        dev = None
        if "dev" in rest:
            at = rest.index("dev")
            if at + 1 >= len(rest):
                raise IpError('command line is not complete, try "help"')
            dev = rest[at + 1]
        return routes(link, family, dev)
    raise _denied("RTNETLINK answers")


def _cmd_link(link: PodLink, args: list[str], family: str | None, oneline: bool) -> str:
    commands = ("add", "delete", "set", "show", "lst", "list")
    if args:
        key = match_keyword(commands, args[0])
        if key < 0:
            raise IpError(f"invalid argument '{args[0]}' to '{{APPLET}}'", 2)
        args = args[1:]
        if key <= 1:
            raise _denied("RTNETLINK answers")
        if key == 2:
            if not args:
                raise IpError('command line is not complete, try "help"', 2)
            if args[0] not in ("lo", "eth0") and args[0] != "dev":
                raise IpError(f"can't find device '{args[0]}'", 2)
            ioctl = "SIOCSIFMTU" if "mtu" in args else "SIOCSIFNAME" if "name" in args else "SIOCSIFFLAGS"
            raise _denied(ioctl, 2)
    return show_addresses(link, None, oneline, _list_dev(args), links_only=True)


def _cmd_rule(link: PodLink, args: list[str], family: str | None, oneline: bool) -> str:
    if args and match_keyword(("list", "show", "lst"), args[0]) < 0:
        raise _denied("RTNETLINK answers")
    return "0:\tfrom all lookup local \n32766:\tfrom all lookup main \n32767:\tfrom all lookup default \n"


def _cmd_neigh(link: PodLink, args: list[str], family: str | None, oneline: bool) -> str:
    if args and match_keyword(("show", "flush"), args[0]) == 1:
        raise _denied("RTNETLINK answers")
    return ""


def _cmd_tunnel(link: PodLink, args: list[str], family: str | None, oneline: bool) -> str:
    if args and match_keyword(("add", "change", "delete", "show", "list", "lst"), args[0]) in (0, 1, 2):
        raise _denied("ioctl 0x89f1")
    return ""


COMMANDS: dict[str, Callable[[PodLink, list[str], str | None, bool], str]] = {
    "address": _cmd_address, "route": _cmd_route, "r": _cmd_route, "link": _cmd_link, "tunnel": _cmd_tunnel,
    "tunl": _cmd_tunnel, "rule": _cmd_rule, "neigh": _cmd_neigh,
}


def parse_common(args: list[str]) -> tuple[str | None, bool, list[str]]:
    """ip_parse_common_args(): -4 -6 -0 -f FAMILY -o, abbreviated, before the object."""
    family: str | None = None
    oneline = False
    i = 0
    while i < len(args) and args[i].startswith("-"):
        opt = args[i][1:]
        if opt.startswith("-"):
            opt = opt[1:]
            if not opt:
                i += 1
                break
        key = match_keyword(("oneline", "family", "4", "6", "0"), opt)
        if key < 0:
            raise ShowUsage()
        i += 1
        if key == 0:
            oneline = True
            continue
        if key == 1:
            if i >= len(args):
                raise ShowUsage()
            chosen = {"inet": "inet", "inet6": "inet6", "link": "link"}.get(args[i])
            if chosen is None:
                raise IpError(f"invalid argument '{args[i]}' to 'family'")
            family = chosen
            i += 1
            continue
        family = ("inet", "inet6", "link")[key - 2]
    return family, oneline, args[i:]


async def ip(inv: Invocation) -> int:
    """ip [OPTIONS] OBJECT [COMMAND [ARGS]]; ipaddr, iplink, iproute, ... as OBJECT."""
    link = PodLink(inv.env.ip)
    try:
        family, oneline, rest = parse_common(inv.args)
        command = APPLET_COMMAND.get(inv.name)
        if command is None:
            key = match_keyword(KEYWORDS, rest[0]) if rest else -1
            if key < 0:
                raise ShowUsage()
            command, rest = KEYWORDS[key], rest[1:]
        text = COMMANDS[command](link, rest, family, oneline)
    except ShowUsage:
        return inv.usage(USAGES.get(inv.name, IP_USAGE))
    except IpError as e:
        inv.errln(f"{inv.name}: {e}".replace("{APPLET}", inv.name))
        return e.status
    await inv.write(text.encode())
    return 0
