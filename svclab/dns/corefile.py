"""From Corefile text to a `Config`, with CoreDNS v1.13.1's checks and error texts.

The steps of `caddy.ValidateAndExecuteDirectives` for the dns server type:
1. caddyfile.Parse with the directives compiled into CoreDNS (core/dnsserver/zdirectives.go);
2. InspectServerBlocks: each key `[transport://]zone[:port]`, a CIDR expanded to its reverse
   zones (plugin/normalize.go SplitHostPort, plugin/pkg/cidr);
3. each directive's setup, in plugin order, with the same argument checks and messages as the
   plugin's setup.go (errors are wrapped `plugin/NAME: ...`, as plugin.Error does);
4. validateZonesAndListeningAddresses: a zone served twice on one port is an error.

svclab follows kubernetes, forward, cache, loadbalance and reload. Plugins that change no answer
are checked and otherwise have no effect (`NO_ANSWER_EFFECT`). A plugin CoreDNS has but svclab does
not model changes answers in a way the emulator would silently get wrong (hosts, rewrite,
template, file, ...), so such a Corefile is refused with a message that says so (`Unmodelled`),
and the running configuration stays, as it does after any failed reload.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from typing import Callable

from svclab.dns import caddyfile
from svclab.dns.caddyfile import CaddyfileError, Dispenser, ServerBlock, Token
from svclab.dns.config import (
    POD_MODE_DISABLED,
    POD_MODE_INSECURE,
    POD_MODE_VERIFIED,
    CacheConfig,
    Config,
    Fall,
    ForwardConfig,
    KubernetesConfig,
    ReloadConfig,
    ServerConfig,
)
from svclab.dns.kindcorefile import KIND_COREFILE, KIND_COREFILE_TEMPLATE, kind_corefile  # noqa: F401 - kind's Corefile, also named from here
from svclab.dns.util import GoError, atoi, parse_duration
from svclab.state.selectors import SelectorError, parse_label_selector

# core/dnsserver/zdirectives.go (v1.13.1): every plugin compiled in, in chain order.
DIRECTIVES: tuple[str, ...] = (
    "root", "metadata", "geoip", "cancel", "tls", "quic", "timeouts", "multisocket", "reload", "nsid",
    "bufsize", "bind", "debug", "trace", "ready", "health", "pprof", "prometheus", "errors", "log",
    "dnstap", "local", "dns64", "acl", "any", "chaos", "loadbalance", "tsig", "cache", "rewrite",
    "header", "dnssec", "autopath", "minimal", "template", "transfer", "hosts", "route53", "azure",
    "clouddns", "k8s_external", "kubernetes", "file", "auto", "secondary", "etcd", "loop", "forward",
    "grpc", "erratic", "whoami", "on", "sign", "view", "nomad",
)
VALID_DIRECTIVES = frozenset(DIRECTIVES)
MODELLED = frozenset({"kubernetes", "forward", "cache", "loadbalance", "reload"})
# Plugins whose effect is outside the answers a client sees (logs, metrics, probes, timing).
NO_ANSWER_EFFECT = frozenset({
    "errors", "health", "ready", "prometheus", "loop", "log", "debug", "pprof", "trace", "metadata",
    "cancel", "timeouts", "bufsize", "bind", "root", "dnstap", "multisocket",
})
ERR_ONCE = "this plugin can only be used once per Server Block"
DNS_PORT = "53"
TRANSPORTS = ("tls", "dns", "quic", "grpc", "https", "unix")


class Unmodelled(CaddyfileError):
    """A valid Corefile that uses what svclab does not model; the running configuration stays."""


class Controller(Dispenser):
    """caddy.Controller: one directive's tokens, plus the server block's keys."""

    def __init__(self, tokens: list[Token], keys: list[str]) -> None:
        super().__init__(caddyfile.COREFILE_PATH, tokens)
        self.server_block_keys = keys

    def errf(self, msg: str) -> CaddyfileError:
        return self.err(msg)


def _plugin_error(name: str, err: Exception | str) -> CaddyfileError:
    """plugin.Error."""
    return CaddyfileError(f"plugin/{name}: {err}")


# ---- zones (plugin/normalize.go, plugin/pkg/parse, plugin/pkg/cidr) --------------------------------
def transport(s: str) -> tuple[str, str]:
    """parse.Transport: the scheme (dns when absent) and the rest."""
    for scheme in TRANSPORTS:
        prefix = scheme + "://"
        if s.startswith(prefix):
            return scheme, s[len(prefix):]
    return "dns", s


def _is_domain_name(s: str) -> bool:
    """dns.IsDomainName, near enough: every label 1..63 octets, the name at most 255."""
    if s in (".", ""):
        return s == "."
    labels = s.rstrip(".").split(".")
    return all(0 < len(label.encode()) <= 63 for label in labels) and len(s.encode()) <= 255


def _reverse_zones(network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> list[str]:
    """cidr.Split then cidr.Reverse: the reverse zones on label boundaries that cover network."""
    boundary = 8 if network.version == 4 else 4
    bits = network.max_prefixlen
    ones = network.prefixlen
    if ones % boundary:
        new = -(-ones // boundary) * boundary
        nets = list(network.subnets(new_prefix=new))
    else:
        nets = [network]
    zones: list[str] = []
    for net in nets:
        labels = net.network_address.reverse_pointer.split(".")
        skip = (bits - net.prefixlen) // boundary
        zones.append(".".join(labels[skip:]) + ".")
    return zones


def split_host_port(s: str) -> tuple[list[str], str]:
    """plugin.SplitHostPort: the zone(s) (a CIDR gives its reverse zones) and the port."""
    port = ""
    colon = s.rfind(":")
    if colon == len(s) - 1 and s:
        raise GoError(f'expecting data after last colon: "{s}"')
    if colon != -1:
        try:
            port = str(int(s[colon + 1 :]))
            s = s[:colon]
        except ValueError:
            pass
    if len(s) > 255:
        raise GoError(f"specified zone is too long: {len(s)} > 255")
    if not _is_domain_name(s):
        raise GoError(f"zone is not a valid domain name: {s}")
    if "/" not in s:
        return [s], port
    try:
        network = ipaddress.ip_network(s, strict=False)
    except ValueError:
        return [s], port
    if s[0] == ":" or (s[0] == "0" and ":" in s):
        raise GoError(f"invalid CIDR {s}")
    return _reverse_zones(network), port


def normalize_name(name: str) -> str:
    """plugin.Name.Normalize: lower case, fully qualified."""
    return (name if name.endswith(".") else name + ".").lower()


def normalize_exact(host: str) -> list[str]:
    """plugin.Host.NormalizeExact ([] when the host does not parse)."""
    _t, rest = transport(host)
    try:
        hosts, _port = split_host_port(rest)
    except GoError:
        return []
    return [normalize_name(h) for h in hosts]


def origins(args: list[str], keys: list[str]) -> list[str]:
    """plugin.OriginsFromArgsOrServerBlock."""
    if not args:
        out = []
        for key in keys:
            zones = normalize_exact(key)
            out.append(zones[0] if zones else key)
        return out
    found: list[str] = []
    for arg in args:
        found.extend(normalize_exact(arg))
    return found


def _inspect(blocks: list[ServerBlock]) -> list[list[tuple[str, str, str]]]:
    """InspectServerBlocks: each block's (transport, zone, port) list, keys rewritten to dns://zone:port."""
    out: list[list[tuple[str, str, str]]] = []
    for block in blocks:
        addrs: list[tuple[str, str, str]] = []
        new_keys: list[str] = []
        for key in block.keys:
            trans, rest = transport(key)
            try:
                hosts, port = split_host_port(rest)
                for h in hosts:
                    split_host_port(h if h.endswith(".") else h + ".")
            except GoError as err:
                raise CaddyfileError(str(err)) from None
            port = port or {"dns": "53", "tls": "853", "quic": "853", "grpc": "443", "https": "443"}.get(trans, port)
            for h in hosts:
                zone = h if h.endswith(".") else h + "."
                addrs.append((trans, zone, port))
                new_keys.append(f"{trans}://{zone}:{port}")
        block.keys = new_keys
        out.append(addrs)
    return out


