"""The offline upstream: what `forward . /etc/resolv.conf` reaches from the embedded cluster.

On kind, CoreDNS forwards every name outside its zones to the node's resolver (Docker's, then
the host's, then the internet), which answers as a recursive resolver does: no AA, RA set, a
CNAME followed to its target's records, NXDOMAIN or NODATA with the enclosing zone's SOA. The
embedded cluster has no internet, so a small zone of documentation names stands in for it
(svclab.dns.upstream_data.DEFAULT_ZONE, or a file named by SVCLAB_DNS_UPSTREAM_ZONE in RFC 1035
master format) and is answered the same way.

A name the offline upstream does not know gets NXDOMAIN with the root zone's SOA: what the
internet answers for a name that does not exist. That is where the emulator and kind differ: on
kind with internet access a real name (say kubernetes.io) resolves, and on kind without it the
forward times out and the client sees SERVFAIL after several seconds. svclab answers NXDOMAIN at
once for every name outside its zone, so `nslookup mysql-0.mysql-headless` (a dotted name busybox
sends as is) prints the same NXDOMAIN line a connected kind cluster prints.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.ttl

from svclab.dns.config import ENV_ZONE_FILE
from svclab.dns.upstream_data import DEFAULT_ZONE

ROOT_SOA = "a.root-servers.net. nstld.verisign-grs.com. 2026112100 1800 900 604800 86400"
ROOT_SOA_TTL = 86400
MAX_ZONE_BYTES = 1 << 20
MAX_CNAME_HOPS = 8  # a resolver gives up on long chains; 8 is what BIND's max-recursion-depth allows in practice


class ZoneError(ValueError):
    """A zone file that cannot be read: the message names the file and the line."""


_Key = tuple[dns.name.Name, int]


def _strip_comment(line: str) -> str:
    out, quoted = [], False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        if ch == ";" and not quoted:
            break
        out.append(ch)
    return "".join(out)


def parse_zone(text: str, source: str = "<zone>") -> list[dns.rrset.RRset]:
    """RFC 1035 master file records: $ORIGIN, $TTL, relative and blank owners, ( ) continuation."""
    if len(text.encode()) > MAX_ZONE_BYTES:
        raise ZoneError(f"{source}: larger than {MAX_ZONE_BYTES} bytes")
    origin = dns.name.root
    default_ttl: int | None = None
    last_owner: dns.name.Name | None = None
    records: dict[_Key, dns.rrset.RRset] = {}
    logical: list[tuple[int, str]] = []
    pending, start, depth = "", 0, 0
    for number, raw in enumerate(text.splitlines(), 1):
        body = _strip_comment(raw)
        if depth == 0:
            pending, start = body, number
        else:
            pending += " " + body
        depth += body.count("(") - body.count(")")
        if depth <= 0:
            logical.append((start, pending.replace("(", " ").replace(")", " ")))
            depth = 0
    if depth > 0:
        raise ZoneError(f"{source}:{start}: unbalanced parentheses")
    for number, line in logical:
        if not line.strip():
            continue
        fields = line.split()
        try:
            if fields[0].upper() == "$ORIGIN":
                origin = dns.name.from_text(fields[1], dns.name.root)
                continue
            if fields[0].upper() == "$TTL":
                default_ttl = dns.ttl.from_text(fields[1])
                continue
            if line[0].isspace():
                if last_owner is None:
                    raise ZoneError(f"{source}:{number}: a record with no owner name")
                owner = last_owner
            else:
                owner = dns.name.from_text(fields.pop(0), origin)
            ttl, rdclass = None, dns.rdataclass.IN
            while fields and (fields[0].isdigit() or fields[0].upper() in ("IN", "CH", "HS")):
                token = fields.pop(0)
                if token.isdigit():
                    ttl = int(token)
                else:
                    rdclass = dns.rdataclass.from_text(token)
            rdtype = dns.rdatatype.from_text(fields.pop(0))
            rdata = dns.rdata.from_text(rdclass, rdtype, " ".join(fields), origin=origin, relativize=False)
        except ZoneError:
            raise
        except (dns.exception.DNSException, IndexError, ValueError) as err:
            raise ZoneError(f"{source}:{number}: {err or type(err).__name__}") from None
        if ttl is None:
            if rdtype == dns.rdatatype.SOA:
                ttl = default_ttl if default_ttl is not None else rdata.minimum  # type: ignore[attr-defined]
            elif default_ttl is None:
                raise ZoneError(f"{source}:{number}: no TTL and no $TTL before it")
            else:
                ttl = default_ttl
        last_owner = owner
        rrset = records.get((owner, rdtype))
        if rrset is None:
            rrset = records[(owner, rdtype)] = dns.rrset.RRset(owner, rdclass, rdtype)
        rrset.add(rdata, ttl)
    return list(records.values())


@dataclass(frozen=True)
class Answer:
    """A recursive resolver's reply: rcode and sections (no flags; the caller sets RA, clears AA)."""

    rcode: int
    answer: tuple[dns.rrset.RRset, ...] = ()
    authority: tuple[dns.rrset.RRset, ...] = ()


