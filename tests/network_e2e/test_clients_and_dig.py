"""Issue 3, parts 5 and 6: the Python client's exec (kubernetes.stream over v4.channel.k8s.io)
returns what kubectl prints, and `dig` in an agnhost pod answers A, SRV and PTR like CoreDNS."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from kubernetes import client as k8s, config
from kubernetes.stream import stream

from tests.conformance.conftest import seed_block
from tests.network_e2e.conftest import AGNHOST, Lab, short_name_lookup

NAMED = """apiVersion: v1
kind: Service
metadata:
  name: web-named
spec:
  selector:
    app: nginx
  ports:
  - name: http
    port: 8080
    targetPort: 80
---
apiVersion: v1
kind: Service
metadata:
  name: web-headless
spec:
  clusterIP: None
  selector:
    app: nginx
  ports:
  - name: http
    port: 80
"""


@pytest.fixture
def core(lab: Lab) -> Iterator[k8s.CoreV1Api]:
    api = config.new_client_from_config(config_file=str(lab.cluster.kubeconfig_path))
    yield k8s.CoreV1Api(api)
    api.close()


def test_python_client_exec_returns_the_nslookup_text(lab: Lab, core: k8s.CoreV1Api) -> None:
    ns = lab.namespace()
    lab.apply(ns, seed_block("web-service", "nginx"))
    lab.client(ns)
    cluster_ip = lab.jsonpath(ns, "svc/web-service", "{.spec.clusterIP}")
    via_kubectl = lab.exec(ns, "client", "nslookup", "web-service").stdout
    assert via_kubectl == short_name_lookup("web-service", ns, [cluster_ip])

    # This client offers v5 first then v4, and the server takes the first it knows (as the API
    # server does); forcing the header makes it speak v4.channel.k8s.io.
    for protocol in ("v5.channel.k8s.io", "v4.channel.k8s.io"):
        if protocol.startswith("v4"):
            core.api_client.default_headers["sec-websocket-protocol"] = protocol
        text = stream(core.connect_get_namespaced_pod_exec, "client", ns, command=["nslookup", "web-service"],
                      stderr=True, stdin=False, stdout=True, tty=False)
        assert text == via_kubectl

        # Unpreloaded: the negotiated protocol, stdout and stderr apart, and the exit code.
        ws = stream(core.connect_get_namespaced_pod_exec, "client", ns, command=["sh", "-c", "nslookup web-service; echo oops >&2; exit 4"],
                    stderr=True, stdin=False, stdout=True, tty=False, _preload_content=False)
        assert ws.sock.getheaders()["sec-websocket-protocol"] == protocol
        ws.run_forever(timeout=10)
        assert (ws.read_stdout(), ws.read_stderr(), ws.returncode) == (via_kubectl, "oops\n", 4)
        ws.close()


def test_dig_in_agnhost_pod(lab: Lab) -> None:
    ns = lab.namespace()
    lab.apply(ns, seed_block("web-service", "nginx"))
    lab.apply(ns, NAMED)
    lab.client(ns, "agnhost", AGNHOST)
    lab.wait_ready(ns, "app=nginx")
    cluster_ip = lab.jsonpath(ns, "svc/web-service", "{.spec.clusterIP}")
    named_ip = lab.jsonpath(ns, "svc/web-named", "{.spec.clusterIP}")
    zone = f"{ns}.svc.cluster.local"

    def dig(*args: str) -> str:
        result = lab.exec(ns, "agnhost", "dig", *args)
        assert (result.stderr, result.returncode) == ("", 0)
        return result.stdout

    assert dig("+short", f"web-service.{zone}") == f"{cluster_ip}\n"
    # dig does not use the search list unless told (+search).
    assert dig("+short", "web-service") == ""
    assert dig("+short", "+search", "web-service") == f"{cluster_ip}\n"

    # SRV for a named port: a ClusterIP Service is one target, itself, weight 100.
    assert dig("+short", "SRV", f"_http._tcp.web-named.{zone}") == f"0 100 8080 web-named.{zone}.\n"
    # A headless Service: one target per ready pod, weights sharing 100.
    pods = lab.pod_ips(ns, "app=nginx")
    headless = dig("+short", "SRV", f"_http._tcp.web-headless.{zone}").splitlines()
    assert len(headless) == 3
    targets = []
    for line in headless:
        priority, weight, port, target = line.split()
        assert (priority, weight, port) == ("0", "33", "80")
        targets.append(target)
    # Deployment pods have no hostname: CoreDNS names each endpoint by its dashed IP.
    assert sorted(targets) == sorted(f"{ip.replace('.', '-')}.web-headless.{zone}." for ip in pods.values())
    # An unnamed port has no SRV record.
    assert dig("+short", "SRV", f"_http._tcp.web-service.{zone}") == ""

    # PTR for the ClusterIPs.
    assert dig("-x", cluster_ip, "+short") == f"web-service.{zone}.\n"
    assert dig("-x", named_ip, "+short") == f"web-named.{zone}.\n"
