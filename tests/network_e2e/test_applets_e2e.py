"""Issue 13: the busybox applets learners reach for, through the real `kubectl exec` against the
embedded cluster: ping a pod (it answers) and a ClusterIP (it cannot), nc to a Service port, the
pod's interfaces and routes as kindnet sets them up, the Service variables in the environment,
the processes of the container, and the image's /bin."""

from __future__ import annotations

import re

from tests.conformance.conftest import seed_block
from tests.network_e2e.conftest import TERMINATED, Lab


def web(lab: Lab) -> tuple[str, dict[str, str], str, str]:
    """A namespace with web-service (three nginx pods) and a busybox client started after it:
    (namespace, pod IPs by name, the ClusterIP, the client's IP)."""
    ns = lab.namespace()
    lab.apply(ns, seed_block("web-service", "nginx"))
    lab.wait_ready(ns, "app=nginx")
    client_ip = lab.client(ns)
    cluster_ip = lab.jsonpath(ns, "svc/web-service", "{.spec.clusterIP}")
    return ns, lab.pod_ips(ns, "app=nginx"), cluster_ip, client_ip


def node_of(lab: Lab, ns: str, pod: str) -> str:
    return lab.jsonpath(ns, f"pod/{pod}", "{.spec.nodeName}")


def test_ping_reaches_a_pod_but_not_a_clusterip(lab: Lab) -> None:
    ns, pods, cluster_ip, _ = web(lab)
    name, ip = sorted(pods.items())[0]
    ttl = 63 if node_of(lab, ns, name) == node_of(lab, ns, "client") else 62   # each node forwards once
    result = lab.exec(ns, "client", "ping", "-c", "2", ip)
    assert (result.stderr, result.returncode) == ("", 0)
    assert re.fullmatch(
        rf"PING {ip} \({ip}\): 56 data bytes\n"
        rf"64 bytes from {ip}: seq=0 ttl={ttl} time=0\.\d\d\d ms\n"
        rf"64 bytes from {ip}: seq=1 ttl={ttl} time=0\.\d\d\d ms\n\n"
        rf"--- {ip} ping statistics ---\n"
        r"2 packets transmitted, 2 packets received, 0% packet loss\n"
        r"round-trip min/avg/max = 0\.\d{3}/0\.\d{3}/0\.\d{3} ms\n", result.stdout), result.stdout

    # A ClusterIP is a DNAT rule for TCP port 80 only: the echo request matches nothing.
    result = lab.exec(ns, "client", "ping", "-c", "1", "-W", "1", "web-service")
    assert result.stdout == (f"PING web-service ({cluster_ip}): 56 data bytes\n\n"
                             "--- web-service ping statistics ---\n"
                             "1 packets transmitted, 0 packets received, 100% packet loss\n")
    assert (result.stderr, result.returncode) == (TERMINATED.format(code=1), 1)

    result = lab.exec(ns, "client", "ping", "-c", "1", "nosuch")
    assert (result.stdout, result.stderr) == ("", "ping: bad address 'nosuch'\n" + TERMINATED.format(code=1))


def test_nc_connects_to_the_service_and_speaks_to_the_app(lab: Lab) -> None:
    ns, pods, cluster_ip, _ = web(lab)
    result = lab.exec(ns, "client", "nc", "-zv", "web-service", "80")
    assert (result.stdout, result.stderr, result.returncode) == ("", f"web-service ({cluster_ip}:80) open\n", 0)
    ip = sorted(pods.values())[0]
    closed = lab.exec(ns, "client", "nc", "-zv", ip, "81")     # refused: silent at one -v
    assert (closed.stdout, closed.stderr, closed.returncode) == ("", TERMINATED.format(code=1), 1)
    closed = lab.exec(ns, "client", "nc", "-zvv", ip, "81")
    assert closed.stderr == f"nc: {ip} ({ip}:81): Connection refused\nsent 0, rcvd 0\n" + TERMINATED.format(code=1)
    answer = lab.exec(ns, "client", "sh", "-c", "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc web-service 80")
    # (kubectl's output is read as text here: the CR LF of the raw reply arrive as LF). The pods
    # run nginx:latest: nginx answers HTTP/1.1 with its headers in its own order, and its page.
    assert answer.returncode == 0 and answer.stdout.startswith("HTTP/1.1 200 OK\nServer: nginx/1.31.4\nDate: ")
    head, _, body = answer.stdout.partition("\n\n")
    assert "<title>Welcome to nginx!</title>" in body and f"Content-Length: {len(body)}\n" in head
    assert head.splitlines()[3:] == ["Content-Type: text/html", f"Content-Length: {len(body)}",
                                     "Last-Modified: Tue, 11 Aug 2026 20:07:37 GMT", "Connection: close",
                                     'ETag: "6a7b8109-380"', "Accept-Ranges: bytes"]


