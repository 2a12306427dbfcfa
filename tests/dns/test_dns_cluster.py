"""The cluster DNS as a learner meets it: the real kubectl against an embedded cluster on a manual
clock, busybox 1.36 nslookup in a pod, the coredns ConfigMap edited and reloaded."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dns.flags
import dns.message
import dns.query
import dns.rcode
import pytest

from svclab.cluster.embedded import ClusterConfig, EmbeddedCluster
from svclab.dns.corefile import KIND_COREFILE
from tests.conftest import Kubectl, Result

BUSYBOX = "busybox:1.36.1"
HEADER = "Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\n"


@dataclass
class Lab:
    cluster: EmbeddedCluster
    k: Kubectl

    def namespace(self) -> str:
        name = f"dns-{uuid.uuid4().hex[:8]}"
        self.k("create", "namespace", name)
        return name

    def apply(self, ns: str, manifest: str) -> None:
        self.k("-n", ns, "apply", "-f", "-", stdin=manifest)

    def client(self, ns: str) -> None:
        self.k("-n", ns, "run", "client", f"--image={BUSYBOX}", "--", "sleep", "3600")
        self.k("-n", ns, "wait", "--for=condition=Ready", "pod/client", "--timeout=30s")

    def exec(self, ns: str, *command: str) -> Result:
        return self.k("-n", ns, "exec", "client", "--", *command, check=False)

    def jsonpath(self, ns: str, target: str, path: str) -> str:
        return self.k("-n", ns, "get", target, "-o", f"jsonpath={path}").stdout

    def ask(self, name: str, qtype: str = "A") -> dns.message.Message:
        q = dns.message.make_query(name, qtype)
        return dns.query.udp(q, "127.0.0.1", port=self.cluster.dns_port, timeout=3)

    def set_corefile(self, text: str) -> None:
        import json

        patch = json.dumps({"data": {"Corefile": text}})
        self.k("-n", "kube-system", "patch", "configmap", "coredns", "--type=merge", "-p", patch)

    def dns_log(self) -> list[str]:
        return self.cluster.network.dns.log_lines()


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab]:
    with EmbeddedCluster(ClusterConfig(state_dir=tmp_path / "state", seed=7, manual_clock=True)) as cluster:
        assert cluster.kubeconfig_path is not None
        yield Lab(cluster, Kubectl(cluster.kubeconfig_path, tmp_path / "kubecache"))


def ttls(reply: dns.message.Message) -> set[int]:
    return {r.ttl for r in (*reply.answer, *reply.authority)}


# ---- the coredns ConfigMap and reload -------------------------------------------------------------------------
def test_coredns_configmap_holds_kinds_corefile(lab: Lab) -> None:
    text = lab.jsonpath("kube-system", "configmap/coredns", "{.data.Corefile}")
    assert text == KIND_COREFILE
    for line in ("kubernetes cluster.local in-addr.arpa ip6.arpa {", "pods insecure", "fallthrough in-addr.arpa ip6.arpa",
                 "ttl 30", "forward . /etc/resolv.conf {", "max_concurrent 1000", "cache 30 {",
                 "disable success cluster.local", "disable denial cluster.local", "reload", "loadbalance"):
        assert line in text


def test_an_edited_ttl_takes_effect_at_the_next_reload_check(lab: Lab) -> None:
    name = "kubernetes.default.svc.cluster.local"
    assert ttls(lab.ask(name)) == {30}
    lab.set_corefile(KIND_COREFILE.replace("ttl 30", "ttl 5"))
    # reload checks every 30 s with a jitter in [-7.5, 7.5): not before 22.5 s, always by 37.5 s
    lab.cluster.advance(22)
    assert ttls(lab.ask(name)) == {30}
    lab.cluster.advance(16)
    assert ttls(lab.ask(name)) == {5}
    log = lab.dns_log()
    assert log[-3:-1] == ["[INFO] Reloading", log[-2]] and log[-2].startswith("[INFO] plugin/reload: Running configuration SHA512 = ")
    assert log[-1] == "[INFO] Reloading complete"


def test_the_cache_plugin_bounds_what_the_kubernetes_ttl_can_do(lab: Lab) -> None:
    # cache 30 writes every reply with its smallest TTL bounded to [5, 30] (plugin/cache WriteMsg)
    name = "kube-dns.kube-system.svc.cluster.local"
    lab.set_corefile(KIND_COREFILE.replace("ttl 30", "ttl 0"))
    lab.cluster.advance(40)
    assert ttls(lab.ask(name)) == {5}
    lab.set_corefile(KIND_COREFILE.replace("ttl 30", "ttl 300"))
    lab.cluster.advance(40)
    assert ttls(lab.ask(name)) == {30}
    lab.set_corefile(KIND_COREFILE.replace("ttl 30", "ttl 300").replace("cache 30 {", "cache 3600 {"))
    lab.cluster.advance(40)
    assert ttls(lab.ask(name)) == {300}


def test_a_broken_corefile_is_logged_and_the_running_one_stays(lab: Lab) -> None:
    lab.set_corefile(KIND_COREFILE.replace("    loop\n", "    loop\n    lop\n").replace("ttl 30", "ttl 5"))
    lab.cluster.advance(40)
    assert ttls(lab.ask("kubernetes.default.svc.cluster.local")) == {30}
    error = "/etc/coredns/Corefile:21 - Error during parsing: Unknown directive 'lop'"
    assert lab.dns_log()[-3:] == [
        "[INFO] Reloading",
        f"[ERROR] Restart failed: {error}",
        f"[ERROR] plugin/reload: Corefile changed but reload failed: starting with listener file descriptors: {error}",
    ]
    # the same file is not tried again; a fixed one is
    lab.cluster.advance(40)
    assert lab.dns_log()[-1].startswith("[ERROR] plugin/reload:")
    lab.set_corefile(KIND_COREFILE.replace("ttl 30", "ttl 5"))
    lab.cluster.advance(40)
    assert ttls(lab.ask("kubernetes.default.svc.cluster.local")) == {5}


def test_a_bad_option_is_reported_with_the_plugins_text(lab: Lab) -> None:
    lab.set_corefile(KIND_COREFILE.replace("ttl 30", "ttl thirty"))
    lab.cluster.advance(40)
    assert lab.dns_log()[-2] == '[ERROR] Restart failed: plugin/kubernetes: strconv.Atoi: parsing "thirty": invalid syntax'
    lab.set_corefile(KIND_COREFILE.replace("ttl 30", "ttl 7200"))
    lab.cluster.advance(40)
    assert lab.dns_log()[-2] == (
        "[ERROR] Restart failed: plugin/kubernetes: /etc/coredns/Corefile:10 - Error during parsing: ttl must be in range [0, 3600]: 7200"
    )


def test_a_plugin_svclab_does_not_model_is_refused_with_a_reason(lab: Lab) -> None:
    hosts = "    hosts {\n       192.0.2.99 legacy.internal\n       fallthrough\n    }\n"
    lab.set_corefile(KIND_COREFILE.replace("    ready\n", "    ready\n" + hosts))
    lab.cluster.advance(40)
    assert "svclab: plugin/hosts is not modelled by the embedded cluster" in lab.dns_log()[-2]
    assert lab.ask("legacy.internal").rcode() == dns.rcode.NXDOMAIN


def test_without_reload_an_edit_waits_for_a_coredns_restart(lab: Lab) -> None:
    lab.set_corefile(KIND_COREFILE.replace("    reload\n", ""))
    lab.cluster.advance(40)
    assert lab.cluster.network.dns.next_reload_check() is None
    lab.set_corefile(KIND_COREFILE.replace("    reload\n", "").replace("ttl 30", "ttl 7"))
    lab.cluster.advance(120)
    assert ttls(lab.ask("kubernetes.default.svc.cluster.local")) == {30}
    lab.k("-n", "kube-system", "rollout", "restart", "deployment/coredns")
    lab.cluster.advance(5)
    lab.k("-n", "kube-system", "rollout", "status", "deployment/coredns", "--timeout=30s")
    assert ttls(lab.ask("kubernetes.default.svc.cluster.local")) == {7}


# ---- ExternalName through the offline upstream ----------------------------------------------------------------------
EXTERNAL = """\
apiVersion: v1
kind: Service
metadata:
  name: {name}