# ---- the plugins svclab follows ---------------------------------------------------------------------
def _kubernetes(c: Controller) -> KubernetesConfig:
    """kubernetesParse / ParseStanza."""
    found: KubernetesConfig | None = None
    i = 0
    while c.next():
        if i > 0:
            raise CaddyfileError(ERR_ONCE)
        i += 1
        found = _kubernetes_stanza(c)
    assert found is not None
    return found


def _kubernetes_stanza(c: Controller) -> KubernetesConfig:
    zones = origins(c.remaining_args(), c.server_block_keys)
    primary = next((n for n, z in enumerate(zones) if not _is_reverse(z)), -1)
    if primary == -1:
        raise CaddyfileError("non-reverse zone name must be used")
    opts: dict[str, object] = {}
    namespaces: set[str] = set()
    while c.next_block():
        option = c.val()
        if option == "endpoint_pod_names":
            if c.remaining_args():
                raise c.arg_err()
            opts["endpoint_pod_names"] = True
        elif option == "pods":
            args = c.remaining_args()
            if len(args) != 1:
                raise c.arg_err()
            if args[0] not in (POD_MODE_DISABLED, POD_MODE_INSECURE, POD_MODE_VERIFIED):
                raise CaddyfileError(
                    f"wrong value for pods: {args[0]},  must be one of: disabled, verified, insecure"
                )
            opts["pod_mode"] = args[0]
        elif option == "namespaces":
            args = c.remaining_args()
            if not args:
                raise c.arg_err()
            namespaces.update(args)
        elif option == "endpoint":
            if not c.remaining_args():
                raise c.arg_err()
        elif option == "tls":
            if len(c.remaining_args()) != 3:
                raise c.arg_err()
        elif option in ("labels", "namespace_labels"):
            args = c.remaining_args()
            if not args:
                raise c.arg_err()
            text = " ".join(args)
            try:
                requirements = tuple(parse_label_selector(text))
            except SelectorError as err:
                what = "label" if option == "labels" else "namespace_label"
                raise CaddyfileError(f"unable to parse {what} selector value: '{text}': {err}") from None
            opts["label_selector" if option == "labels" else "namespace_label_selector"] = requirements
        elif option == "fallthrough":
            args = c.remaining_args()
            opts["fall"] = Fall(tuple(normalize_name(z) for z in args) if args else (".",))
        elif option == "ttl":
            args = c.remaining_args()
            if not args:
                raise c.arg_err()
            ttl = atoi(args[0])
            if ttl < 0 or ttl > 3600:
                raise c.err(f"ttl must be in range [0, 3600]: {ttl}")
            opts["ttl"] = ttl
        elif option == "noendpoints":
            if c.remaining_args():
                raise c.arg_err()
            opts["no_endpoints"] = True
        elif option == "ignore":
            args = c.remaining_args()
            if args:
                if args[0] != "empty_service":
                    raise CaddyfileError(f"unable to parse ignore value: '{args[0]}'")
                opts["ignore_empty_service"] = True
        elif option == "kubeconfig":
            if len(c.remaining_args()) not in (1, 2):
                raise c.arg_err()
        elif option == "multicluster":
            multicluster = origins(c.remaining_args(), [])
            for mz in multicluster:
                if mz not in zones:
                    raise c.err(f"is not authoritative for the multicluster zone {mz}")
            if multicluster:
                raise Unmodelled("svclab: plugin/kubernetes: multicluster is not modelled by the embedded cluster")
        elif option == "startup_timeout":
            args = c.remaining_args()
            if not args:
                raise c.arg_err()
            try:
                parse_duration(args[0])
            except GoError as err:
                raise CaddyfileError(f"failed to parse startup_timeout: {args[0]}, {err}") from None
        else:
            raise c.err(f"unknown property '{option}'")
    if namespaces and "namespace_label_selector" in opts:
        raise c.err("namespaces and namespace_labels cannot both be set")
    return KubernetesConfig(zones=tuple(zones), primary_zone_index=primary, namespaces=frozenset(namespaces), **opts)  # type: ignore[arg-type]


