"""The Corefile loader: coredns/caddy's syntax and CoreDNS v1.13.1's setup checks, with their texts."""

from __future__ import annotations

import pytest

from svclab.dns import caddyfile, corefile
from svclab.dns.caddyfile import CaddyfileError
from svclab.dns.corefile import KIND_COREFILE, Unmodelled, load, split_host_port
from svclab.dns.util import GoError, atoi, parse_duration

PATH = "/etc/coredns/Corefile"


def error(text: str) -> str:
    with pytest.raises(CaddyfileError) as raised:
        load(text)
    return str(raised.value)


def test_kinds_corefile_sets_up_what_svclab_follows() -> None:
    config = load(KIND_COREFILE)
    (server,) = config.servers
    assert (server.zone, server.port, server.transport) == (".", "53", "dns")
    k8s = server.kubernetes
    assert k8s is not None
    assert k8s.zones == ("cluster.local.", "in-addr.arpa.", "ip6.arpa.") and k8s.primary_zone == "cluster.local."
    assert (k8s.ttl, k8s.pod_mode, k8s.fall.zones) == (30, "insecure", ("in-addr.arpa.", "ip6.arpa."))
    assert server.forward is not None and server.forward.to_node_resolver
    assert server.cache is not None
    assert (server.cache.success_ttl, server.cache.denial_ttl) == (30, 30)
    assert server.cache.success_except == server.cache.denial_except == ("cluster.local.",)
    assert server.loadbalance and server.reload is not None
    assert (server.reload.interval, server.reload.jitter) == (30.0, 15.0)
    # plugins run in CoreDNS's order (core/dnsserver/zdirectives.go), not the file's
    assert server.plugins == ("reload", "ready", "health", "prometheus", "errors", "loadbalance", "cache", "kubernetes", "loop", "forward")


def test_the_lexer_handles_quotes_comments_and_escapes() -> None:
    toks = caddyfile.tokens('a "b c" "" "x\\"y" # comment\nd "multi\nline" e\n')
    assert [(t.line, t.text) for t in toks] == [(1, "a"), (1, "b c"), (1, ""), (1, 'x"y'), (2, "d"), (2, "multi\nline"), (3, "e")]


@pytest.mark.parametrize("text,message", [
    (".:53 {\n    errors\n    healthz\n}\n", f"{PATH}:3 - Error during parsing: Unknown directive 'healthz'"),
    (".:53 {\n    errors\n", f"{PATH}:2 - Syntax error: Unexpected token 'errors', expecting '}}'"),
    (".:53 {\n    health {\n       lameduck 5s\n", f"{PATH}:3 - Error during parsing: Unexpected EOF"),
    (".:53, {\n}\n", f"{PATH}:1 - Error during parsing: Expected another address but had '{{' - check for extra comma"),
    (".:53 {\n    errors }\n}\n", f"{PATH}:2 - Error during parsing: Unexpected '}}' because no matching opening brace"),
    (".:53 {\n    import more.conf\n}\n", f"{PATH}:2 - Error during parsing: File to import not found: more.conf"),
    (".:53 {\n    cache 0\n}\n", "plugin/cache: cache TTL can not be zero or negative: 0"),
    (".:53 {\n    cache 30\n    cache 10\n}\n", "plugin/cache: this plugin can only be used once per Server Block"),
    (".:53 {\n    reload 1s\n}\n", "plugin/reload: interval value must be greater or equal to 2s"),
    (".:53 {\n    health {\n       lameduck five\n    }\n}\n",
     "plugin/health: unable to parse lameduck duration value: 'five' : time: invalid duration \"five\""),
    (".:53 {\n    forward . 1.2.3.4 {\n       policy fastest\n    }\n}\n",
     f"plugin/forward: {PATH}:3 - Error during parsing: unknown policy 'fastest'"),
    (".:53 {\n    forward . nameservers.txt\n}\n", 'plugin/forward: not an IP address or file: "nameservers.txt"'),
    (".:53 {\n    forward\n}\n", f"plugin/forward: {PATH}:2 - Error during parsing: Wrong argument count or unexpected line ending after 'forward'"),
    (".:53 {\n    kubernetes in-addr.arpa\n}\n", "plugin/kubernetes: non-reverse zone name must be used"),
    (".:53 {\n    kubernetes cluster.local {\n       pods all\n    }\n}\n",
     "plugin/kubernetes: wrong value for pods: all,  must be one of: disabled, verified, insecure"),
    (".:53 {\n    loop extra\n}\n", f"plugin/loop: {PATH}:2 - Error during parsing: Wrong argument count or unexpected line ending after 'extra'"),
    (".:53 {\n}\n.:53 {\n}\n", "cannot serve dns://.:53 - it is already defined"),
    ("cluster.local: {\n}\n", 'expecting data after last colon: "cluster.local:"'),
])
def test_errors_have_coredns_text(text: str, message: str) -> None:
    assert error(text) == message


