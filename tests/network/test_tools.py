"""The pod's tools against a real UDP DNS server: nslookup, dig, getent, wget, curl, netexec."""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone

from pod_fakes import DNSHarness, FakePod
from svclab.network.podenv import ExecResult, HttpResponse, PodFS, standard_files
from svclab.network.shell import run
from svclab.network.tools.dig import indent, record_line
from svclab.network.tools.netexec import netexec
from svclab.network.tools.resolv import parse_resolv_conf
from svclab.network.tools.wget import parse_url, progress_line

NOW = datetime(2024, 5, 7, 10, 0, 0, 123456, tzinfo=timezone.utc)
HEADER = "Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\n"


def exec_in(harness: DNSHarness, argv: list[str], setup: Callable[[FakePod], None] | None = None
            ) -> tuple[ExecResult, FakePod]:
    async def go() -> tuple[ExecResult, FakePod]:
        async with harness:
            pod = harness.pod()
            if setup:
                setup(pod)
            return await run(argv, pod), pod
    return asyncio.run(go())


def app(name: str, client: str = "10.244.1.9") -> Callable[[str, str, dict[str, str]], Awaitable[HttpResponse]]:
    async def handler(method: str, path: str, headers: dict[str, str]) -> HttpResponse:
        return await netexec(name, client, method, path, now=NOW, uptime=12.5, client_port=40000)
    return handler


# ------------------------------------------------------------------------------ nslookup
def test_nslookup_clusterip_service(harness: DNSHarness) -> None:
    res, _ = exec_in(harness, ["nslookup", "web-service"])
    assert res.stdout.decode() == HEADER + (
        "Name:\tweb-service.default.svc.cluster.local\nAddress: 10.96.100.50\n\n"
        "** server can't find web-service.svc.cluster.local: NXDOMAIN\n\n"
        "** server can't find web-service.cluster.local: NXDOMAIN\n\n"
        "\n"                                        # AAAA for the Service: NODATA, an empty line
        "** server can't find web-service.svc.cluster.local: NXDOMAIN\n\n"
        "** server can't find web-service.cluster.local: NXDOMAIN\n\n")
    assert res.exit_code == 1 and res.stderr == b"" and res.runtime_error is None


def test_nslookup_sends_a_and_aaaa_for_every_search_domain(harness: DNSHarness) -> None:
    exec_in(harness, ["nslookup", "web-service"])
    assert harness.server is not None
    assert harness.server.queries == [
        (f"web-service.{d}.", t) for t in ("A", "AAAA")
        for d in ("default.svc.cluster.local", "svc.cluster.local", "cluster.local")]


def test_nslookup_headless_service_lists_every_pod(harness: DNSHarness) -> None:
    res, _ = exec_in(harness, ["nslookup", "mysql-headless"])
    out = res.stdout.decode()
    assert out.startswith(HEADER + "".join(
        f"Name:\tmysql-headless.default.svc.cluster.local\nAddress: {ip}\n"
        for ip in ("10.244.1.5", "10.244.2.8", "10.244.3.12")) + "\n")
    assert out.count("** server can't find") == 4 and res.exit_code == 1


def test_nslookup_dotted_name_skips_the_search_path(harness: DNSHarness) -> None:
    # add_query_with_search(): a name with any dot is sent as is, so busybox >= 1.29 cannot
    # find pod-0.service without the namespace (the reason docs pin busybox:1.28).
    res, _ = exec_in(harness, ["nslookup", "mysql-0.mysql-headless"])
    assert res.stdout.decode() == HEADER + (
        "** server can't find mysql-0.mysql-headless: NXDOMAIN\n\n" * 2)
    assert res.exit_code == 1


def test_nslookup_statefulset_pod_fqdn(harness: DNSHarness) -> None:
    res, _ = exec_in(harness, ["nslookup", "mysql-0.mysql-headless.default.svc.cluster.local"])
    assert res.stdout.decode() == HEADER + (
        "Name:\tmysql-0.mysql-headless.default.svc.cluster.local\nAddress: 10.244.1.5\n\n\n")
    assert res.exit_code == 0