def _is_reverse(zone: str) -> bool:
    return zone.endswith(".in-addr.arpa.") or zone.endswith(".ip6.arpa.") or zone in ("in-addr.arpa.", "ip6.arpa.")


def _forward(c: Controller) -> ForwardConfig:
    """parseForward / parseStanza / parseBlock."""
    found: ForwardConfig | None = None
    while c.next():
        if not c.next_arg():
            raise c.arg_err()
        origin = c.val()
        zones = normalize_exact(origin)
        if not zones:
            raise CaddyfileError(f"unable to normalize '{origin}'")
        to = c.remaining_args()
        if not to:
            raise c.arg_err()
        for host in to:
            _forward_destination(host)
        ignored: list[str] = []
        while c.next_block():
            ignored.extend(_forward_option(c))
        found = ForwardConfig(from_zone=zones[0], to=tuple(to), ignored=tuple(ignored))
    assert found is not None
    return found


def _forward_destination(host: str) -> None:
    """parse.HostPortOrFile for one destination (the only file in the CoreDNS pod is /etc/resolv.conf)."""
    trans, rest = transport(host)
    if not rest:
        raise CaddyfileError(f'invalid address: "{host}"')
    if trans not in ("dns", "tls"):
        raise CaddyfileError(f"'{trans}' is not supported as a destination protocol in forward: {host}")
    addr = rest
    if rest.startswith("[") and "]" in rest:
        addr = rest[1 : rest.index("]")]
    elif rest.count(":") == 1:
        addr = rest.split(":", 1)[0]
    try:
        ipaddress.ip_address(addr.split("%", 1)[0])
        return
    except ValueError:
        pass
    if rest == "/etc/resolv.conf":
        return
    raise CaddyfileError(f'not an IP address or file: "{rest}"')


