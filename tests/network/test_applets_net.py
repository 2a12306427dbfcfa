"""ping, nc and ip through the emulated shell, against a real UDP DNS server, with busybox 1.36.1's
output formats and error texts; and the pieces under them (who answers a ping, Go's HTTP server
behind nc). Waits go through the pod's clock: the fake pod records them instead of sleeping."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timezone

import pytest

from pod_fakes import DNSHarness, FakePod
from svclab.network import gohttp, icmp
from svclab.network.icmp import EchoReply
from svclab.network.podenv import ExecResult, HttpResponse
from svclab.network.shell import run
from svclab.network.tcp import Connection, Endpoint
from svclab.network.tools.netexec import netexec

NOW = datetime(2024, 5, 7, 10, 0, 0, tzinfo=timezone.utc)
POD = "10.244.1.5"           # mysql-0 in the DNS fixture, on another node
CLUSTER_IP = "10.96.100.50"  # web-service


async def hostname_app(method: str, path: str, headers: dict[str, str]) -> HttpResponse:
    return await netexec("mysql-0", "10.244.1.9", method, path, now=NOW, uptime=3.0)


def network_pod(pod: FakePod) -> None:
    """mysql-0 answers ping (62: two nodes forward the reply) and serves HTTP on 80; the Service's
    ClusterIP forwards port 80 to it and, like any ClusterIP in iptables mode, answers no ping."""
    pod.icmp[POD] = EchoReply(POD, 62, 0.153)
    pod.http[(POD, 80)] = hostname_app
    pod.http[(CLUSTER_IP, 80)] = hostname_app
    pod.http[(POD, 3306)] = "timeout"


def sh(harness: DNSHarness, script: str, stdin: bytes = b"",
       setup: Callable[[FakePod], None] = network_pod) -> tuple[ExecResult, FakePod]:
    async def go() -> tuple[ExecResult, FakePod]:
        async with harness:
            pod = harness.pod()
            setup(pod)
            return await run(["sh", "-c", script], pod, stdin=stdin), pod
    return asyncio.run(go())


def out(res: ExecResult) -> tuple[str, str, int]:
    return res.stdout.decode(), res.stderr.decode(), res.exit_code


# ---------------------------------------------------------------------------------------- ping
def test_ping_a_pod_prints_each_reply_and_busybox_statistics(harness: DNSHarness) -> None:
    res, pod = sh(harness, f"ping -c 3 {POD}")
    assert out(res) == (
        f"PING {POD} ({POD}): 56 data bytes\n"
        f"64 bytes from {POD}: seq=0 ttl=62 time=0.153 ms\n"
        f"64 bytes from {POD}: seq=1 ttl=62 time=0.153 ms\n"
        f"64 bytes from {POD}: seq=2 ttl=62 time=0.153 ms\n"
        f"\n--- {POD} ping statistics ---\n"
        "3 packets transmitted, 3 packets received, 0% packet loss\n"
        "round-trip min/avg/max = 0.153/0.153/0.153 ms\n", "", 0)
    assert pod.slept == [1.0, 1.0]   # one second apart; it ends as soon as the third reply is in


def test_ping_a_name_resolves_it_through_the_pods_resolver(harness: DNSHarness) -> None:
    res, _ = sh(harness, "ping -c 1 mysql-0.mysql-headless.default.svc.cluster.local")
    assert res.stdout.decode().startswith(
        f"PING mysql-0.mysql-headless.default.svc.cluster.local ({POD}): 56 data bytes\n64 bytes from {POD}: seq=0")
    assert "--- mysql-0.mysql-headless.default.svc.cluster.local ping statistics ---" in res.stdout.decode()


def test_ping_a_clusterip_gets_no_reply(harness: DNSHarness) -> None:
    res, pod = sh(harness, "ping -c 2 web-service")
    assert out(res) == (
        f"PING web-service ({CLUSTER_IP}): 56 data bytes\n"
        "\n--- web-service ping statistics ---\n"
        "2 packets transmitted, 0 packets received, 100% packet loss\n", "", 1)
    assert pod.slept == [1.0, 10]   # after the last request busybox waits -W (10 s) for a first reply
    res, pod = sh(harness, f"ping -c 1 -W 1 {CLUSTER_IP}")
    assert res.exit_code == 1 and pod.slept == [1]


def test_ping_deadline_quiet_and_size(harness: DNSHarness) -> None:
    res, pod = sh(harness, f"ping -w 3 {CLUSTER_IP}")
    assert "3 packets transmitted, 0 packets received, 100% packet loss\n" in res.stdout.decode()
    assert res.exit_code == 1 and pod.slept == [1.0, 1.0, 1.0]
    res, _ = sh(harness, f"ping -q -c 2 {POD}")
    assert out(res) == (
        f"PING {POD} ({POD}): 56 data bytes\n\n--- {POD} ping statistics ---\n"
        "2 packets transmitted, 2 packets received, 0% packet loss\n"
        "round-trip min/avg/max = 0.153/0.153/0.153 ms\n", "", 0)
    res, _ = sh(harness, f"ping -c 1 -s 100 {POD}")
    assert f"PING {POD} ({POD}): 100 data bytes\n108 bytes from {POD}: seq=0 ttl=62 time=0.153 ms\n" \
        in res.stdout.decode()
    res, _ = sh(harness, f"ping -c 1 -s 2 {POD}")   # too small to carry a timestamp: no times
    assert f"10 bytes from {POD}: seq=0 ttl=62\n" in res.stdout.decode()
    assert "round-trip" not in res.stdout.decode()


def test_ping_ttl_too_small_for_the_hops(harness: DNSHarness) -> None:
    res, _ = sh(harness, f"ping -c 1 -W 1 -t 1 {POD}")
    assert res.stderr == b"ping: warning: got ICMP 11 (Time Exceeded)\n" and res.exit_code == 1


def test_ping_errors_are_busyboxs(harness: DNSHarness) -> None:
    assert out(sh(harness, "ping nosuch")[0]) == ("", "ping: bad address 'nosuch'\n", 1)
    assert out(sh(harness, "ping -c x web")[0]) == ("", "ping: invalid number 'x'\n", 1)
    assert out(sh(harness, "ping -s 70000 web")[0]) == ("", "ping: number 70000 is not in 0..65535 range\n", 1)
    for script in ("ping", "ping a b", "ping -Z x"):
        res, _ = sh(harness, script)
        assert res.exit_code == 1 and "Usage: ping [OPTIONS] HOST\n" in res.stderr.decode()
    assert sh(harness, "ping -Z x")[0].stderr.startswith(b"ping: invalid option -- 'Z'\nBusyBox v1.36.1")
    res, _ = sh(harness, "ping --help")
    assert res.exit_code == 0 and "\t-W SEC\t\tSeconds to wait for the first response (default 10)\n" in res.stderr.decode()


POD_A = {"metadata": {"name": "a"}, "spec": {"nodeName": "worker"}, "status": {"phase": "Running", "podIP": "10.244.1.2"}}
POD_B = {"metadata": {"name": "b"}, "spec": {"nodeName": "worker"}, "status": {"phase": "Running", "podIP": "10.244.1.3"}}
POD_C = {"metadata": {"name": "c"}, "spec": {"nodeName": "worker2"}, "status": {"phase": "Running", "podIP": "10.244.2.2"}}
PENDING = {"metadata": {"name": "p"}, "spec": {"nodeName": "worker2"}, "status": {"phase": "Pending", "podIP": "10.244.2.9"}}
NODES = [{"metadata": {"name": "worker"}, "spec": {"podCIDR": "10.244.1.0/24"},
          "status": {"addresses": [{"type": "InternalIP", "address": "172.18.0.3"}]}},
         {"metadata": {"name": "worker2"}, "spec": {"podCIDR": "10.244.2.0/24"},
          "status": {"addresses": [{"type": "InternalIP", "address": "172.18.0.4"}]}}]


@pytest.mark.parametrize("dest, ttl", [
    ("10.244.1.2", 64), ("127.0.0.1", 64),     # the pod itself
    ("10.244.1.3", 63), ("10.244.2.2", 62),    # a pod on the same node, on another node
    ("172.18.0.3", 64), ("10.244.1.1", 64),    # its node, and the node's end of every veth
    ("172.18.0.4", 63),                        # another node
    ("10.96.0.1", None), ("10.244.2.9", None), ("8.8.8.8", None), ("web", None),
])
def test_who_answers_a_ping(dest: str, ttl: int | None) -> None:
    reply = icmp.echo("10.244.1.2", "worker", dest, 0, [POD_A, POD_B, POD_C, PENDING], NODES)
    assert (reply.ttl if reply else None) == ttl
    if reply:
        assert reply.source == dest and 0.0 < reply.rtt_ms < 1.0
        assert reply == icmp.echo("10.244.1.2", "worker", dest, 0, [POD_A, POD_B, POD_C], NODES)   # repeatable


# ------------------------------------------------------------------------------------------ nc
def test_nc_zv_reports_an_open_port(harness: DNSHarness) -> None:
    res, _ = sh(harness, f"nc -zv {POD} 80; echo $?")
    assert out(res) == ("0\n", f"{POD} ({POD}:80) open\n", 0)
    res, _ = sh(harness, "nc -zv web-service 80")
    assert out(res) == ("", f"web-service ({CLUSTER_IP}:80) open\n", 0)


def test_nc_refused_is_silent_at_one_v_and_reported_at_two(harness: DNSHarness) -> None:
    assert out(sh(harness, f"nc -zv {POD} 81")[0]) == ("", "", 1)
    assert out(sh(harness, f"nc -z {POD} 81")[0]) == ("", "", 1)
    assert out(sh(harness, f"nc -zvv {POD} 81")[0]) == (
        "", f"nc: {POD} ({POD}:81): Connection refused\nsent 0, rcvd 0\n", 1)


def test_nc_a_dropped_connection_times_out(harness: DNSHarness) -> None:
    res, pod = sh(harness, f"nc -zv -w 2 {POD} 3306")
    assert out(res) == ("", f"nc: {POD} ({POD}:3306): Connection timed out\n", 1) and pod.slept == [2]
    res, pod = sh(harness, f"nc -z {POD} 3306")   # no -w: the kernel gives up on the SYN
    assert out(res) == ("", "", 1) and pod.slept == [127.0]


def test_nc_sends_stdin_and_prints_the_raw_reply(harness: DNSHarness) -> None:
    res, _ = sh(harness, "printf 'GET /hostname HTTP/1.0\\r\\n\\r\\n' | nc web-service 80")
    assert out(res) == ("HTTP/1.0 200 OK\r\nDate: Tue, 07 May 2024 10:00:00 GMT\r\nContent-Length: 7\r\n"
                        "Content-Type: text/plain; charset=utf-8\r\n\r\nmysql-0", "", 0)
    two = "GET /hostname HTTP/1.1\\r\\nHost: web\\r\\n\\r\\nGET /hostname HTTP/1.1\\r\\nHost: web\\r\\n\\r\\n"
    res, _ = sh(harness, f"printf '{two}' | nc web-service 80")
    assert res.stdout.count(b"HTTP/1.1 200 OK\r\n") == 2 and res.stdout.endswith(b"mysql-0")


def test_nc_to_an_http_app_gets_gos_errors(harness: DNSHarness) -> None:
    res, _ = sh(harness, "printf 'GET / HTTP/1.1\\r\\n\\r\\n' | nc web-service 80")
    assert res.stdout == (b"HTTP/1.1 400 Bad Request: missing required Host header\r\n"
                          b"Content-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"
                          b"400 Bad Request: missing required Host header")
    res, _ = sh(harness, f"echo hello | nc {POD} 80")
    assert res.stdout == (b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n"
                          b"Connection: close\r\n\r\n400 Bad Request")
    assert out(sh(harness, f"nc {POD} 80 </dev/null")[0]) == ("", "", 0)   # closed at once: no reply


def test_nc_hex_dump(harness: DNSHarness) -> None:
    res, _ = sh(harness, "printf 'GET /hostname HTTP/1.0\\r\\n\\r\\n' | nc -o /tmp/dump web-service 80 >/dev/null;"
                         " head -n 2 /tmp/dump")
    assert res.stdout.decode() == (
        "> 00000000 47 45 54 20 2f 68 6f 73 74 6e 61 6d 65 20 48 54 # GET /hostname HT\n"
        "> 00000010 54 50 2f 31 2e 30 0d 0a 0d 0a                   # TP/1.0....\n")


def test_nc_errors_are_busyboxs(harness: DNSHarness) -> None:
    assert out(sh(harness, "nc nosuch 80")[0]) == ("", "nc: bad address 'nosuch'\n", 1)
    assert out(sh(harness, f"nc {POD} http")[0]) == ("", "nc: bad port 'http'\n", 1)
    assert out(sh(harness, "nc -w x a 1")[0]) == ("", "nc: invalid number 'x'\n", 1)
    res, _ = sh(harness, "nc")
    assert res.exit_code == 1 and "Usage: nc [OPTIONS] HOST PORT  - connect\n" in res.stderr.decode()
    res, _ = sh(harness, "nc -l -p 8080")
    assert out(res) == ("", "nc: listening (-l) is not emulated by svclab's embedded cluster (it works on kind)\n", 1)


def test_go_http_server_details() -> None:
    resp = HttpResponse(302, "Found", {"Location": "/x", "Date": "D", "Content-Length": "0"}, b"")
    assert gohttp.response_bytes(resp, (1, 1), "GET", keep_alive=False) == (
        b"HTTP/1.1 302 Found\r\nLocation: /x\r\nDate: D\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    ok = HttpResponse(200, "OK", {"Date": "D", "Content-Length": "2"}, b"ok")
    assert gohttp.response_bytes(ok, (1, 1), "HEAD", keep_alive=True).endswith(b"Content-Length: 2\r\n\r\n")

    async def exchange(request: bytes) -> bytes:
        conn = Connection(Endpoint("10.244.1.9", 40000), Endpoint(POD, 80), Endpoint(POD, 80))

        async def handler(method: str, path: str, headers: dict[str, str]) -> HttpResponse:
            return ok

        server = asyncio.ensure_future(gohttp.serve(conn, handler))
        await conn.send(request)
        conn.shutdown_write()
        data = b""
        while chunk := await conn.recv():
            data += chunk
        await server
        return data

    assert asyncio.run(exchange(b"GET / HTTP/2.0\r\n\r\n")).startswith(
        b"HTTP/1.1 505 HTTP Version Not Supported: unsupported protocol version\r\n")
    assert asyncio.run(exchange(b"GET / HTTP/1.1\r\nX: " + b"a" * (gohttp.MAX_HEADER_BYTES + 10) + b"\r\n\r\n")) == (
        b"HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"Connection: close\r\n\r\n431 Request Header Fields Too Large")
    assert asyncio.run(exchange(b"POST / HTTP/1.0\r\nContent-Length: 3\r\n\r\nabcGET")).startswith(b"HTTP/1.0 200 OK")
    assert asyncio.run(exchange(b"GET / HTTP/1.1\r\nHost: x")) == b""   # closed mid-request: no answer


# ------------------------------------------------------------------------------------------ ip
# The fake pod's IP is 10.244.1.9: kindnet gives it 10.244.1.9/24, gateway 10.244.1.1.
LINK_LO = ("1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue qlen 1000\n"
           "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n")
ETH0 = "2: eth0@if10: <BROADCAST,MULTICAST,UP,LOWER_UP,M-DOWN> mtu 1500 qdisc noqueue \n"


def test_ip_addr_shows_lo_and_the_veth_with_the_pod_ip(harness: DNSHarness) -> None:
    res, _ = sh(harness, "ip addr")
    text = res.stdout.decode()
    assert text.startswith(LINK_LO + "    inet 127.0.0.1/8 scope host lo\n       valid_lft forever preferred_lft forever\n"
                           "    inet6 ::1/128 scope host \n       valid_lft forever preferred_lft forever\n" + ETH0)
    lines = text.splitlines()
    assert lines[7].startswith("    link/ether ") and lines[7].endswith(" brd ff:ff:ff:ff:ff:ff")
    assert lines[8:10] == ["    inet 10.244.1.9/24 brd 10.244.1.255 scope global eth0",
                           "       valid_lft forever preferred_lft forever"]
    assert lines[10].startswith("    inet6 fe80::") and lines[10].endswith("/64 scope link ")
    assert res.exit_code == 0 and sh(harness, "ip a")[0].stdout == res.stdout == sh(harness, "ip address show")[0].stdout


def test_ip_family_device_and_oneline(harness: DNSHarness) -> None:
    res, _ = sh(harness, "ip -4 addr show eth0")
    assert out(res) == (ETH0 + "    inet 10.244.1.9/24 brd 10.244.1.255 scope global eth0\n"
                        "       valid_lft forever preferred_lft forever\n", "", 0)
    res, _ = sh(harness, "ip -o -4 a")
    assert out(res) == ("1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever\n"
                        "2: eth0    inet 10.244.1.9/24 brd 10.244.1.255 scope global eth0\\       valid_lft forever "
                        "preferred_lft forever\n", "", 0)
    res, _ = sh(harness, "ip link")
    assert res.stdout.decode().startswith(LINK_LO + ETH0 + "    link/ether ")


def test_ip_route_is_kindnets(harness: DNSHarness) -> None:
    res, _ = sh(harness, "ip route")
    assert out(res) == ("default via 10.244.1.1 dev eth0 \n"
                        "10.244.1.0/24 via 10.244.1.1 dev eth0  src 10.244.1.9 \n"
                        "10.244.1.1 dev eth0 scope link  src 10.244.1.9 \n", "", 0)
    assert sh(harness, "ip r get 10.96.0.10")[0].stdout == b"10.96.0.10 via 10.244.1.1 dev eth0  src 10.244.1.9 \n"
    assert sh(harness, "ip route get 10.244.1.9")[0].stdout == b"local 10.244.1.9 dev lo  src 10.244.1.9 \n"
    assert sh(harness, "ip -6 route")[0].stdout == (b"fe80::/64 dev eth0  metric 256 \n"
                                                   b"multicast ff00::/8 dev eth0  metric 256 \n")


def test_ip_changes_are_refused_and_errors_are_busyboxs(harness: DNSHarness) -> None:
    assert out(sh(harness, "ip link set eth0 down")[0]) == ("", "ip: SIOCSIFFLAGS: Operation not permitted\n", 2)
    assert out(sh(harness, "ip addr add 10.0.0.1/24 dev eth0")[0]) == (
        "", "ip: RTNETLINK answers: Operation not permitted\n", 2)
    assert out(sh(harness, "ip route add default via 10.244.1.2")[0]) == (
        "", "ip: RTNETLINK answers: Operation not permitted\n", 2)
    assert out(sh(harness, "ip addr show nosuch")[0]) == ("", "ip: can't find device 'nosuch'\n", 1)
    assert out(sh(harness, "ip link show nosuch")[0]) == ("", "ip: can't find device 'nosuch'\n", 2)
    assert out(sh(harness, "ip addr blah")[0]) == ("", "ip: invalid argument 'blah' to 'ip'\n", 1)
    assert out(sh(harness, "ipaddr blah")[0]) == ("", "ipaddr: invalid argument 'blah' to 'ipaddr'\n", 1)
    assert out(sh(harness, "ip addr show dev")[0]) == ("", 'ip: command line is not complete, try "help"\n', 1)
    for script in ("ip", "ip foo", "ip -x a", "ip t"):   # "t": tunnel or tunl, ambiguous
        res, _ = sh(harness, script)
        assert res.exit_code == 1 and "Usage: ip [OPTIONS] address|route|link|tunnel|neigh|rule [ARGS]\n" \
            in res.stderr.decode()
    assert sh(harness, "ip rule")[0].stdout == (b"0:\tfrom all lookup local \n32766:\tfrom all lookup main \n"
                                               b"32767:\tfrom all lookup default \n")