def test_nslookup_selectorless_headless_matches_the_seed(harness: DNSHarness) -> None:
    # seeds/headless-service-notes.md, "无 Selector 的 Headless Service 的 DNS 解析没有结果".
    res, _ = exec_in(harness, ["nslookup", "my-headless-service"])
    seed = ("Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\n"
            "** server can't find my-headless-service.default.svc.cluster.local: NXDOMAIN\n\n"
            "** server can't find my-headless-service.svc.cluster.local: NXDOMAIN\n\n"
            "** server can't find my-headless-service.cluster.local: NXDOMAIN\n\n"
            "** server can't find my-headless-service.default.svc.cluster.local: NXDOMAIN\n\n"
            "** server can't find my-headless-service.svc.cluster.local: NXDOMAIN\n\n"
            "** server can't find my-headless-service.cluster.local: NXDOMAIN\n\n")
    assert res.stdout.decode() == seed
    assert res.exit_code == 1


def test_nslookup_srv_and_reverse(harness: DNSHarness) -> None:
    res, _ = exec_in(harness, ["nslookup", "-type=srv", "_mysql._tcp.mysql-headless.default.svc.cluster.local"])
    assert res.stdout.decode() == HEADER + "".join(
        f"_mysql._tcp.mysql-headless.default.svc.cluster.local\tservice = 0 33 3306 "
        f"mysql-{i}.mysql-headless.default.svc.cluster.local\n" for i in range(3)) + "\n"
    assert res.exit_code == 0
    res, _ = exec_in(harness, ["nslookup", "10.96.100.50"])
    assert res.stdout.decode() == HEADER + (
        "50.100.96.10.in-addr.arpa\tname = web-service.default.svc.cluster.local\n\n")
    assert res.exit_code == 0


def test_nslookup_type_a_and_explicit_server(harness: DNSHarness) -> None:
    res, _ = exec_in(harness, ["nslookup", "-type=a", "kube-dns.kube-system.svc.cluster.local"])
    assert res.stdout.decode() == HEADER + (
        "Name:\tkube-dns.kube-system.svc.cluster.local\nAddress: 10.96.0.10\n\n")
    # With a SERVER argument resolv.conf is not read: no search list, so the bare name misses.
    res, _ = exec_in(harness, ["nslookup", "web-service", "10.96.0.10"])
    assert res.stdout.decode() == HEADER + "** server can't find web-service: NXDOMAIN\n\n" * 2


def test_nslookup_usage_and_bad_type(harness: DNSHarness) -> None:
    res, _ = exec_in(harness, ["nslookup"])
    assert res.exit_code == 1 and b"Usage: nslookup [-type=QUERY_TYPE] [-debug] HOST [DNS_SERVER]" in res.stderr
    res, _ = exec_in(harness, ["nslookup", "-type=bogus", "x"])
    assert res.stderr == b'nslookup: invalid query type "bogus"\n' and res.exit_code == 1


def test_nslookup_no_server_answers() -> None:
    async def go() -> ExecResult:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("127.0.0.1", 0))            # bound but never read: queries go unanswered
        try:
            pod = FakePod(dns_server=sock.getsockname())
            return await run(["nslookup", "-timeout=1", "-retry=1", "web-service"], pod)
        finally:
            sock.close()
    res = asyncio.run(go())
    assert res.stdout == b";; connection timed out; no servers could be reached\n\n" and res.exit_code == 1


def test_nslookup_against_the_cluster_dns_server() -> None:
    from svclab.dns.server import DNSServer
    from svclab.dns.view import StaticView
    svc = {"apiVersion": "v1", "kind": "Service",
           "metadata": {"name": "web-service", "namespace": "default"},
           "spec": {"clusterIP": "10.96.100.50", "clusterIPs": ["10.96.100.50"], "type": "ClusterIP",
                    "ports": [{"port": 80, "protocol": "TCP"}], "selector": {"app": "web"}}}

    async def go() -> ExecResult:
        server = DNSServer(StaticView(service_list=[svc]))
        await server.start()
        try:
            return await run(["nslookup", "web-service"], FakePod(dns_server=(server.host, server.port)))
        finally:
            await server.stop()
    res = asyncio.run(go())
    out = res.stdout.decode()
    assert out.startswith(HEADER)
    assert "Name:\tweb-service.default.svc.cluster.local\nAddress: 10.96.100.50\n" in out
    assert "** server can't find web-service.svc.cluster.local: NXDOMAIN" in out
    assert res.exit_code == 1


