"""A node's iptables tables as chains of parsed rules: read from ``iptables-save`` output (kind) or
built from kube-proxy's restore input (embedded), printed as ``iptables-save`` prints them, and cut
down to the rules one Service's traffic can meet."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from svclab.dataplane import names, saveformat
from svclab.dataplane.proxier import Restore
from svclab.dataplane.saveformat import Rule

BUILTIN_CHAINS = {
    "filter": ("INPUT", "FORWARD", "OUTPUT"),
    "nat": ("PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"),
    "mangle": ("PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"),
    "raw": ("PREROUTING", "OUTPUT"),
}
TARGETS = frozenset({"ACCEPT", "DROP", "REJECT", "RETURN", "MARK", "DNAT", "SNAT", "MASQUERADE", "LOG", "CT", "NOTRACK", "CONNMARK"})


@dataclass
class Chain:
    name: str
    policy: str = "-"
    rules: list[Rule] = field(default_factory=list)
    raw: list[str] = field(default_factory=list)  # the rule lines as read (kind), else empty


@dataclass
class Table:
    name: str
    chains: dict[str, Chain] = field(default_factory=dict)

    def chain(self, name: str) -> Chain:
        if name not in self.chains:
            builtin = name in BUILTIN_CHAINS.get(self.name, ())
            self.chains[name] = Chain(name, "ACCEPT" if builtin else "-")
        return self.chains[name]

    def ordered(self) -> list[Chain]:
        """iptables-save's order: built-in chains first, then user chains by name."""
        builtins = [self.chains[c] for c in BUILTIN_CHAINS.get(self.name, ()) if c in self.chains]
        users = sorted((c for c in self.chains.values() if c.name not in BUILTIN_CHAINS.get(self.name, ())), key=lambda c: c.name)
        return builtins + users


@dataclass
class Ruleset:
    tables: dict[str, Table] = field(default_factory=dict)
    verbatim: bool = False  # True when read from a real iptables-save (print the lines as read)

    def table(self, name: str) -> Table:
        return self.tables.setdefault(name, Table(name))

    def save_text(self, tables: tuple[str, ...] | None = None) -> str:
        lines: list[str] = []
        for name in tables or tuple(self.tables):
            table = self.tables.get(name)
            if table is None:
                continue
            chains = table.ordered()
            lines.append(f"*{name}")
            lines += [f":{c.name} {c.policy} [0:0]" for c in chains]
            for chain in chains:
                if self.verbatim and chain.raw:
                    lines += chain.raw
                else:
                    lines += [rule.save() for rule in chain.rules]
            lines.append("COMMIT")
        return "\n".join(lines) + "\n"

    def rules(self, table: str) -> list[Rule]:
        found = self.tables.get(table)
        return [rule for chain in found.ordered() for rule in chain.rules] if found else []


def from_restore(restore: Restore, jumps: dict[str, dict[str, list[str]]]) -> Ruleset:
    """The tables as ``iptables-save`` would show them after kube-proxy's sync on a fresh node."""
    ruleset = Ruleset()
    for name, chain_lines, rule_lines in (("filter", restore.filter_chains, restore.filter_rules), ("nat", restore.nat_chains, restore.nat_rules)):
        table = ruleset.table(name)
        for builtin in BUILTIN_CHAINS[name]:
            table.chain(builtin)
        for builtin, lines in jumps.get(name, {}).items():
            for line in lines:
                table.chain(builtin).rules.append(saveformat.parse_rule(line))
        for line in chain_lines:
            table.chain(line[1:].split(" ", 1)[0])
        for line in rule_lines:
            rule = saveformat.parse_rule(line)
            table.chain(rule.chain).rules.append(rule)
        for chain in list(table.chains.values()):
            for rule in chain.rules:
                if rule.target and rule.target not in TARGETS:
                    table.chain(rule.target)
    return ruleset


class DumpError(ValueError):
    pass