class OfflineUpstream:
    """Answers like a recursive resolver whose internet is the zone data it was given."""

    def __init__(self, rrsets: Iterable[dns.rrset.RRset], source: str = "<built-in>") -> None:
        self.source = source
        self._data: dict[_Key, dns.rrset.RRset] = {}
        self._names: set[dns.name.Name] = set()
        for rrset in rrsets:
            self._data[(rrset.name, rrset.rdtype)] = rrset
            name = rrset.name
            while True:  # every ancestor exists (empty non-terminals answer NODATA)
                self._names.add(name)
                if name == dns.name.root:
                    break
                name = name.parent()

    @classmethod
    def from_text(cls, text: str, source: str = "<zone>") -> OfflineUpstream:
        return cls(parse_zone(text, source), source)

    @classmethod
    def from_file(cls, path: str | Path) -> OfflineUpstream:
        path = Path(path)
        try:
            text = path.read_text()
        except OSError as err:
            raise ZoneError(f"{path}: {err.strerror or err}") from None
        return cls.from_text(text, str(path))

    @classmethod
    def default(cls) -> OfflineUpstream:
        """SVCLAB_DNS_UPSTREAM_ZONE's file when set, else the built-in zone."""
        path = os.environ.get(ENV_ZONE_FILE)
        if path:
            return cls.from_file(path)
        return cls.from_text(DEFAULT_ZONE, "<built-in>")

    def names(self) -> list[str]:
        """Every owner name with data, for documentation and tests."""
        return sorted({k[0].to_text() for k in self._data})

    def _soa_for(self, name: dns.name.Name) -> dns.rrset.RRset:
        """The SOA of the closest enclosing zone in the data, or the root's; TTL per RFC 2308 §5."""
        probe = name
        while True:
            soa = self._data.get((probe, dns.rdatatype.SOA))
            if soa is not None:
                ttl = min(soa.ttl, soa[0].minimum)  # type: ignore[attr-defined]
                out = dns.rrset.RRset(soa.name, soa.rdclass, soa.rdtype)
                out.update(soa)
                out.update_ttl(ttl)
                return out
            if probe == dns.name.root:
                break
            probe = probe.parent()
        return dns.rrset.from_text(dns.name.root, ROOT_SOA_TTL, "IN", "SOA", ROOT_SOA)

    def resolve(self, qname: dns.name.Name, qtype: int) -> Answer:
        """Follow CNAMEs (case-insensitively, as DNS names compare) and classify the result."""
        answer: list[dns.rrset.RRset] = []
        name = dns.name.from_text(qname.to_text().lower())
        owner = qname  # the first record keeps the case the client asked with
        for _ in range(MAX_CNAME_HOPS):
            if name not in self._names:
                return Answer(dns.rcode.NXDOMAIN, tuple(answer), (self._soa_for(name),))
            cname = self._data.get((name, dns.rdatatype.CNAME))
            if cname is not None and qtype not in (dns.rdatatype.CNAME, dns.rdatatype.ANY):
                answer.append(_renamed(cname, owner))
                name = owner = cname[0].target  # type: ignore[attr-defined]
                name = dns.name.from_text(name.to_text().lower())
                continue
            if qtype == dns.rdatatype.ANY:
                found = [rrset for (n, _t), rrset in self._data.items() if n == name]
            else:
                found = [self._data[(name, qtype)]] if (name, qtype) in self._data else []
            if not found:
                return Answer(dns.rcode.NOERROR, tuple(answer), (self._soa_for(name),))
            answer.extend(_renamed(rrset, owner) for rrset in found)
            return Answer(dns.rcode.NOERROR, tuple(answer))
        return Answer(dns.rcode.SERVFAIL, tuple(answer))

    def reply(self, query: dns.message.Message) -> dns.message.Message:
        """The whole reply message a recursive resolver sends (QR, RD copied, RA, no AA)."""
        q = query.question[0]
        found = self.resolve(q.name, q.rdtype)
        reply = dns.message.make_response(query)
        reply.flags &= ~dns.flags.AA
        reply.flags |= dns.flags.RA
        reply.set_rcode(found.rcode)
        reply.answer = list(found.answer)
        reply.authority = list(found.authority)
        return reply


def _renamed(rrset: dns.rrset.RRset, owner: dns.name.Name) -> dns.rrset.RRset:
    out = dns.rrset.RRset(owner, rrset.rdclass, rrset.rdtype)
    out.update(rrset)
    return out