spec:
  type: ExternalName
  externalName: {target}
"""


def _blocks(stdout: str) -> list[str]:
    assert stdout.startswith(HEADER)
    return stdout[len(HEADER):].split("\n\n")


def test_nslookup_of_an_externalname_prints_the_cname_and_the_targets_addresses(lab: Lab) -> None:
    ns = lab.namespace()
    lab.apply(ns, EXTERNAL.format(name="my-ext", target="db.example.com"))
    lab.client(ns)
    result = lab.exec(ns, "nslookup", "my-ext")
    fqdn = f"my-ext.{ns}.svc.cluster.local"
    blocks = _blocks(result.stdout)
    # A, then AAAA, for each search domain; only the first exists. The reply is the kubernetes
    # plugin's (AA set, so no "Non-authoritative answer:"), with the upstream's records after the CNAME.
    a = blocks[0].splitlines()
    assert a[0] == f"{fqdn}\tcanonical name = db.example.com"
    assert sorted(a[1:]) == sorted(["Name:\tdb.example.com", "Address: 192.0.2.10", "Name:\tdb.example.com", "Address: 192.0.2.11"])
    assert blocks[1] == "** server can't find my-ext.svc.cluster.local: NXDOMAIN"
    assert blocks[2] == "** server can't find my-ext.cluster.local: NXDOMAIN"
    assert blocks[3] == f"{fqdn}\tcanonical name = db.example.com\nName:\tdb.example.com\nAddress: 2001:db8::10"
    assert result.returncode == 1

    # the FQDN alone: both replies exist, exit 0
    result = lab.exec(ns, "nslookup", fqdn)
    assert result.returncode == 0 and "Address: 192.0.2.1" in result.stdout


def test_an_externalname_the_upstream_does_not_know_gets_the_cname_alone(lab: Lab) -> None:
    # backend_lookup.go A(): the upstream's NXDOMAIN carries no records; the CNAME is still written
    ns = lab.namespace()
    lab.apply(ns, EXTERNAL.format(name="docs", target="kubernetes.io"))
    reply = lab.ask(f"docs.{ns}.svc.cluster.local")
    assert reply.rcode() == dns.rcode.NOERROR and reply.flags & dns.flags.AA
    assert [r.to_text() for r in reply.answer] == [f"docs.{ns}.svc.cluster.local. 30 IN CNAME kubernetes.io."]
    # the upstream itself: NXDOMAIN from the root, not authoritative, recursion available
    upstream = lab.ask("nosuch.kubernetes.io")
    assert upstream.rcode() == dns.rcode.NXDOMAIN and not upstream.flags & dns.flags.AA and upstream.flags & dns.flags.RA
    assert [r.name.to_text() for r in upstream.authority] == ["."]
    # the plugin's own lookup of kubernetes.io went through the cache (upstream.Lookup runs the
    # whole server again), so asking for it now is a cache hit: AA set, as item.toMsg writes it
    assert lab.ask("kubernetes.io").flags & dns.flags.AA


def test_upstream_answers_are_cached_and_count_down(lab: Lab) -> None:
    first = lab.ask("example.com")
    assert not first.flags & dns.flags.AA and ttls(first) == {30}
    lab.cluster.advance(12)
    again = lab.ask("example.com")
    # item.toMsg: a cached reply is sent with AA set and the remaining TTL
    assert again.flags & dns.flags.AA and ttls(again) == {18}
    lab.cluster.advance(20)
    assert ttls(lab.ask("example.com")) == {30}


# ---- busybox nslookup as networking/nslookup.c prints it ----------------------------------------------------------------
WEB = """\
apiVersion: v1
kind: Service
metadata:
  name: nginx
