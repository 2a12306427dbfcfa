"""busybox 1.36 nslookup (networking/nslookup.c, the FEATURE_NSLOOKUP_BIG version from LEDE).

Behaviour copied from the C source:
- options: -type=/-querytype= (soa,ns,a,aaaa,cname,mx,txt,ptr,srv,any), -port=, -retry=,
  -timeout=/-t=, -debug;
- without a SERVER argument resolv.conf is parsed for nameservers and the search list; with one,
  resolv.conf is not read at all, so no search list applies;
- an IP argument becomes a PTR query; otherwise A and AAAA queries (or the -type ones), each
  expanded over the search list only if the name has no dot at all (add_query_with_search());
- all queries go out at once on one socket; each reply prints as it arrives (send_queries()):
  the "Server:/Address:" header before the first reply, then "** server can't find NAME: RCODE"
  or the answer records (plus "Non-authoritative answer:" when AA is clear), then an empty line;
- queries never answered print "*** Can't find NAME: No answer" and one more empty line;
- exit status 1 if any reply had a non-zero rcode.
"""

from __future__ import annotations

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype

from svclab.network import messages
from svclab.network.tools.base import Invocation
from svclab.network.tools.resolv import exchange, getaddrinfo, is_ip, make_query, resolv_conf, reverse_name

# qtypes[] in nslookup.c, in table order (the order -type queries are added).
QTYPES: list[tuple[str, dns.rdatatype.RdataType]] = [
    ("SOA", dns.rdatatype.SOA), ("NS", dns.rdatatype.NS), ("A", dns.rdatatype.A),
    ("AAAA", dns.rdatatype.AAAA), ("CNAME", dns.rdatatype.CNAME), ("MX", dns.rdatatype.MX),
    ("TXT", dns.rdatatype.TXT), ("SRV", dns.rdatatype.SRV), ("PTR", dns.rdatatype.PTR),
    ("ANY", dns.rdatatype.ANY),
]
RCODES = ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET",
          "NXRRSET", "NOTAUTH", "NOTZONE", "11", "12", "13", "14", "15"]
OPTIONS = ["type", "querytype", "port", "retry", "debug", "t", "timeout"]


def _option_index(arg: str) -> int:
    """index_in_substrings(): an exact name or a unique-enough prefix of one."""
    if arg in OPTIONS:
        return OPTIONS.index(arg)
    for i, opt in enumerate(OPTIONS):
        if arg and opt.startswith(arg):
            return i
    return -1


def _name(text: str) -> str:
    """ns_rr_name()/dn_expand(): no trailing dot, "." for the root."""
    return text.rstrip(".") or "."


def parse_reply(reply: dns.message.Message, debug: bool) -> list[str]:
    """parse_reply(): the lines printed for a NOERROR reply."""
    lines: list[str] = []
    if not reply.flags & dns.flags.AA:
        lines.append("Non-authoritative answer:")
    elif debug:
        lines.append("authoritative answer:")
    for rrset in reply.answer:
        owner = _name(rrset.name.to_text())
        for rd in rrset:
            t = rrset.rdtype
            if t in (dns.rdatatype.A, dns.rdatatype.AAAA):
                lines.append(f"Name:\t{owner}\nAddress: {rd.address}")
            elif t == dns.rdatatype.NS:
                lines.append(f"{owner}\tnameserver = {_name(rd.target.to_text())}")
            elif t == dns.rdatatype.CNAME:
                lines.append(f"{owner}\tcanonical name = {_name(rd.target.to_text())}")
            elif t == dns.rdatatype.PTR:
                lines.append(f"{owner}\tname = {_name(rd.target.to_text())}")
            elif t == dns.rdatatype.MX:
                lines.append(f"{owner}\tmail exchanger = {rd.preference} {_name(rd.exchange.to_text())}")
            elif t == dns.rdatatype.TXT:
                if rd.strings and rd.strings[0]:
                    lines.append(f'{owner}\ttext = "{rd.strings[0].decode("utf-8", "replace")}"')
            elif t == dns.rdatatype.SRV:
                lines.append(f"{owner}\tservice = {rd.priority} {rd.weight} {rd.port} {_name(rd.target.to_text())}")
            elif t == dns.rdatatype.SOA:
                lines.append(f"{owner}\n\torigin = {_name(rd.mname.to_text())}\n"
                             f"\tmail addr = {_name(rd.rname.to_text())}\n\tserial = {rd.serial}\n"
                             f"\trefresh = {rd.refresh}\n\tretry = {rd.retry}\n\texpire = {rd.expire}\n"
                             f"\tminimum = {rd.minimum}")
    return lines