def _forward_option(c: Controller) -> list[str]:
    option = c.val()
    if option == "except":
        args = c.remaining_args()
        if not args:
            raise c.arg_err()
        return [z for a in args for z in normalize_exact(a)]
    if option in ("max_fails", "health_check", "tls_servername", "expire", "policy", "max_concurrent"):
        if not c.next_arg():
            raise c.arg_err()
        value = c.val()
        if option in ("max_fails", "max_concurrent"):
            n = atoi(value)
            if n < 0:
                raise CaddyfileError(f"{option} can't be negative: {n}")
        elif option in ("health_check", "expire"):
            if parse_duration(value) < 0:
                raise CaddyfileError(f"{option} can't be negative: {value}")
            if option == "health_check":
                while c.next_arg():
                    if c.val() == "domain":
                        if not c.next_arg():
                            raise c.arg_err()
                    elif c.val() != "no_rec":
                        raise CaddyfileError(f"health_check: unknown option {c.val()}")
        elif option == "policy" and value not in ("random", "round_robin", "sequential"):
            raise c.err(f"unknown policy '{value}'")
        return []
    if option in ("force_tcp", "prefer_udp"):
        if c.next_arg():
            raise c.arg_err()
        return []
    if option == "failfast_all_unhealthy_upstreams":
        if c.remaining_args():
            raise c.arg_err()
        return []
    if option in ("tls", "next", "failover"):
        args = c.remaining_args()
        if option != "tls" and not args:
            raise c.arg_err()
        return []
    raise c.err(f"unknown property '{option}'")


def _cache(c: Controller) -> CacheConfig:
    """cacheParse."""
    values: dict[str, object] = {}
    zones: list[str] = ["."]
    j = 0
    while c.next():
        if j > 0:
            raise CaddyfileError(ERR_ONCE)
        j += 1
        args = c.remaining_args()
        if args:
            try:
                ttl = int(args[0]) if args[0].lstrip("+-").isdigit() else None
            except ValueError:
                ttl = None
            if ttl is not None:
                if ttl <= 0:
                    raise CaddyfileError(f"cache TTL can not be zero or negative: {ttl}")
                values["success_ttl"] = values["denial_ttl"] = ttl
                args = args[1:]
        zones = origins(args, c.server_block_keys)
        while c.next_block():
            option = c.val()
            if option in ("success", "denial"):
                args = c.remaining_args()
                if not args:
                    raise c.arg_err()
                values[f"{option}_capacity"] = atoi(args[0])
                if len(args) > 1:
                    ttl = atoi(args[1])
                    if ttl <= 0:
                        raise CaddyfileError(f"cache TTL can not be zero or negative: {ttl}")
                    values[f"{option}_ttl"] = ttl
                    if len(args) > 2:
                        minimum = atoi(args[2])
                        if minimum < 0:
                            raise CaddyfileError(f"cache min TTL can not be negative: {minimum}")
                        values[f"{option}_min_ttl"] = minimum
            elif option == "prefetch":
                args = c.remaining_args()
                if not args or len(args) > 3:
                    raise c.arg_err()
                amount = atoi(args[0])
                if amount < 0:
                    raise CaddyfileError(f"prefetch amount should be positive: {amount}")
                if len(args) > 1:
                    parse_duration(args[1])
                if len(args) > 2:
                    pct = args[2]
                    if not pct.endswith("%"):
                        raise CaddyfileError(f"last character of percentage should be `%`, but is: '{pct[-1]}'")
                    num = atoi(pct[:-1])
                    if num < 10 or num > 90:
                        raise CaddyfileError(f"percentage should fall in range [10, 90]: {num}")
            elif option == "serve_stale":
                args = c.remaining_args()
                if len(args) > 2:
                    raise c.arg_err()
                raise Unmodelled("svclab: plugin/cache: serve_stale is not modelled by the embedded cluster")
            elif option == "servfail":
                args = c.remaining_args()
                if len(args) != 1:
                    raise c.arg_err()
                d = parse_duration(args[0])
                if d < 0:
                    raise CaddyfileError("invalid negative ttl for servfail")
                if d > 300:
                    raise CaddyfileError("caching SERVFAIL responses over 5 minutes is not permitted")
                values["fail_ttl"] = int(d)
            elif option == "disable":
                args = c.remaining_args()
                if not args:
                    raise c.arg_err()
                disabled = tuple(normalize_name(z) for z in args[1:]) or (".",)
                if args[0] == "denial":
                    values["denial_except"] = disabled
                elif args[0] == "success":
                    values["success_except"] = disabled
                else:
                    raise CaddyfileError('cache type for disable must be "success" or "denial"')
            elif option == "keepttl":
                if c.remaining_args():
                    raise c.arg_err()
                values["keepttl"] = True
            else:
                raise c.arg_err()
    return CacheConfig(zones=tuple(zones), **values)  # type: ignore[arg-type]