spec:
  clusterIP: None
  selector: {app: web}
  ports: [{name: web, port: 80}]
---
apiVersion: v1
kind: Service
metadata:
  name: web-all
spec:
  selector: {app: web}
  ports: [{name: http, port: 8080, targetPort: 80}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  serviceName: nginx
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: nginx, image: "nginx:1.27", ports: [{name: web, containerPort: 80}]}]
"""


def test_busybox_nslookup_prints_srv_records(lab: Lab) -> None:
    ns = lab.namespace()
    lab.apply(ns, WEB)
    lab.client(ns)
    lab.k("-n", ns, "wait", "--for=condition=Ready", "pod/web-0", "pod/web-1", "--timeout=30s")
    name = f"_http._tcp.web-all.{ns}.svc.cluster.local"
    result = lab.exec(ns, "nslookup", "-type=srv", name)
    assert result.stdout == HEADER + f"{name}\tservice = 0 100 8080 web-all.{ns}.svc.cluster.local\n\n"
    assert result.returncode == 0
    # a headless Service: one SRV per pod, named after the pods' hostnames
    name = f"_web._tcp.nginx.{ns}.svc.cluster.local"
    lines = lab.exec(ns, "nslookup", "-type=srv", name).stdout[len(HEADER):].splitlines()
    assert sorted(lines[:2]) == [f"{name}\tservice = 0 50 80 web-{i}.nginx.{ns}.svc.cluster.local" for i in (0, 1)]


def test_busybox_nslookup_prints_a_blank_line_for_a_nodata_reply(lab: Lab) -> None:
    ns = lab.namespace()
    lab.apply(ns, WEB)
    lab.client(ns)
    fqdn = f"web-all.{ns}.svc.cluster.local"
    ip = lab.jsonpath(ns, "svc/web-all", "{.spec.clusterIP}")
    result = lab.exec(ns, "nslookup", fqdn)
    # the A reply, then the AAAA reply: an authoritative empty answer prints nothing but the
    # empty line every reply ends with (send_queries: bb_putchar('\n'))
    assert result.stdout == HEADER + f"Name:\t{fqdn}\nAddress: {ip}\n\n" + "\n"
    assert result.returncode == 0


def test_ptr_of_a_statefulset_pod_uses_its_hostname_only_for_the_governing_service(lab: Lab) -> None:
    ns = lab.namespace()
    lab.apply(ns, WEB)
    lab.client(ns)
    lab.k("-n", ns, "wait", "--for=condition=Ready", "pod/web-0", "--timeout=30s")
    ip = lab.jsonpath(ns, "pod/web-0", "{.status.podIP}")
    result = lab.exec(ns, "nslookup", ip)
    reverse = ".".join(reversed(ip.split("."))) + ".in-addr.arpa"
    lines = sorted(result.stdout[len(HEADER):].splitlines()[:2])
    # reverse.go serviceRecordForIP: one PTR per endpoint with that address. The EndpointSlice
    # controller sets the hostname only in the slices of the Service named by spec.subdomain
    # (the StatefulSet's serviceName); any other Service's slice names the pod by its dashed IP.
    assert lines == sorted([
        f"{reverse}\tname = web-0.nginx.{ns}.svc.cluster.local",
        f"{reverse}\tname = {ip.replace('.', '-')}.web-all.{ns}.svc.cluster.local",
    ])
    assert result.returncode == 0


def test_txt_and_externalname_srv_names_as_coredns_answers_them(lab: Lab) -> None:
    ns = lab.namespace()
    lab.apply(ns, WEB + "---\n" + EXTERNAL.format(name="db", target="db.example.com")
              + "  ports: [{name: pg, port: 5432}]\n"
              + "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: empty\nspec:\n  clusterIP: None\n"
              + "  selector: {app: nothing}\n  ports: [{name: web, port: 80}]\n")
    # kubernetes.go Services, TypeTXT: NODATA when the name has records of another type, else NXDOMAIN
    assert lab.ask(f"web-all.{ns}.svc.cluster.local", "TXT").rcode() == dns.rcode.NOERROR
    assert lab.ask(f"empty.{ns}.svc.cluster.local", "TXT").rcode() == dns.rcode.NXDOMAIN
    # findServices: an ExternalName Service has no _port._proto names, even for a port it declares
    assert lab.ask(f"_pg._tcp.db.{ns}.svc.cluster.local", "SRV").rcode() == dns.rcode.NXDOMAIN
    # ... and its bare name's SRV is NODATA: "SRV for external services is not yet implemented"
    srv = lab.ask(f"db.{ns}.svc.cluster.local", "SRV")
    assert srv.rcode() == dns.rcode.NOERROR and not srv.answer