# ------------------------------------------------------------------------------------ dig
def test_dig_column_layout() -> None:
    assert indent(6, 24) == ("\t\t\t", 24)
    assert indent(38, 24) == (" ", 39)
    assert record_line("a.com.", 300, "A", "1.2.3.4") == "a.com.\t\t\t300\tIN\tA\t1.2.3.4"
    assert record_line("web-service.default.svc.cluster.local.", 30, "A", "10.96.100.50") == \
        "web-service.default.svc.cluster.local. 30 IN A\t10.96.100.50"
    assert record_line(";google.com.", None, "A", None) == ";google.com.\t\t\tIN\tA"


def test_dig_full_output(harness: DNSHarness) -> None:
    res, _ = exec_in(harness, ["dig", "web-service.default.svc.cluster.local"])
    out = res.stdout.decode()
    pattern = (r"\n; <<>> DiG 9\.18\.\d+ <<>> web-service\.default\.svc\.cluster\.local\n"
               r";; global options: \+cmd\n;; Got answer:\n"
               r";; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: \d+\n"
               r";; flags: qr aa rd; QUERY: 1, ANSWER: 1, AUTHORITY: 0, ADDITIONAL: 1\n"
               r";; WARNING: recursion requested but not available\n\n"
               r";; OPT PSEUDOSECTION:\n; EDNS: version: 0, flags:; udp: \d+\n"
               r";; QUESTION SECTION:\n;web-service\.default\.svc\.cluster\.local\.\tIN A\n\n"
               r";; ANSWER SECTION:\nweb-service\.default\.svc\.cluster\.local\. 30 IN A\t10\.96\.100\.50\n\n"
               r";; Query time: \d+ msec\n;; SERVER: 10\.96\.0\.10#53\(10\.96\.0\.10\) \(UDP\)\n"
               r";; WHEN: \w{3} \w{3} \d\d \d\d:\d\d:\d\d UTC \d{4}\n;; MSG SIZE  rcvd: \d+\n\n")
    assert re.fullmatch(pattern, out), out
    assert res.exit_code == 0


def test_dig_nxdomain_shows_the_soa(harness: DNSHarness) -> None:
    res, _ = exec_in(harness, ["dig", "nothing.default.svc.cluster.local"])
    out = res.stdout.decode()
    assert "status: NXDOMAIN" in out
    assert ";; AUTHORITY SECTION:\ncluster.local.\t\t30\tIN\tSOA\tns.dns.cluster.local. hostmaster.cluster.local." in out
    assert ";; ANSWER SECTION:" not in out and res.exit_code == 0


def test_dig_short_search_reverse_and_server(harness: DNSHarness) -> None:
    res, _ = exec_in(harness, ["dig", "+short", "mysql-headless.default.svc.cluster.local"])
    assert res.stdout == b"10.244.1.5\n10.244.2.8\n10.244.3.12\n"
    res, _ = exec_in(harness, ["dig", "+short", "web-service"])
    assert res.stdout == b""                               # dig does not search by default
    res, _ = exec_in(harness, ["dig", "+short", "+search", "web-service"])
    assert res.stdout == b"10.96.100.50\n"
    res, _ = exec_in(harness, ["dig", "+short", "SRV", "_mysql._tcp.mysql-headless.default.svc.cluster.local"])
    assert res.stdout.decode().splitlines()[0] == "0 33 3306 mysql-0.mysql-headless.default.svc.cluster.local."
    res, _ = exec_in(harness, ["dig", "+short", "-x", "10.96.100.50"])
    assert res.stdout == b"web-service.default.svc.cluster.local.\n"
    res, _ = exec_in(harness, ["dig", "@kube-dns.kube-system.svc.cluster.local", "web-service.default.svc.cluster.local"])
    assert ";; SERVER: 10.96.0.10#53(kube-dns.kube-system.svc.cluster.local) (UDP)" in res.stdout.decode()


def test_dig_noall_answer(harness: DNSHarness) -> None:
    res, _ = exec_in(harness, ["dig", "+noall", "+answer", "web-service.default.svc.cluster.local"])
    assert res.stdout == b"web-service.default.svc.cluster.local. 30 IN A\t10.96.100.50\n"