def parse_save(text: str) -> Ruleset:
    """``iptables-save`` output (one or more tables) as a Ruleset; comment lines are skipped."""
    ruleset = Ruleset(verbatim=True)
    table: Table | None = None
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("*"):
            table = ruleset.table(line[1:])
        elif line == "COMMIT":
            table = None
        elif table is None:
            raise DumpError(f"line {number}: {line!r} outside a table")
        elif line.startswith(":"):
            parts = line[1:].split()
            table.chain(parts[0]).policy = parts[1] if len(parts) > 1 else "-"
        elif line.startswith("-A "):
            try:
                rule = saveformat.parse_rule(line)
            except saveformat.RuleSyntaxError as exc:
                raise DumpError(f"line {number}: {exc}") from exc
            chain = table.chain(rule.chain)
            chain.rules.append(rule)
            chain.raw.append(line)
        else:
            raise DumpError(f"line {number}: unexpected {line!r}")
    return ruleset


def mentions(comment: str, service: str) -> bool:
    """Does a kube-proxy comment name this Service (``ns/name``), for any of its ports?"""
    return re.search(rf"(^|\s){re.escape(service)}(:\S+)?(\s|$)", comment) is not None


def for_service(ruleset: Ruleset, service: str) -> Ruleset:
    """Only the rules one Service's traffic meets: the rules that name it, every chain they lead to,
    the rules that lead into those (built-in chains → KUBE-SERVICES → KUBE-NODEPORTS), and the
    masquerade path (KUBE-MARK-MASQ, KUBE-POSTROUTING) when its rules mark packets."""
    cut = Ruleset(verbatim=ruleset.verbatim)
    for name, table in ruleset.tables.items():
        keep: dict[str, list[int]] = {}
        reached: set[str] = set()
        for chain in table.chains.values():
            for index, rule in enumerate(chain.rules):
                if mentions(rule.comment, service):
                    keep.setdefault(chain.name, []).append(index)
                    if rule.target in table.chains:
                        reached.add(rule.target)
        queue = list(reached)
        while queue:
            current = queue.pop()
            chain = table.chains.get(current)
            if chain is None:
                continue
            keep[current] = list(range(len(chain.rules)))
            for rule in chain.rules:
                if rule.target in table.chains and rule.target not in reached:
                    reached.add(rule.target)
                    queue.append(rule.target)
        if "KUBE-MARK-MASQ" in reached and "KUBE-POSTROUTING" in table.chains:
            keep["KUBE-POSTROUTING"] = list(range(len(table.chains["KUBE-POSTROUTING"].rules)))
            reached.add("KUBE-POSTROUTING")
        # the jumps that lead into what is kept, up to the built-in chains
        changed = True
        while changed:
            changed = False
            for chain in table.chains.values():
                if names.is_service_chain(chain.name):
                    continue  # another Service's chains (they jump to KUBE-MARK-MASQ too)
                for index, rule in enumerate(chain.rules):
                    if rule.target in keep and rule.target != "KUBE-MARK-MASQ" and index not in keep.get(chain.name, []):
                        keep.setdefault(chain.name, []).append(index)
                        changed = True
        if not keep:
            continue
        out = cut.table(name)
        for chain in table.ordered():
            if chain.name not in keep:
                continue
            indexes = sorted(set(keep[chain.name]))
            kept = out.chain(chain.name)
            kept.policy = chain.policy
            kept.rules = [chain.rules[i] for i in indexes]
            kept.raw = [chain.raw[i] for i in indexes] if chain.raw else []
    return cut


def jump_frame(ruleset: Ruleset, table: str = "nat") -> Any:
    """A pandas view of the rules, chain by chain in the order a packet meets them (a walk from the
    built-in chains): chain, rule number, what it matches, where it jumps, the comment."""
    import pandas as pd

    found = ruleset.tables.get(table)
    rows: list[dict[str, Any]] = []
    if found is not None:
        seen: set[str] = set()
        order: list[str] = []

        def visit(name: str) -> None:
            if name in seen or name not in found.chains:
                return
            seen.add(name)
            order.append(name)
            for rule in found.chains[name].rules:
                visit(rule.target)

        for chain in found.ordered():
            if chain.rules:
                visit(chain.name)
        for name in order:
            for number, rule in enumerate(found.chains[name].rules, 1):
                target = " ".join([rule.target, *saveformat._save_target(rule.target, rule.target_options)]).strip()
                prob = rule.match("statistic")
                rows.append({
                    "chain": name,
                    "#": number,
                    "matches": rule.summary(),
                    "jump": target,
                    "probability": float(saveformat._save_match(prob)[3]) if prob and prob.get("--probability") else None,
                    "comment": rule.comment,
                })
    return pd.DataFrame(rows, columns=["chain", "#", "matches", "jump", "probability", "comment"])
