"""iptables rule text, both ways (wire format only).

kube-proxy writes its rules as ``iptables-restore`` input (``-m comment --comment "…" -m tcp -p tcp
-d 10.96.0.1 --dport 443 -j …``); the kernel keeps them as structures, and ``iptables-save`` prints
those back in its own canonical form. This module parses either text into a :class:`Rule` and
prints a rule the way ``iptables-save`` (iptables 1.8, as in kind's node image) prints it:

- ``-s``, ``-d`` (with their prefix length: ``10.96.0.1/32``), ``-i``, ``-o``, ``-p`` first, then
  each ``-m`` match with its options in the order the extension's save function prints them, then
  ``-j`` and the target's options;
- strings (comments) bare only when made of ``[A-Za-z0-9_-]``, else quoted (``xtables_save_string``);
- ``statistic --probability`` as the kernel stores it: a 32-bit fraction printed ``%.11f``
  (kube-proxy's ``0.3333333333`` comes back as ``0.33333333349``);
- ``MARK --or-mark 0x4000`` as ``--set-xmark 0x4000/0x4000``, ``--xor-mark 0x4000`` as
  ``--set-xmark 0x4000/0x0``; ``REJECT`` with its default ``--reject-with icmp-port-unreachable``;
  ``recent`` with its defaults (``--mask 255.255.255.255 --rsource``).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field

# Options that take no value (recent, MASQUERADE/SNAT/DNAT flags).
FLAGS = frozenset({"--set", "--rcheck", "--update", "--remove", "--reap", "--rttl", "--rsource", "--rdest",
                   "--random", "--random-fully", "--persistent"})
GENERIC = {"-s": "source", "--source": "source", "-d": "destination", "--destination": "destination",
           "-p": "protocol", "--protocol": "protocol", "-i": "in_interface", "--in-interface": "in_interface",
           "-o": "out_interface", "--out-interface": "out_interface"}
CT_STATES = ("INVALID", "NEW", "RELATED", "ESTABLISHED", "UNTRACKED", "SNAT", "DNAT")
SAFE_CHARS = frozenset("_-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


class RuleSyntaxError(ValueError):
    pass


@dataclass
class Option:
    name: str
    values: list[str] = field(default_factory=list)
    negated: bool = False

    @property
    def value(self) -> str:
        return self.values[0] if self.values else ""


@dataclass
class Match:
    module: str
    options: list[Option] = field(default_factory=list)

    def get(self, name: str) -> Option | None:
        return next((o for o in self.options if o.name == name), None)


@dataclass
class Rule:
    chain: str
    source: tuple[bool, str] | None = None
    destination: tuple[bool, str] | None = None
    protocol: tuple[bool, str] | None = None
    in_interface: tuple[bool, str] | None = None
    out_interface: tuple[bool, str] | None = None
    matches: list[Match] = field(default_factory=list)
    target: str = ""
    target_options: list[Option] = field(default_factory=list)
    goto: bool = False

    def match(self, module: str) -> Match | None:
        return next((m for m in self.matches if m.module == module), None)

    @property
    def comment(self) -> str:
        found = self.match("comment")
        return found.get("--comment").value if found and found.get("--comment") else ""  # type: ignore[union-attr]

    def target_option(self, name: str) -> str:
        return next((o.value for o in self.target_options if o.name == name), "")

    def save(self) -> str:
        """The rule as ``iptables-save`` prints it."""
        words = ["-A", self.chain]
        for flag, value in (("-s", self.source), ("-d", self.destination), ("-i", self.in_interface),
                            ("-o", self.out_interface), ("-p", self.protocol)):
            if value is None:
                continue
            negated, text = value
            if flag in ("-s", "-d"):
                text = _address(text)
            words += (["!"] if negated else []) + [flag, text]
        for match in self.matches:
            words += ["-m", match.module, *_save_match(match)]
        if self.target:
            words += ["-g" if self.goto else "-j", self.target, *_save_target(self.target, self.target_options)]
        return " ".join(words)

    def summary(self) -> str:
        """Everything but the chain, comment and target: what the rule matches on."""
        words: list[str] = []
        for flag, value in (("-s", self.source), ("-d", self.destination), ("-p", self.protocol)):
            if value is not None:
                words += (["!"] if value[0] else []) + [flag, _address(value[1]) if flag != "-p" else value[1]]
        for match in self.matches:
            if match.module != "comment":
                words += ["-m", match.module, *_save_match(match)]
        return " ".join(words)


def _address(text: str) -> str:
    try:
        return str(ipaddress.ip_network(text, strict=False))
    except ValueError:
        return text


def save_string(value: str) -> str:
    """``xtables_save_string``."""
    if value and all(c in SAFE_CHARS for c in value):
        return value
    escaped = "".join("\\" + c if c in "\"\\'" else c for c in value)
    return f'"{escaped}"'


_TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"(?=\s|$)|([^\s"]+)|(\S)')
_ESCAPE = re.compile(r"\\(.)")


def tokens(line: str) -> list[str]:
    """Words of a rule line: bare words, or ``"..."`` with backslash escapes (both programs' quoting)."""
    words = []
    for quoted, bare, stray in _TOKEN.findall(line):
        if stray:
            raise RuleSyntaxError(f"cannot split rule {line!r}: unbalanced quote")
        words.append(_ESCAPE.sub(r"\1", quoted) if bare == "" else bare)
    return words


def parse_rule(line: str) -> Rule:
    """A ``-A CHAIN …`` line, in kube-proxy's or in iptables-save's form."""
    words = tokens(line)
    if len(words) < 2 or words[0] not in ("-A", "--append"):
        raise RuleSyntaxError(f"not an -A rule: {line!r}")
    rule = Rule(words[1])
    negate = False
    current: Match | None = None
    in_target = False
    i = 2
    while i < len(words):
        word = words[i]
        if word == "!":
            negate = True
            i += 1
            continue
        if word in GENERIC and not in_target:
            if i + 1 >= len(words):
                raise RuleSyntaxError(f"{word} needs a value in {line!r}")
            setattr(rule, GENERIC[word], (negate, words[i + 1]))
            negate = False
            i += 2
            continue
        if word in ("-m", "--match"):
            current = Match(words[i + 1])
            rule.matches.append(current)
            i += 2
            continue
        if word in ("-j", "--jump", "-g", "--goto"):
            rule.target = words[i + 1]
            rule.goto = word in ("-g", "--goto")
            in_target = True
            i += 2
            continue
        if word.startswith("-"):
            values: list[str] = []
            if word not in FLAGS:
                if i + 1 >= len(words):
                    raise RuleSyntaxError(f"{word} needs a value in {line!r}")
                values = [words[i + 1]]
            option = Option(word, values, negate)
            negate = False
            if in_target:
                rule.target_options.append(option)
            elif current is not None:
                current.options.append(option)
            else:
                raise RuleSyntaxError(f"{word} outside any match in {line!r}")
            i += 1 + len(values)
            continue
        raise RuleSyntaxError(f"unexpected {word!r} in {line!r}")
    return rule


def _neg(option: Option) -> list[str]:
    return ["!"] if option.negated else []


def _save_match(match: Match) -> list[str]:
    module, opts = match.module, match.options
    out: list[str] = []
    if module == "comment":
        for o in opts:
            out += ["--comment", save_string(o.value)]
        return out
    if module in ("tcp", "udp", "sctp"):
        for name in ("--sport", "--source-port", "--dport", "--destination-port"):
            for o in opts:
                if o.name == name:
                    out += _neg(o) + [{"--source-port": "--sport", "--destination-port": "--dport"}.get(name, name), o.value]
        return out + [w for o in opts if o.name not in ("--sport", "--source-port", "--dport", "--destination-port")
                      for w in _neg(o) + [o.name, *o.values]]
    if module == "statistic":
        mode = match.get("--mode")
        out += ["--mode", mode.value if mode else "random"]
        prob = match.get("--probability")
        if prob is not None:
            stored = round(0x80000000 * float(prob.value))
            out += _neg(prob) + ["--probability", f"{stored / 0x80000000:.11f}"]
        for o in opts:
            if o.name in ("--every", "--packet"):
                out += _neg(o) + [o.name, o.value]
        return out
    if module == "recent":
        names = {o.name for o in opts}
        for flag in ("--set", "--rcheck", "--update", "--remove"):
            if flag in names:
                out += _neg(next(o for o in opts if o.name == flag)) + [flag]
        for name in ("--seconds", "--reap", "--hitcount", "--rttl", "--name"):
            for o in opts:
                if o.name == name:
                    out += [o.name, *o.values]
        out += ["--mask", match.get("--mask").value if match.get("--mask") else "255.255.255.255"]  # type: ignore[union-attr]
        out += ["--rdest" if "--rdest" in names else "--rsource"]
        return out
    if module == "mark":
        for o in opts:
            out += _neg(o) + ["--mark", _mark(o.value)]
        return out
    if module == "conntrack":
        for o in opts:
            if o.name == "--ctstate":
                states = [s for s in CT_STATES if s in o.value.split(",")]
                out += _neg(o) + ["--ctstate", ",".join(states)]
            else:
                out += _neg(o) + [o.name, *o.values]
        return out
    if module == "addrtype":
        for name in ("--src-type", "--dst-type"):
            for o in opts:
                if o.name == name:
                    out += _neg(o) + [name, o.value]
        return out
    for o in opts:
        out += _neg(o) + [o.name, *o.values]
    return out


def _mark(value: str) -> str:
    mark, _, mask = value.partition("/")
    m = int(mark, 0)
    k = int(mask, 0) if mask else 0xFFFFFFFF
    return f"{m:#x}" if k == 0xFFFFFFFF else f"{m:#x}/{k:#x}"


def _save_target(target: str, opts: list[Option]) -> list[str]:
    if target == "MARK":
        out: list[str] = []
        for o in opts:
            bits = int(o.value.partition("/")[0], 0)
            if o.name == "--or-mark":
                out += ["--set-xmark", f"{bits:#x}/{bits:#x}"]
            elif o.name == "--xor-mark":
                out += ["--set-xmark", f"{bits:#x}/0x0"]
            elif o.name == "--and-mark":
                out += ["--set-xmark", f"0x0/{(~bits) & 0xFFFFFFFF:#x}"]
            elif o.name in ("--set-mark", "--set-xmark"):
                mark, _, mask = o.value.partition("/")
                m = int(mark, 0)
                k = int(mask, 0) if mask else 0xFFFFFFFF
                out += ["--set-xmark", f"{m:#x}/{k:#x}"]
        return out
    if target == "REJECT" and not opts:
        return ["--reject-with", "icmp-port-unreachable"]
    return [w for o in opts for w in [o.name, *o.values]]