# --------------------------------------------------------------------------------- getent
def test_getent_hosts(harness: DNSHarness) -> None:
    res, _ = exec_in(harness, ["getent", "hosts", "mysql-headless"])
    assert res.stdout.decode() == "".join(f"{ip:<15} mysql-headless.default.svc.cluster.local\n"
                                          for ip in ("10.244.1.5", "10.244.2.8", "10.244.3.12"))
    res, _ = exec_in(harness, ["getent", "hosts", "client"])     # from /etc/hosts, no DNS
    assert res.stdout == b"10.244.1.9      client\n"
    assert harness.server is not None and harness.server.queries == []
    res, _ = exec_in(harness, ["getent", "hosts", "nope"])
    assert res.stdout == b"" and res.exit_code == 2


# ----------------------------------------------------------------------------------- wget
def test_wget_loop_from_the_seed(harness: DNSHarness) -> None:
    script = 'for i in 0 1 2; do echo "Testing mysql-$i"; wget -qO- http://mysql-$i.mysql-headless:3306; done'

    def setup(pod: FakePod) -> None:
        for i, ip in enumerate(("10.244.1.5", "10.244.2.8", "10.244.3.12")):
            pod.http[(ip, 3306)] = app(f"mysql-{i}")
    res, pod = exec_in(harness, ["sh", "-c", script], setup)
    now = "NOW: 2024-05-07 10:00:00.123456000 +0000 UTC m=+12.500000000"
    assert res.stdout.decode() == f"Testing mysql-0\n{now}Testing mysql-1\n{now}Testing mysql-2\n{now}"
    assert res.stderr == b"" and res.exit_code == 0
    assert [(r[0], r[1], r[2], r[3]) for r in pod.requests] == [
        ("10.244.1.5", 3306, "GET", "/"), ("10.244.2.8", 3306, "GET", "/"), ("10.244.3.12", 3306, "GET", "/")]
    assert pod.requests[0][4]["Host"] == "mysql-0.mysql-headless:3306"
    assert pod.requests[0][4]["User-Agent"] == "Wget"


def test_wget_refused_and_progress_lines(harness: DNSHarness) -> None:
    res, _ = exec_in(harness, ["wget", "-O-", "http://web-service"])
    assert res.stderr == (b"Connecting to web-service (10.96.100.50:80)\n"
                          b"wget: can't connect to remote host (10.96.100.50): Connection refused\n")
    assert res.exit_code == 1

    res, _ = exec_in(harness, ["wget", "-O-", "http://web-service/hostname"],
                     lambda pod: pod.http.__setitem__(("10.96.100.50", 80), app("web-0")))
    assert res.stdout == b"web-0"
    assert res.stderr.decode() == ("Connecting to web-service (10.96.100.50:80)\nwriting to stdout\n"
                                   "-                    100% |********************************|     5  0:00:00 ETA\n"
                                   "written to stdout\n")


def test_wget_bad_address_uses_the_search_path(harness: DNSHarness) -> None:
    res, _ = exec_in(harness, ["wget", "-qO-", "http://mysql-9.mysql-headless:3306"])
    assert res.stderr == b"wget: bad address 'mysql-9.mysql-headless:3306'\n" and res.exit_code == 1
    assert harness.server is not None
    assert ("mysql-9.mysql-headless.default.svc.cluster.local.", "A") in harness.server.queries
    assert ("mysql-9.mysql-headless.", "A") in harness.server.queries


def test_wget_http_error_timeout_and_saving(harness: DNSHarness) -> None:
    async def notfound(method: str, path: str, headers: dict[str, str]) -> HttpResponse:
        return HttpResponse(404, "Not Found", {}, b"404 page not found\n")
    res, _ = exec_in(harness, ["wget", "-q", "-O", "-", "http://web-service/x"],
                     lambda pod: pod.http.__setitem__(("10.96.100.50", 80), notfound))
    assert res.stderr == b"wget: server returned error: HTTP/1.1 404 Not Found\n" and res.exit_code == 1

    res, pod = exec_in(harness, ["wget", "-T", "2", "-qO-", "http://web-service"],
                       lambda pod: pod.http.__setitem__(("10.96.100.50", 80), "timeout"))
    assert res.stderr == b"wget: download timed out\n" and pod.slept == [2]

    async def twice() -> tuple[ExecResult, ExecResult, FakePod]:
        async with harness:
            pod = harness.pod()
            pod.http[("10.96.100.50", 80)] = app("web-1")
            first = await run(["wget", "http://web-service/hostname"], pod)
            second = await run(["wget", "http://web-service/hostname"], pod)
            return first, second, pod
    first, second, pod = asyncio.run(twice())
    assert pod.fs.read("/hostname") == b"web-1"
    assert b"saving to 'hostname'\n" in first.stderr and first.stderr.endswith(b"'hostname' saved\n")
    assert second.stderr == b"wget: can't open 'hostname': File exists\n" and second.exit_code == 1