def _loadbalance(c: Controller) -> bool:
    while c.next():
        args = c.remaining_args()
        if not args:
            continue
        if args[0] == "round_robin":
            if len(args) > 1:
                raise c.err(f"unknown property for {args[0]}")
        elif args[0] == "weighted":
            raise Unmodelled("svclab: plugin/loadbalance: the weighted policy is not modelled by the embedded cluster")
        else:
            raise c.err(f"unknown policy: {args[0]}")
        while c.next_block():
            raise c.err(f"unknown property '{c.val()}'")
    return True


def _reload(c: Controller) -> ReloadConfig:
    """reload setup: interval (>= 2s, default 30s) and jitter (>= 1s, default 15s, at most half the interval)."""
    c.next()
    args = c.remaining_args()
    if len(args) > 2:
        raise c.arg_err()
    interval = parse_duration(args[0]) if args else 30.0
    if interval < 2:
        raise CaddyfileError("interval value must be greater or equal to 2s")
    jitter = parse_duration(args[1]) if len(args) > 1 else 15.0
    if jitter < 1:
        raise CaddyfileError("jitter value must be greater or equal to 1s")
    return ReloadConfig(interval=interval, jitter=min(jitter, interval / 2))


# ---- plugins checked for their syntax only -----------------------------------------------------------
def _host_port(addr: str) -> None:
    """net.SplitHostPort's checks, with Go's texts."""
    if addr.startswith("["):
        end = addr.find("]")
        if end == -1:
            raise GoError(f"address {addr}: missing ']' in address")
        rest = addr[end + 1 :]
        if not rest.startswith(":"):
            raise GoError(f"address {addr}: missing port in address")
        return
    if ":" not in addr:
        raise GoError(f"address {addr}: missing port in address")
    if addr.count(":") > 1:
        raise GoError(f"address {addr}: too many colons in address")


def _address_plugin(c: Controller, block: Callable[[Controller], None] | None = None, once: bool = False) -> None:
    i = 0
    while c.next():
        if once and i > 0:
            raise CaddyfileError(ERR_ONCE)
        i += 1
        args = c.remaining_args()
        if len(args) > 1:
            raise c.arg_err()
        if args:
            _host_port(args[0])
        while c.next_block():
            if block is None:
                raise c.arg_err()
            block(c)


def _health_block(c: Controller) -> None:
    if c.val() != "lameduck":
        raise c.arg_err()
    args = c.remaining_args()
    if len(args) != 1:
        raise c.arg_err()
    try:
        parse_duration(args[0])
    except GoError as err:
        raise CaddyfileError(f"unable to parse lameduck duration value: '{args[0]}' : {err}") from None


def _ready_block(c: Controller) -> None:
    if c.val() != "monitor":
        raise c.arg_err()
    args = c.remaining_args()
    if len(args) != 1 or args[0] not in ("until-ready", "continuously"):
        raise c.arg_err()


def _errors(c: Controller) -> None:
    i = 0
    while c.next():
        if i > 0:
            raise CaddyfileError(ERR_ONCE)
        i += 1
        args = c.remaining_args()
        if len(args) == 1 and args[0] != "stdout":
            raise c.err(f"invalid log file: {args[0]}")
        if len(args) > 1:
            raise c.arg_err()
        while c.next_block():
            if c.val() == "stacktrace":
                continue
            if c.val() == "consolidate":
                if len(c.remaining_args()) not in (2, 3):
                    raise c.arg_err()
                continue
            raise c.syntax_err("Unknown field " + c.val())