def test_a_plugin_svclab_does_not_model_is_refused_not_ignored() -> None:
    for plugin in ("hosts", "rewrite name foo bar", "template IN A example", "file db.example", "k8s_external example.org"):
        with pytest.raises(Unmodelled, match="is not modelled by the embedded cluster"):
            load(f".:53 {{\n    {plugin}\n}}\n")
    with pytest.raises(Unmodelled, match="serve_stale"):
        load(".:53 {\n    cache 30 {\n       serve_stale\n    }\n}\n")
    # plugins that change no answer are accepted (and checked)
    load(".:53 {\n    log\n    debug\n    errors stdout\n    prometheus 0.0.0.0:9153\n    ready :8181\n    kubernetes cluster.local\n}\n")


def test_server_blocks_keys_and_reverse_zones() -> None:
    config = load("cluster.local:53 10.96.0.0/12 {\n    kubernetes\n}\nexample.com {\n    forward . 192.0.2.53\n}\n.:5353 {\n}\n")
    zones = [(s.zone, s.port, s.block) for s in config.servers]
    assert zones[0] == ("cluster.local.", "53", 0)
    assert [z for z, _p, _b in zones[1:17]] == [f"{96 + i}.10.in-addr.arpa." for i in range(16)]
    assert zones[17:] == [("example.com.", "53", 1), (".", "5353", 2)]
    assert config.servers[0].kubernetes is not None and config.servers[0].kubernetes.zones[0] == "cluster.local."
    assert [s.zone for s in config.for_port("53")][-1] == "example.com."
    assert split_host_port("1234:abcd::0/64") == (["0.0.0.0.0.0.0.0.d.c.b.a.4.3.2.1.ip6.arpa."], "")
    assert split_host_port("10.96.0.0/23") == (["0.96.10.in-addr.arpa.", "1.96.10.in-addr.arpa."], "")
    assert split_host_port("10.0.0.0/8:1053") == (["10.in-addr.arpa."], "1053")


def test_the_reload_hash_is_of_the_parsed_blocks() -> None:
    # reload.go hashes json.Marshal of the parsed blocks: comments and spacing do not count, a value does
    base = corefile.sha512(KIND_COREFILE)
    assert corefile.sha512(KIND_COREFILE.replace("    errors\n", "    errors   # log them\n")) == base
    assert corefile.sha512(KIND_COREFILE.replace("ttl 30", "ttl 5")) != base
    assert load(KIND_COREFILE).sha512 == base


def test_go_number_and_duration_texts() -> None:
    assert parse_duration("1m30s") == 90 and parse_duration("250ms") == 0.25 and parse_duration("0") == 0
    for bad, text in (("5", 'time: missing unit in duration "5"'), ("5d", 'time: unknown unit "d" in duration "5d"'),
                      ("x", 'time: invalid duration "x"')):
        with pytest.raises(GoError, match=text):
            parse_duration(bad)
    with pytest.raises(GoError, match='strconv.Atoi: parsing "1e3": invalid syntax'):
        atoi("1e3")


def test_caddys_quirks_are_kept() -> None:
    # a directive's block may take the server block's closing brace (caddyfile parse.go): accepted
    assert load(".:53 {\n    health {\n       lameduck 5s\n}\n").servers[0].plugins == ("health",)
    # "cluster.local:53a" is not a port, so it is part of the zone name (plugin.SplitHostPort)
    assert load("cluster.local:53a {\n}\n").servers[0].zone == "cluster.local:53a."


def test_a_huge_corefile_is_refused_before_parsing() -> None:
    with pytest.raises(CaddyfileError, match="larger than"):
        load("#" * (2 << 20))