def test_wget_helpers() -> None:
    url = parse_url("http://mysql-0.mysql-headless:3306/a/b?x=1")
    assert not isinstance(url, str)
    assert (url.host, url.hostname, url.port, url.path) == ("mysql-0.mysql-headless:3306", "mysql-0.mysql-headless",
                                                            3306, "a/b?x=1")
    assert parse_url("ftpx://h") == "wget: not an http or ftp url: ftpx://h"
    assert progress_line("index.html", 90) == "index.html           100% |********************************|    90  0:00:00 ETA\n"


# ----------------------------------------------------------------------------------- curl
def test_curl(harness: DNSHarness) -> None:
    serve: Callable[[FakePod], None] = lambda pod: pod.http.__setitem__(("10.96.100.50", 80), app("web-2"))
    res, pod = exec_in(harness, ["curl", "-s", "http://web-service/hostname"], serve)
    assert (res.stdout, res.stderr, res.exit_code) == (b"web-2", b"", 0)
    assert pod.requests[0][4]["Host"] == "web-service" and pod.requests[0][4]["User-Agent"].startswith("curl/")
    res, _ = exec_in(harness, ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}\\n", "http://web-service/healthz"], serve)
    assert res.stdout == b"200\n"
    res, _ = exec_in(harness, ["curl", "-sS", "http://web-service:8080/"])
    assert re.fullmatch(rb"curl: \(7\) Failed to connect to web-service port 8080 after \d+ ms: "
                        rb"Couldn't connect to server\n", res.stderr) and res.exit_code == 7
    res, _ = exec_in(harness, ["curl", "-s", "http://web-service:8080/"])
    assert res.stderr == b"" and res.exit_code == 7
    res, _ = exec_in(harness, ["curl", "-sS", "http://nope"])
    assert res.stderr == b"curl: (6) Could not resolve host: nope\n" and res.exit_code == 6


# -------------------------------------------------------------------------------- netexec
def test_netexec_endpoints() -> None:
    async def go() -> list[HttpResponse]:
        return [await netexec("web-0", "10.244.1.9", "GET", p, now=NOW, uptime=1.0, client_port=51234)
                for p in ("/hostname", "/clientip", "/healthz", "/", "/anything", "/echo?msg=hi")]
    hostname, clientip, healthz, root, other, echo = asyncio.run(go())
    assert (hostname.status, hostname.body) == (200, b"web-0")
    assert clientip.body == b"10.244.1.9:51234"
    assert (healthz.status, healthz.body, healthz.headers["Content-Length"]) == (200, b"", "0")
    assert root.body == b"NOW: 2024-05-07 10:00:00.123456000 +0000 UTC m=+1.000000000"
    assert other.body == root.body                 # ServeMux sends unknown paths to "/"
    assert echo.body == b"hi" and hostname.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert hostname.headers["Date"] == "Tue, 07 May 2024 10:00:00 GMT"


# ------------------------------------------------------------------------------ resolv.conf
def test_resolv_conf_and_standard_files() -> None:
    files = standard_files("web-0", "10.244.1.5", "demo", fqdn="web-0.nginx.demo.svc.cluster.local")
    conf = parse_resolv_conf(files["/etc/resolv.conf"].decode())
    assert conf.nameservers == ["10.96.0.10"] and conf.ndots == 5
    assert conf.search == ["demo.svc.cluster.local", "svc.cluster.local", "cluster.local"]
    assert files["/etc/hosts"].decode().endswith("10.244.1.5\tweb-0.nginx.demo.svc.cluster.local\tweb-0\n")
    fs = PodFS(files)
    assert fs.read("/etc/hostname") == b"web-0\n" and fs.isdir("/tmp")