def _log(c: Controller) -> None:
    while c.next():
        c.remaining_args()
        while c.next_block():
            if c.val() != "class":
                raise c.arg_err()
            classes = c.remaining_args()
            if not classes:
                raise c.arg_err()
            for cls in classes:
                if cls not in ("all", "success", "denial", "error"):
                    raise CaddyfileError(f"invalid class: {cls}")


def _loop(c: Controller) -> None:
    i = 0
    while c.next():
        if i > 0:
            raise CaddyfileError(ERR_ONCE)
        i += 1
        if c.next_arg():
            raise c.arg_err()


def _lenient(c: Controller) -> None:
    """A plugin with no effect on answers whose options svclab does not check further."""
    while c.next():
        c.remaining_args()
        while c.next_block():
            c.remaining_args()


_CHECKS: dict[str, Callable[[Controller], None]] = {
    "health": lambda c: _address_plugin(c, _health_block),
    "ready": lambda c: _address_plugin(c, _ready_block, once=True),
    "prometheus": lambda c: _address_plugin(c, None),
    "errors": _errors,
    "log": _log,
    "loop": _loop,
}


# ---- the whole file ------------------------------------------------------------------------------------
def _go_json(blocks: list[ServerBlock]) -> bytes:
    """json.Marshal([]caddyfile.ServerBlock) as Go writes it (the reload plugin hashes this)."""

    def token(t: Token) -> dict[str, object]:
        return {"File": t.file, "Line": t.line, "Text": t.text}

    data = [{"Keys": b.keys, "Tokens": {k: [token(t) for t in v] for k, v in sorted(b.tokens.items())}} for b in blocks]
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").encode()


def sha512(text: str) -> str:
    """The "Running configuration SHA512" the reload plugin logs (of the parsed, unchecked blocks)."""
    blocks = caddyfile.parse(text, None)
    return hashlib.sha512(_go_json(blocks)).hexdigest()


def load(text: str) -> Config:
    """Check and set up a Corefile; CaddyfileError (or Unmodelled) carries the message CoreDNS logs."""
    try:
        return _load(text)
    except GoError as err:
        raise CaddyfileError(str(err)) from None


def _load(text: str) -> Config:
    blocks = caddyfile.parse(text, VALID_DIRECTIVES)
    digest = hashlib.sha512(_go_json(caddyfile.parse(text, None))).hexdigest()
    addrs = _inspect(blocks)
    settings: list[dict[str, object]] = [{} for _ in blocks]
    for directive in DIRECTIVES:  # executeDirectives: one directive for every block, then the next
        for n, block in enumerate(blocks):
            if directive not in block.tokens:
                continue
            c = Controller(list(block.tokens[directive]), block.keys)
            try:
                settings[n].update(_setup(directive, c))
            except Unmodelled:
                raise
            except CaddyfileError as err:
                raise _plugin_error(directive, err) from None
            except GoError as err:
                raise _plugin_error(directive, err) from None
    servers: list[ServerConfig] = []
    seen: set[tuple[str, str, str]] = set()
    for number, (block, block_addrs, values) in enumerate(zip(blocks, addrs, settings)):
        plugins = tuple(d for d in DIRECTIVES if d in block.tokens)
        for trans, zone, port in block_addrs:
            key = (trans, zone.lower(), port)
            if key in seen:
                raise CaddyfileError(f"cannot serve {trans}://{zone}:{port} - it is already defined")
            seen.add(key)
            servers.append(ServerConfig(zone=zone.lower(), port=port, transport=trans, block=number, plugins=plugins, **values))  # type: ignore[arg-type]
    return Config(servers=tuple(servers), corefile=text, sha512=digest, keys=tuple(k for b in blocks for k in b.keys))


def _setup(directive: str, c: Controller) -> dict[str, object]:
    if directive == "kubernetes":
        return {"kubernetes": _kubernetes(c)}
    if directive == "forward":
        return {"forward": _forward(c)}
    if directive == "cache":
        return {"cache": _cache(c)}
    if directive == "loadbalance":
        return {"loadbalance": _loadbalance(c)}
    if directive == "reload":
        return {"reload": _reload(c)}
    if directive in _CHECKS:
        _CHECKS[directive](c)
        return {}
    if directive in NO_ANSWER_EFFECT:
        _lenient(c)
        return {}
    raise Unmodelled(
        f"svclab: plugin/{directive} is not modelled by the embedded cluster; "
        "its answers would differ from CoreDNS's, so the running configuration stays"
    )
