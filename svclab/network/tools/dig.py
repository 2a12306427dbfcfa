"""BIND 9.18 dig (bin/dig/dig.c printmessage(), dighost.c received(), lib/dns/masterdump.c).

Supports NAME, TYPE, -t TYPE, -x ADDR, @SERVER and the +[no]short/search/cmd/comments/question/
answer/authority/additional/stats/all options. Records are laid out with masterdump's indent()
(tab width 8; TTL, class, type and rdata columns 24/32/40/48).
"""

from __future__ import annotations

import time
from datetime import datetime, timezone

import dns.flags
import dns.message
import dns.opcode
import dns.rcode
import dns.rdatatype
import dns.rrset

from svclab.network import messages
from svclab.network.tools.base import Invocation
from svclab.network.tools.resolv import exchange, getaddrinfo, is_ip, resolv_conf, reverse_name

SECTIONS = ("cmd", "comments", "question", "answer", "authority", "additional", "stats")
DIG_USAGE = "Usage:  dig [@global-server] [domain] [q-type] [q-class] {q-opt}\n            {global-d-opt} host [@local-server] {local-d-opt}\n            [ host [@local-server] {local-d-opt} [...]]\n\nUse \"dig -h\" (or \"dig -h | more\") for complete list of options"


def indent(column: int, to: int, tabwidth: int = 8) -> tuple[str, int]:
    """masterdump.c indent(): tabs then spaces from ``column`` to ``to`` (at least one)."""
    to = max(to, column + 1)
    ntabs = max(to // tabwidth - column // tabwidth, 0)
    out = "\t" * ntabs
    if ntabs:
        column = (to // tabwidth) * tabwidth
    return out + " " * (to - column), to


def record_line(owner: str, ttl: int | None, rdtype: str, rdata: str | None) -> str:
    """One rdataset line in dig's default style (columns 24, 32, 40, 48)."""
    text, col = owner, len(owner)
    if ttl is not None:
        pad, col = indent(col, 24)
        text += pad + str(ttl)
        col += len(str(ttl))
    pad, col = indent(col, 32)
    text += pad + "IN"
    col += 2
    pad, col = indent(col, 40)
    text += pad + rdtype
    col += len(rdtype)
    if rdata is not None:
        pad, col = indent(col, 48)
        text += pad + rdata
    return text


def _rrset_lines(rrset: dns.rrset.RRset) -> list[str]:
    name = rrset.name.to_text()
    rdtype = dns.rdatatype.to_text(rrset.rdtype)
    return [record_line(name, rrset.ttl, rdtype, rd.to_text()) for rd in rrset]


class _Opts:
    def __init__(self) -> None:
        self.show = dict.fromkeys(SECTIONS, True)
        self.short = False
        self.search = False


def _apply_plus(opts: _Opts, arg: str) -> bool:
    word = arg[1:]
    on = not word.startswith("no")
    key = word[2:] if not on else word
    if key == "all":
        for k in SECTIONS:
            opts.show[k] = on
    elif key in SECTIONS:
        opts.show[key] = on
    elif key == "short":
        opts.short = on
    elif key in ("search", "defname"):
        opts.search = on
    elif key in ("tcp", "vc", "recurse", "edns", "cookie", "adflag", "ttlid", "class", "identify",
                 "multiline", "rrcomments", "time", "tries", "retry", "ndots", "timeout") or "=" in key:
        pass
    else:
        return False
    return True


async def dig(inv: Invocation) -> int:
    """dig_main() for one lookup."""
    opts = _Opts()
    server: str | None = None
    name: str | None = None
    rdtype = "A"
    reverse = False
    type_set = False
    args = list(inv.args)
    while args:
        a = args.pop(0)
        if a.startswith("@"):
            server = a[1:]
        elif a.startswith("+"):
            if not _apply_plus(opts, a):
                inv.errln(f"Invalid option: {a}\n{DIG_USAGE}")
                return 1
        elif a == "-x" and args:
            ip = args.pop(0)
            ptr = reverse_name(ip)
            if ptr is None:
                inv.errln(f"Invalid IP address {ip}")
                return 1
            name, rdtype, reverse, type_set = ptr.rstrip(".") + ".", "PTR", True, True
        elif a == "-t" and args:
            rdtype, type_set = args.pop(0).upper(), True
        elif a.startswith("-"):
            continue
        elif a.upper() in ("IN", "CH", "HS"):
            continue
        elif _is_type(a) and not type_set:
            # dig.c parse_args(): the first word that names a type sets the query type.
            rdtype, type_set = a.upper(), True
        else:
            name = a
    if name is None:
        name, rdtype = ".", "NS"
    conf = resolv_conf(inv.env.fs)
    user_server = server or (conf.nameservers[0] if conf.nameservers else "127.0.0.1")
    server_ip = user_server
    if not is_ip(user_server):
        found = await getaddrinfo(inv.env, user_server, v6=False)
        if not found.addresses:
            inv.errln(f"dig: couldn't get address for '{user_server}': not found")
            return 10
        server_ip = found.addresses[0]

    candidates = [name if name.endswith(".") else name + "."]
    if opts.search and not reverse and not name.endswith("."):
        searched = [f"{name}.{d.rstrip('.')}." for d in conf.search]
        candidates = searched + candidates if name.count(".") < conf.ndots else candidates + searched

    cmdline = "\n; <<>> DiG " + messages.DIG_VERSION + " <<>>" + "".join(" " + a for a in inv.args) + "\n"
    if not opts.short and opts.show["cmd"]:
        inv.out(cmdline + ";; global options: +cmd\n")
    reply: dns.message.Message | None = None
    size = 0
    elapsed_ms = 0
    for qname in candidates:
        query = dns.message.make_query(qname, rdtype, use_edns=0, payload=1232)
        query.flags |= dns.flags.AD
        start = time.monotonic()
        reply = None
        async for _i, got, got_size in exchange(inv.env.dns_server, [query], 15.0, 3):
            reply, size = got, got_size
        elapsed_ms = int((time.monotonic() - start) * 1000)
        if reply is None:
            for _ in range(3):
                inv.out(messages.DIG_COMM_ERROR.format(server=server_ip, port=53) + "\n")
            inv.out(messages.DIG_NO_SERVERS + "\n")
            return 9
        if reply.rcode() != dns.rcode.NXDOMAIN or qname == candidates[-1]:
            break
    assert reply is not None
    if opts.short:
        for rrset in reply.answer:
            for rd in rrset:
                inv.out(rd.to_text() + "\n")
        return 0
    _print_message(inv, reply, opts)
    if opts.show["stats"]:
        when = datetime.now(timezone.utc).strftime("%a %b %d %H:%M:%S UTC %Y")
        inv.out(f";; Query time: {elapsed_ms} msec\n;; SERVER: {server_ip}#53({user_server}) (UDP)\n"
                f";; WHEN: {when}\n;; MSG SIZE  rcvd: {size}\n\n")
    return 0


def _is_type(text: str) -> bool:
    try:
        dns.rdatatype.from_text(text.upper())
    except dns.rdatatype.UnknownRdatatype:
        return False
    return not text.isdigit()


def _print_message(inv: Invocation, msg: dns.message.Message, opts: _Opts) -> None:
    """printmessage(): header, OPT pseudosection, then each non-empty section."""
    comments = opts.show["comments"]
    if comments:
        flags = [f for f, bit in (("qr", dns.flags.QR), ("aa", dns.flags.AA), ("tc", dns.flags.TC),
                                  ("rd", dns.flags.RD), ("ra", dns.flags.RA), ("ad", dns.flags.AD),
                                  ("cd", dns.flags.CD)) if msg.flags & bit]
        additional = sum(len(r) for r in msg.additional) + (1 if msg.edns >= 0 else 0)
        inv.out(";; Got answer:\n")
        inv.out(f";; ->>HEADER<<- opcode: {dns.opcode.to_text(msg.opcode())}, "
                f"status: {dns.rcode.to_text(msg.rcode())}, id: {msg.id}\n")
        inv.out(f";; flags: {' '.join(flags)}; QUERY: {len(msg.question)}, "
                f"ANSWER: {sum(len(r) for r in msg.answer)}, "
                f"AUTHORITY: {sum(len(r) for r in msg.authority)}, ADDITIONAL: {additional}\n")
        if msg.flags & dns.flags.RD and not msg.flags & dns.flags.RA:
            inv.out(";; WARNING: recursion requested but not available\n")
        inv.out("\n")
        if msg.edns >= 0:
            eflags = " do" if msg.ednsflags & dns.flags.DO else ""
            inv.out(f";; OPT PSEUDOSECTION:\n; EDNS: version: {msg.edns}, flags:{eflags}; udp: {msg.payload}\n")
    if opts.show["question"]:
        if comments:
            inv.out(";; QUESTION SECTION:\n")
        for rrset in msg.question:
            inv.out(record_line(";" + rrset.name.to_text(), None,
                                dns.rdatatype.to_text(rrset.rdtype), None) + "\n")
        if comments:
            inv.out("\n")
    for key, title, section in (("answer", "ANSWER", msg.answer), ("authority", "AUTHORITY", msg.authority),
                                ("additional", "ADDITIONAL", msg.additional)):
        if not opts.show[key] or not section:
            continue
        if comments:
            inv.out(f";; {title} SECTION:\n")
        for rrset in section:
            for line in _rrset_lines(rrset):
                inv.out(line + "\n")
        if comments:
            inv.out("\n")
