"""getent hosts (glibc nss/getent.c hosts_keys() and print_hosts())."""

from __future__ import annotations

from svclab.network import messages
from svclab.network.tools.base import Invocation
from svclab.network.tools.resolv import getaddrinfo, is_ip


def _hosts_line(ip: str, name: str, aliases: list[str]) -> str:
    """print_hosts(): "%-15s %s" then " alias" for each alias."""
    return f"{ip:<15} {name}" + "".join(" " + a for a in aliases) + "\n"


def _hosts_entries(text: str) -> list[tuple[str, str, list[str]]]:
    entries = []
    for line in text.splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) >= 2 and is_ip(fields[0]):
            entries.append((fields[0], fields[1], fields[2:]))
    return entries


async def getent(inv: Invocation) -> int:
    """getent DATABASE [KEY...]: only the hosts database is emulated."""
    if not inv.args:
        inv.errln("getent: wrong number of arguments\n"
                  "Try `getent --help' or `getent --usage' for more information.")
        return 1
    db, keys = inv.args[0], inv.args[1:]
    if db not in ("hosts", "ahosts", "ahostsv4"):
        inv.errln(messages.GETENT_UNKNOWN_DB.format(db=db))
        return 1
    entries = _hosts_entries(inv.env.fs.read_text("/etc/hosts", default=""))
    if not keys:
        for ip, name, aliases in entries:
            inv.out(_hosts_line(ip, name, aliases))
        return 0
    result = 0
    for key in keys:
        from_file = [(ip, name, aliases) for ip, name, aliases in entries
                     if key == ip or key.lower() in (n.lower() for n in [name, *aliases])]
        if from_file:
            if db == "hosts":
                ip, name, aliases = from_file[0]
                same = [e for e in from_file if e[1] == name]
                for e in same:
                    inv.out(_hosts_line(e[0], name, aliases))
            else:
                for ip, name, _aliases in from_file:
                    _ahosts(inv, ip, name)
            continue
        found = await getaddrinfo(inv.env, key, v6=(db == "hosts"))
        addrs = [a for a in found.addresses if ":" not in a] or found.addresses
        if not addrs:
            result = 2
            continue
        for ip in addrs:
            if db == "hosts":
                inv.out(_hosts_line(ip, found.canonical, []))
            else:
                _ahosts(inv, ip, found.canonical if ip == addrs[0] else "")
    return result


def _ahosts(inv: Invocation, ip: str, name: str) -> None:
    """ahosts_keys_int(): one line per socket type, the canonical name on the first only."""
    inv.out(f"{ip:<15} STREAM {name}\n" if name else f"{ip:<15} STREAM \n")
    inv.out(f"{ip:<15} DGRAM  \n{ip:<15} RAW    \n")