def test_ip_shows_the_pod_network_kindnet_builds(lab: Lab) -> None:
    ns, _, _, client_ip = web(lab)
    cidr = lab.jsonpath(ns, f"node/{node_of(lab, ns, 'client')}", "{.spec.podCIDR}")
    prefix = cidr.rsplit(".", 1)[0]   # 10.244.N.0/24 -> 10.244.N
    assert cidr == f"{prefix}.0/24" and client_ip.startswith(prefix + ".")
    addr = lab.exec(ns, "client", "ip", "-4", "addr", "show", "eth0")
    assert re.fullmatch(r"2: eth0@if\d+: <BROADCAST,MULTICAST,UP,LOWER_UP,M-DOWN> mtu 1500 qdisc noqueue \n"
                        rf"    inet {client_ip}/24 brd {prefix}\.255 scope global eth0\n"
                        r"       valid_lft forever preferred_lft forever\n", addr.stdout), addr.stdout
    routes = lab.exec(ns, "client", "ip", "route")
    assert routes.stdout == (f"default via {prefix}.1 dev eth0 \n"
                             f"{cidr} via {prefix}.1 dev eth0  src {client_ip} \n"
                             f"{prefix}.1 dev eth0 scope link  src {client_ip} \n")
    full = lab.exec(ns, "client", "ip", "addr")
    assert full.stdout.startswith("1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue qlen 1000\n")
    denied = lab.exec(ns, "client", "ip", "link", "set", "eth0", "down")
    assert denied.stderr == "ip: SIOCSIFFLAGS: Operation not permitted\n" + TERMINATED.format(code=2)


def test_env_has_the_service_variables_of_services_older_than_the_pod(lab: Lab) -> None:
    ns, _, cluster_ip, _ = web(lab)
    lab.apply(ns, "apiVersion: v1\nkind: Service\nmetadata:\n  name: later\nspec:\n  selector:\n    app: x\n"
                  "  ports:\n  - port: 8080\n")
    result = lab.exec(ns, "client", "sh", "-c", "env | grep SERVICE_HOST | sort")
    assert result.stdout == f"KUBERNETES_SERVICE_HOST=10.96.0.1\nWEB_SERVICE_SERVICE_HOST={cluster_ip}\n"
    ports = lab.exec(ns, "client", "sh", "-c", "env | grep ^WEB_SERVICE_PORT | sort")
    assert ports.stdout == (f"WEB_SERVICE_PORT=tcp://{cluster_ip}:80\nWEB_SERVICE_PORT_80_TCP=tcp://{cluster_ip}:80\n"
                            f"WEB_SERVICE_PORT_80_TCP_ADDR={cluster_ip}\nWEB_SERVICE_PORT_80_TCP_PORT=80\n"
                            "WEB_SERVICE_PORT_80_TCP_PROTO=tcp\n")


def test_ps_and_bin(lab: Lab) -> None:
    ns = lab.namespace()
    lab.client(ns)
    ps = lab.exec(ns, "client", "ps")
    assert (ps.stdout, ps.returncode) == ("PID   USER     TIME  COMMAND\n"
                                          "    1 root      0:00 sleep 3600\n"
                                          "    7 root      0:00 ps\n", 0)
    count = lab.exec(ns, "client", "sh", "-c", "ls /bin | wc -l")
    assert (count.stdout, count.returncode) == ("405\n", 0)
    which = lab.exec(ns, "client", "which", "nc", "awk", "env")
    assert which.stdout == "/bin/nc\n/bin/awk\n/usr/bin/env\n"
    vi = lab.exec(ns, "client", "vi")
    assert vi.stderr == ("vi: applet not emulated by svclab's embedded cluster (busybox 1.36.1 has it: run it on kind)\n"
                         + TERMINATED.format(code=126))
    pipeline = lab.exec(ns, "client", "sh", "-c", "seq 1 inf | tr 1 2 | head -3; yes | awk '{print $1}' | head -1")
    assert (pipeline.stdout, pipeline.returncode) == ("2\n2\n3\ny\n", 0)