async def nslookup(inv: Invocation) -> int:
    """nslookup_main()."""
    args = list(inv.args)
    types: list[int] = []
    port, retry, timeout, debug = 53, 2, 5, False
    while True:
        if not args:
            return inv.usage(messages.NSLOOKUP_USAGE)
        if not args[0].startswith("-"):
            break
        opt, _, val = args.pop(0)[1:].partition("=")
        i = _option_index(opt)
        if i < 0:
            return inv.usage(messages.NSLOOKUP_USAGE)
        if i <= 1:
            match = [n for n, (qname, _) in enumerate(QTYPES) if qname.lower() == val.lower()]
            if not match:
                inv.errln(messages.NSLOOKUP_INVALID_TYPE.format(type=val))
                return 1
            if match[0] not in types:
                types.append(match[0])
            continue
        if i == 4:
            debug = True
            continue
        if not val.isdigit() or int(val) < 1:
            inv.errln(messages.INVALID_NUMBER.format(applet="nslookup", arg=val))
            return 1
        if i == 2:
            port = int(val)
        elif i == 3:
            retry = int(val)
        else:
            timeout = int(val)
    target = args[0]
    if len(args) > 2:
        return inv.usage(messages.NSLOOKUP_USAGE)

    search: list[str] = []
    if len(args) == 2:
        servers = [(args[1], args[1])]
        if not is_ip(args[1]):
            # add_ns() -> xhost2sockaddr(): the server name must resolve through libc.
            found = await getaddrinfo(inv.env, args[1], v6=False)
            if not found.addresses:
                inv.errln(f"nslookup: bad address '{args[1]}'")
                return 1
            servers = [(args[1], found.addresses[0])]
    else:
        conf = resolv_conf(inv.env.fs)
        servers = [(ns, ns) for ns in conf.nameservers or ["127.0.0.1"]]
        if conf.search_raw is not None and conf.search_raw.strip() != ".":
            search = conf.search_raw.split()
        elif "." in inv.env.hostname:
            search = [inv.env.hostname.split(".", 1)[1]]

    names: list[tuple[str, dns.rdatatype.RdataType]] = []

    def add_with_search(rdtype: dns.rdatatype.RdataType) -> None:
        if rdtype == dns.rdatatype.PTR or not search or "." in target:
            names.append((target, rdtype))
        else:
            names.extend((f"{target}.{domain}", rdtype) for domain in search)

    if not types:
        ptr = reverse_name(target) if is_ip(target) else None
        if ptr:
            names.append((ptr, dns.rdatatype.PTR))
        else:
            add_with_search(dns.rdatatype.A)
            add_with_search(dns.rdatatype.AAAA)
    else:
        for n in sorted(types):
            add_with_search(QTYPES[n][1])

    queries = [make_query(name, rdtype) for name, rdtype in names]
    answered: set[int] = set()
    failed = False
    for server, addr in servers:
        got = 0
        async for index, reply, _size in exchange(inv.env.dns_server, queries, float(timeout), retry,
                                           servfail_retry=True):
            if got == 0:
                # "Address:" is xmalloc_sockaddr2dotted(): "ip:port" ("[v6]:port" for IPv6).
                shown = f"[{addr}]:{port}" if ":" in addr else f"{addr}:{port}"
                inv.out(f"Server:\t\t{server}\nAddress:\t{shown}\n\n")
            got += 1
            answered.add(index)
            if debug:
                inv.out(f"Query #{index} completed in 0ms:\n")
            rcode = reply.rcode()
            if rcode != dns.rcode.NOERROR:
                inv.out(f"** server can't find {names[index][0]}: {RCODES[rcode & 15]}\n")
                failed = True
            else:
                for line in parse_reply(reply, debug):
                    inv.out(line + "\n")
            inv.out("\n")
        if got:
            break
    else:
        inv.out(messages.NSLOOKUP_NO_SERVERS)
        return 1
    missing = [i for i in range(len(queries)) if i not in answered]
    for i in missing:
        inv.out(f"*** Can't find {names[i][0]}: No answer\n")
    if missing:
        inv.out("\n")
    return 1 if failed else 0
