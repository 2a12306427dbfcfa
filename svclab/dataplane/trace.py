"""A new TCP/UDP connection walked through a node's rules, as netfilter walks it (behaviour).

The walk follows ``nat PREROUTING`` (jumps, RETURN, MARK, DNAT), then the filter chain the packet
takes after DNAT (``INPUT`` when the destination is still the node, else ``FORWARD``). Matches it
evaluates: addresses and protocol, tcp/udp/sctp ports, ``addrtype`` LOCAL, ``mark``, ``conntrack``
for a new connection (``NEW``, plus ``DNAT`` once DNAT happened), ``statistic --mode random`` (a draw
against the probability the kernel stored), ``recent`` (per-list source addresses with their last
time: ``--set``, ``--rcheck --seconds --reap``, as ``xt_recent``); comments and counters always match.
Like kube-proxy's own packet tracer in ``proxier_test.go``, it models one connection's first packet.
"""

from __future__ import annotations

import ipaddress
import random
from dataclasses import dataclass, field
from typing import Callable

from svclab.dataplane.ruleset import Ruleset
from svclab.dataplane.saveformat import Match, Rule

MASQUERADE_MARK = 0x4000
MAX_DEPTH = 32


@dataclass
class Verdict:
    """``dnat``: sent to ``destination``; ``reject``/``drop``: the filter table said so; ``local``: no
    rule took it, so it reaches the node's own port. ``masquerade``: KUBE-MARK-MASQ marked it, so
    POSTROUTING rewrites its source to the node's address."""

    kind: str
    destination: tuple[str, int] | None = None
    masquerade: bool = False
    matched: list[str] = field(default_factory=list)


@dataclass
class _Packet:
    source: str
    protocol: str
    destination: str
    port: int
    local_ips: frozenset[str]
    mark: int = 0
    dnat: tuple[str, int] | None = None
    matched: list[str] = field(default_factory=list)


def _in(address: str, network: str) -> bool:
    try:
        return ipaddress.ip_address(address) in ipaddress.ip_network(network, strict=False)
    except ValueError:
        return False


def _is_local(address: str, local_ips: frozenset[str]) -> bool:
    return address in local_ips or _in(address, "127.0.0.0/8")


class Tracer:
    """Keeps the ``recent`` lists between connections (the kernel's /proc/net/xt_recent)."""

    def __init__(self, rng: random.Random, now: Callable[[], float]) -> None:
        self.rng = rng
        self.now = now
        self.recent: dict[str, dict[str, float]] = {}

    def trace(self, ruleset: Ruleset, source: str, protocol: str, destination: str, port: int, local_ips: set[str]) -> Verdict:
        packet = _Packet(source, protocol.lower(), destination, port, frozenset(local_ips))
        outcome = self._run(ruleset, "nat", "PREROUTING", packet, 0)
        if outcome == "DNAT" and packet.dnat:
            packet.destination, packet.port = packet.dnat
        hook = "INPUT" if _is_local(packet.destination, packet.local_ips) else "FORWARD"
        verdict = self._run(ruleset, "filter", hook, packet, 0)
        masq = bool(packet.mark & MASQUERADE_MARK)
        if verdict in ("REJECT", "DROP"):
            return Verdict(verdict.lower(), None, masq, packet.matched)
        if packet.dnat:
            return Verdict("dnat", packet.dnat, masq, packet.matched)
        return Verdict("local", None, masq, packet.matched)

    def _run(self, ruleset: Ruleset, table: str, chain: str, packet: _Packet, depth: int) -> str:
        """The terminal target the chain reached ("" when it fell through or returned)."""
        found = ruleset.tables.get(table)
        if found is None or chain not in found.chains or depth > MAX_DEPTH:
            return ""
        for rule in found.chains[chain].rules:
            if not self._matches(rule, packet):
                continue
            packet.matched.append(rule.save())
            target = rule.target
            if not target:
                continue
            if target == "RETURN":
                return ""
            if target == "MARK":
                self._mark(rule, packet)
                continue
            if target in ("ACCEPT", "DROP", "REJECT"):
                return target
            if target == "DNAT":
                host, _, port = rule.target_option("--to-destination").rpartition(":")
                packet.dnat = (host, int(port) if port else packet.port)
                return "DNAT"
            if target in ("MASQUERADE", "SNAT", "LOG"):
                continue
            outcome = self._run(ruleset, table, target, packet, depth + 1)
            if outcome:
                return outcome
        return ""

    @staticmethod
    def _mark(rule: Rule, packet: _Packet) -> None:
        for option in rule.target_options:
            value, _, mask = option.value.partition("/")
            bits = int(value, 0)
            if option.name == "--or-mark":
                packet.mark |= bits
            elif option.name == "--xor-mark":
                packet.mark ^= bits
            elif option.name == "--set-xmark":
                packet.mark = (packet.mark & ~int(mask or "0xffffffff", 0)) ^ bits

    def _matches(self, rule: Rule, packet: _Packet) -> bool:
        for field_value, actual in ((rule.source, packet.source), (rule.destination, packet.destination)):
            if field_value is not None and _in(actual, field_value[1]) == field_value[0]:
                return False
        if rule.protocol is not None and (rule.protocol[1].lower() == packet.protocol) == rule.protocol[0]:
            return False
        return all(self._match(match, packet) for match in rule.matches)

    def _match(self, match: Match, packet: _Packet) -> bool:
        module = match.module
        if module in ("tcp", "udp", "sctp"):
            if module != packet.protocol:
                return False
            for option in match.options:
                if option.name in ("--dport", "--destination-port"):
                    low, _, high = option.value.partition(":")
                    inside = int(low) <= packet.port <= int(high or low)
                    if inside == option.negated:
                        return False
            return True
        if module == "addrtype":
            for option in match.options:
                address = packet.source if option.name == "--src-type" else packet.destination
                is_local = _is_local(address, packet.local_ips)
                wanted = option.value == "LOCAL"
                if (is_local == wanted) == option.negated:
                    return False
            return True
        if module == "mark":
            for option in match.options:
                value, _, mask = option.value.partition("/")
                equal = (packet.mark & int(mask or "0xffffffff", 0)) == int(value, 0)
                if equal == option.negated:
                    return False
            return True
        if module == "conntrack":
            states = {"NEW"} | ({"DNAT"} if packet.dnat else set())
            for option in match.options:
                if option.name == "--ctstate":
                    hit = bool(states & set(option.value.split(",")))
                    if hit == option.negated:
                        return False
            return True
        if module == "statistic":
            prob = match.get("--probability")
            if prob is None:
                return True
            stored = round(0x80000000 * float(prob.value))
            return (self.rng.getrandbits(31) < stored) != prob.negated
        if module == "recent":
            return self._recent(match, packet)
        return True  # comment, nfacct, and what the walk does not model

    def _recent(self, match: Match, packet: _Packet) -> bool:
        name = match.get("--name").value if match.get("--name") else "DEFAULT"  # type: ignore[union-attr]
        table = self.recent.setdefault(name, {})
        now = self.now()
        if match.get("--set") is not None:
            table[packet.source] = now
            return True
        seconds = match.get("--seconds")
        if match.get("--reap") is not None and seconds is not None:
            for address, seen in list(table.items()):
                if now - seen > float(seconds.value):
                    del table[address]
        seen = table.get(packet.source)
        if seen is None:
            return False
        if seconds is not None and now - seen > float(seconds.value):
            return False
        if match.get("--update") is not None:
            table[packet.source] = now
        return True
