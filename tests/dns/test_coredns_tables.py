"""CoreDNS's own test tables, run against svclab's DNS server (see coredns_tables.py for the port).

Every case asks a running svclab DNSServer over UDP, with the Go test's set-up loaded as a
Corefile from the kube-system/coredns ConfigMap. Cases svclab does not run are listed as Skip
entries with the reason and show up as skipped tests. The setup, parse and namespace tables,
which test the plugin's Corefile parsing and helpers rather than answers, run against
svclab.dns.corefile and svclab.dns.backend.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from svclab.dns import corefile
from svclab.dns.backend import KubeBackend, NameErr, parse_request
from svclab.dns.caddyfile import CaddyfileError
from svclab.dns.config import POD_MODE_DISABLED, POD_MODE_INSECURE, POD_MODE_VERIFIED, KubernetesConfig
from svclab.dns.corefile import Unmodelled
from svclab.dns.index import ClusterIndex
from coredns_harness import Case, Group, Running, Skip, check
from coredns_tables import CI_GROUPS, CI_SKIPS, PLUGIN_GROUPS, PLUGIN_SKIPS

GROUPS: list[Group] = [*PLUGIN_GROUPS, *CI_GROUPS]
ENTRIES = [(g, c) for g in GROUPS for c in g.cases]
SKIPS = [*PLUGIN_SKIPS, *CI_SKIPS]


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, Running]]:
    running: dict[str, Running] = {}
    yield running
    for server in running.values():
        server.close()


def _server(servers: dict[str, Running], group: Group) -> Running:
    if group.name not in servers:
        servers[group.name] = Running(group)
    return servers[group.name]


@pytest.mark.parametrize("group,case", ENTRIES, ids=[f"{g.name}:{c.src}" for g, c in ENTRIES])
def test_case(servers: dict[str, Running], group: Group, case: Case | Skip) -> None:
    if isinstance(case, Skip):
        pytest.skip(case.reason)
    server = _server(servers, group)
    assert server.server.log_lines()[-1].startswith("CoreDNS-"), server.server.log_lines()
    assert server.server.corefile.config.corefile == group.corefile, "the group's Corefile did not load"
    reply = server.ask(case.qname, case.qtype, do=case.do)
    errors = check(case, reply)
    assert not errors, f"{case.src}: {case.qname} {case.qtype}\n" + "\n".join(errors) + f"\n{reply}"


@pytest.mark.parametrize("skip", SKIPS, ids=[s.src for s in SKIPS])
def test_not_ported(skip: Skip) -> None:
    pytest.skip(f"{skip.count} case(s): {skip.reason}")


def coverage() -> dict[str, int]:
    """Ported / skipped counts (a Skip may stand for several Go cases)."""
    ported = sum(1 for _g, c in ENTRIES if isinstance(c, Case))
    skipped = sum(c.count for _g, c in ENTRIES if isinstance(c, Skip)) + sum(s.count for s in SKIPS)
    derived = sum(1 for _g, c in ENTRIES if isinstance(c, Case) and c.derived)
    return {"ported": ported, "derived": derived, "skipped": skipped}


# ---- setup_test.go, setup_ttl_test.go: the kubernetes stanza -------------------------------------------------
def _stanza(text: str) -> KubernetesConfig:
    config = corefile.load(".:53 {\n" + text + "\n}\n")
    k8s = config.servers[0].kubernetes
    assert k8s is not None
    return k8s


# (input, error substring or "", zones, namespaces, pod mode, fallthrough zones) — TestKubernetesParse
PARSE = [
    ("kubernetes coredns.local", "", 1, 0, POD_MODE_DISABLED, ()),
    ("kubernetes coredns.local test.local", "", 2, 0, POD_MODE_DISABLED, ()),
    ("kubernetes coredns.local {\n}", "", 1, 0, POD_MODE_DISABLED, ()),
    ("kubernetes coredns.local {\n\tendpoint http://localhost:9090 http://localhost:9091\n}", "", 1, 0, POD_MODE_DISABLED, ()),
    ("kubernetes coredns.local {\n\tnamespaces demo\n}", "", 1, 1, POD_MODE_DISABLED, ()),
    ("kubernetes coredns.local {\n\tnamespaces demo test\n}", "", 1, 2, POD_MODE_DISABLED, ()),
    ("kubernetes coredns.local {\n    labels environment=prod\n}", "", 1, 0, POD_MODE_DISABLED, ()),
    ("kubernetes coredns.local {\n    labels environment in (production, staging, qa),application=nginx\n}", "", 1, 0, POD_MODE_DISABLED, ()),
    ("kubernetes coredns.local {\n    namespace_labels istio-injection=enabled\n}", "", 1, 0, POD_MODE_DISABLED, ()),
    ("kubernetes coredns.local {\n    namespaces foo bar\n    namespace_labels istio-injection=enabled\n}",
     "Error during parsing: namespaces and namespace_labels cannot both be set", -1, 0, POD_MODE_DISABLED, ()),
    ("kubernetes coredns.local test.local {\n\tendpoint http://localhost:8080\n\tnamespaces demo test\n"
     "    labels environment in (production, staging, qa),application=nginx\n    fallthrough\n}", "", 2, 2, POD_MODE_DISABLED, (".",)),
    ("kubernetes coredns.local {\n    endpoint\n}", "rong argument count or unexpected line ending", -1, -1, POD_MODE_DISABLED, ()),
    ("kubernetes coredns.local {\n\tnamespaces\n}", "rong argument count or unexpected line ending", -1, -1, POD_MODE_DISABLED, ()),
    ("kubernetes coredns.local {\n    labels\n}", "rong argument count or unexpected line ending", -1, 0, POD_MODE_DISABLED, ()),
    ("kubernetes coredns.local {\n    labels environment in (production, qa\n}", "unable to parse label selector", -1, 0, POD_MODE_DISABLED, ()),
    ("kubernetes coredns.local {\n\tpods disabled\n}", "", 1, 0, POD_MODE_DISABLED, ()),
    ("kubernetes coredns.local {\n\tpods insecure\n}", "", 1, 0, POD_MODE_INSECURE, ()),
    ("kubernetes coredns.local {\n\tpods verified\n}", "", 1, 0, POD_MODE_VERIFIED, ()),
    ("kubernetes coredns.local {\n\tpods giant_seed\n}", "rong value for pods", -1, 0, POD_MODE_VERIFIED, ()),
    ("kubernetes coredns.local {\n\tfallthrough ip6.arpa inaddr.arpa foo.com\n}", "", 1, 0, POD_MODE_DISABLED, ("ip6.arpa.", "inaddr.arpa.", "foo.com.")),
    ("kubernetes coredns.local\nkubernetes cluster.local", "this plugin", -1, 0, POD_MODE_DISABLED, ()),
    ("kubernetes coredns.local {\n\tkubeconfig\n}", "Wrong argument count or unexpected line ending after", -1, 0, POD_MODE_DISABLED, ()),
    ("kubernetes coredns.local {\n\tkubeconfig file context extraarg\n}", "Wrong argument count or unexpected line ending after", -1, 0, POD_MODE_DISABLED, ()),
    ("kubernetes coredns.local {\n\tkubeconfig file\n}", "", 1, 0, POD_MODE_DISABLED, ()),
    ("kubernetes coredns.local {\n\tkubeconfig file context\n}", "", 1, 0, POD_MODE_DISABLED, ()),
    ("kubernetes coredns.local {\n        kubeconfig file context\n        startup_timeout 1s\n}", "", 1, 0, POD_MODE_DISABLED, ()),
]


@pytest.mark.parametrize("text,err,zones,namespaces,pod_mode,fall", PARSE, ids=[f"TestKubernetesParse[{i}]" for i in range(len(PARSE))])
def test_kubernetes_parse(text: str, err: str, zones: int, namespaces: int, pod_mode: str, fall: tuple[str, ...]) -> None:
    if err:
        with pytest.raises(CaddyfileError) as raised:
            _stanza(text)
        assert err in str(raised.value)
        return
    k8s = _stanza(text)
    assert len(k8s.zones) == zones and len(k8s.namespaces) == namespaces
    assert k8s.pod_mode == pod_mode and k8s.fall.zones == fall


# (input, error substring, option, expected) — TestKubernetesParseEndpointPodNames, ...NoEndpoints, ...IgnoreEmptyService
FLAGS = [
    ("kubernetes coredns.local {\n\tendpoint_pod_names\n}", "", "endpoint_pod_names", True),
    ("kubernetes coredns.local {\n\tendpoint_pod_names giant_seed\n}", "rong argument count or unexpected", "endpoint_pod_names", False),
    ("kubernetes coredns.local {\n}", "", "endpoint_pod_names", False),
    ("kubernetes coredns.local {\n\tnoendpoints\n}", "", "no_endpoints", True),
    ("kubernetes coredns.local {\n\tnoendpoints ixnay on the endpointsay\n}", "rong argument count or unexpected", "no_endpoints", False),
    ("kubernetes coredns.local {\n}", "", "no_endpoints", False),
    ("kubernetes coredns.local {\n\tignore empty_service\n}", "", "ignore_empty_service", True),
    ("kubernetes coredns.local {\n\tignore ixnay on the endpointsay\n}", "unable to parse ignore value", "ignore_empty_service", False),
    ("kubernetes coredns.local {\n\tignore empty_service ixnay on the endpointsay\n}", "", "ignore_empty_service", True),
    ("kubernetes coredns.local {\n}", "", "ignore_empty_service", False),
]


@pytest.mark.parametrize("text,err,option,expected", FLAGS, ids=[f"{o}[{i}]" for i, (_t, _e, o, _x) in enumerate(FLAGS)])
def test_kubernetes_parse_flags(text: str, err: str, option: str, expected: bool) -> None:
    if err:
        with pytest.raises(CaddyfileError) as raised:
            _stanza(text)
        assert err in str(raised.value)
        return
    assert getattr(_stanza(text), option) is expected


def test_kubernetes_parse_multicluster() -> None:
    # TestKubernetesParseMulticluster: the authority errors as CoreDNS has them; an effective
    # multicluster zone is valid CoreDNS that svclab refuses (ServiceImports are not modelled)
    with pytest.raises(Unmodelled):
        _stanza("kubernetes coredns.local clusterset.local {\n\tmulticluster clusterset.local\n}")
    for text, zone in (
        ("kubernetes coredns.local {\n\tmulticluster clusterset.local\n}", "clusterset.local."),
        ("kubernetes coredns.local clusterset.local {\n\tmulticluster clusterset.local test.local\n}", "test.local."),
    ):
        with pytest.raises(CaddyfileError) as raised:
            _stanza(text)
        assert f"Error during parsing: is not authoritative for the multicluster zone {zone}" in str(raised.value)
    assert _stanza("kubernetes coredns.local {\n\tmulticluster\n}").zones == ("coredns.local.",)


@pytest.mark.parametrize("text,ttl,fails", [
    ("kubernetes cluster.local {\n\t\t\tttl 56\n\t\t}", 56, False),
    ("kubernetes cluster.local", 5, False),
    ("kubernetes cluster.local {\n\t\t\tttl -1\n\t\t}", 0, True),
    ("kubernetes cluster.local {\n\t\t\tttl 3601\n\t\t}", 0, True),
], ids=[f"TestKubernetesParseTTL[{i}]" for i in range(4)])
def test_kubernetes_parse_ttl(text: str, ttl: int, fails: bool) -> None:
    if fails:
        with pytest.raises(CaddyfileError, match=r"ttl must be in range \[0, 3600\]"):
            _stanza(text)
    else:
        assert _stanza(text).ttl == ttl


# ---- parse_test.go ----------------------------------------------------------------------------------------
def _request_string(name: str, zone: str = "inter.webs.tests.") -> str:
    """recordRequest.String(): port.protocol.endpoint.cluster.service.namespace.podOrSvc."""
    labels = name[: -len(zone)].rstrip(".")
    segs = labels.split(".") if labels else []
    r = parse_request(segs)
    return ".".join((r.port, r.protocol, r.endpoint, "", r.service, r.namespace, r.pod_or_svc))


@pytest.mark.parametrize("query,expected", [
    ("_http._tcp.webs.mynamespace.svc.inter.webs.tests.", "http.tcp...webs.mynamespace.svc"),
    ("1-2-3-4.webs.mynamespace.svc.inter.webs.tests.", "..1-2-3-4..webs.mynamespace.svc"),
    ("inter.webs.tests.", "......"),
    ("svc.inter.webs.tests.", "......"),
    ("pod.inter.webs.tests.", "......"),
    ("..webs.mynamespace.svc.inter.webs.tests.", "....webs.mynamespace.svc"),
], ids=[f"TestParseRequest[{i}]" for i in range(6)])
def test_parse_request(query: str, expected: str) -> None:
    assert _request_string(query) == expected


def test_parse_request_not_ported() -> None:
    pytest.skip("TestParseRequest[6] parses a multicluster name (endpoint.clusterid...), not modelled")


@pytest.mark.parametrize("query", [
    "webs.mynamespace.pood.inter.webs.test.",  # the Go zone is inter.webs.tests.: trimming leaves the name as is
    "too.long.for.what.I.am.trying.to.pod.inter.webs.tests.",
], ids=["TestParseInvalidRequest[0]", "TestParseInvalidRequest[1]"])
def test_parse_invalid_request(query: str) -> None:
    zone = "inter.webs.tests."
    base = query[: -len(zone)].rstrip(".") if query.endswith(zone) else query.rstrip(".")
    with pytest.raises(NameErr):
        parse_request(base.lower().split("."))


# ---- namespace_test.go -----------------------------------------------------------------------------------------
def _backend(namespaces: set[str]) -> KubeBackend:
    """APIConnServeTest's GetNamespaceByName: every namespace exists but pod-nons and nsnoexist."""
    index = ClusterIndex.from_objects(namespaces=[{"metadata": {"name": "foobar"}}])
    return KubeBackend(index, KubernetesConfig(zones=("cluster.local.",), namespaces=frozenset(namespaces)), [])


@pytest.mark.parametrize("configured,name,exists,configured_ok,exposed", [
    (set(), "foobar", True, True, True),
    (set(), "nsnoexist", False, True, False),
    ({"foobar"}, "foobar", True, True, True),
    ({"foobar"}, "nsnoexist", False, False, False),
], ids=[f"namespace_test[{i}]" for i in range(4)])
def test_namespaces(configured: set[str], name: str, exists: bool, configured_ok: bool, exposed: bool) -> None:
    b = _backend(configured)
    assert b.filtered_namespace_exists(name) is exists  # TestFilteredNamespaceExists
    assert b.configured_namespace(name) is configured_ok  # TestNamespaceExposed
    assert b.namespace_exposed(name) is exposed  # TestNamespaceValid
