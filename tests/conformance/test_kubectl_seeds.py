"""The real kubectl against the seed articles' manifests, applied verbatim, one namespace each."""

from __future__ import annotations

import ipaddress
import re

from tests.conftest import Kubectl
from tests.conformance.conftest import seed_block, wait_ready

SERVICE_CIDR = ipaddress.ip_network("10.96.0.0/16")


def rows(text: str) -> list[list[str]]:
    return [re.split(r"\s{2,}", line.strip()) for line in text.strip().splitlines()]


def test_clusterip_scenario_get_describe_and_slices(k: Kubectl, ns: str) -> None:
    out = k("-n", ns, "apply", "-f", "-", stdin=seed_block("web-service", "nginx")).stdout
    assert out.splitlines() == ["service/web-service created", "deployment.apps/nginx created"]
    wait_ready(k, ns, "app=nginx")

    table = rows(k("-n", ns, "get", "svc", "-o", "wide").stdout)
    assert table[0] == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE", "SELECTOR"]
    name, kind, ip, external, ports, _age, selector = table[1]
    assert (name, kind, external, ports, selector) == ("web-service", "ClusterIP", "<none>", "80/TCP", "app=nginx")
    assert ipaddress.ip_address(ip) in SERVICE_CIDR

    everything = k("-n", ns, "get", "all").stdout
    assert re.search(r"^deployment\.apps/nginx\s+3/3\s+3\s+3\s+", everything, re.M)
    assert re.search(r"^service/web-service\s+ClusterIP\s+" + re.escape(ip) + r"\s+<none>\s+80/TCP", everything, re.M)
    assert len(re.findall(r"^pod/nginx-[a-z0-9]+-[a-z0-9]{5}\s+1/1\s+Running\s+0", everything, re.M)) == 3
    assert re.search(r"^replicaset\.apps/nginx-[a-z0-9]+\s+3\s+3\s+3\s+", everything, re.M)

    pods = rows(k("-n", ns, "get", "pods", "-l", "app=nginx", "-o", "wide").stdout)
    assert pods[0][:7] == ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE"]
    pod_ips = sorted(row[5] for row in pods[1:])

    described = k("-n", ns, "describe", "svc", "web-service").stdout
    fields = dict(re.findall(r"^([A-Za-z ]+):\s+(.*)$", described, re.M))
    assert fields["Selector"] == "app=nginx"
    assert fields["Type"] == "ClusterIP"
    assert fields["IP"] == ip
    assert fields["TargetPort"] == "80/TCP"
    assert sorted(e.rsplit(":", 1)[0] for e in fields["Endpoints"].split(",")) == pod_ips
    assert fields["Session Affinity"] == "None"

    slices = rows(k("-n", ns, "get", "endpointslices").stdout)
    assert slices[0] == ["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"]
    assert len(slices) == 2 and slices[1][0].startswith("web-service-") and slices[1][1:3] == ["IPv4", "80"]
    assert sorted(slices[1][3].split(",")) == pod_ips

    deleted = k("-n", ns, "delete", "-f", "-", "--wait=true", stdin=seed_block("web-service", "nginx")).stdout
    assert deleted.splitlines() == [f'service "web-service" deleted from {ns} namespace', f'deployment.apps "nginx" deleted from {ns} namespace']
    assert k("-n", ns, "get", "svc,deploy,pods", "-o", "name").stdout == ""


def test_statefulset_scenario_scale_and_restart(k: Kubectl, ns: str) -> None:
    k("-n", ns, "apply", "-f", "-", stdin=seed_block("mysql-headless", "mysql"))
    wait_ready(k, ns, "app=mysql")
    table = rows(k("-n", ns, "get", "svc").stdout)
    assert table[1][:5] == ["mysql-headless", "ClusterIP", "None", "<none>", "3306/TCP"]
    pods = {row[0]: row for row in rows(k("-n", ns, "get", "pods", "-o", "wide").stdout)[1:]}
    assert sorted(pods) == ["mysql-0", "mysql-1", "mysql-2"]

    hostnames = k("-n", ns, "get", "pods", "-o", "jsonpath={range .items[*]}{.spec.hostname}.{.spec.subdomain} {end}").stdout.split()
    assert hostnames == ["mysql-0.mysql-headless", "mysql-1.mysql-headless", "mysql-2.mysql-headless"]

    assert k("-n", ns, "scale", "sts", "mysql", "--replicas=2").stdout.strip() == "statefulset.apps/mysql scaled"
    k("-n", ns, "wait", "--for=delete", "pod/mysql-2", "--timeout=60s")
    assert k("-n", ns, "get", "sts", "mysql", "-o", "jsonpath={.status.replicas}").stdout == "2"

    old_ip = pods["mysql-0"][5]
    k("-n", ns, "delete", "pod", "mysql-0")
    wait_ready(k, ns, "statefulset.kubernetes.io/pod-name=mysql-0")
    new_ip = k("-n", ns, "get", "pod", "mysql-0", "-o", "jsonpath={.status.podIP}").stdout
    assert new_ip and new_ip != old_ip


def test_abbreviated_seed_statefulset_is_refused_like_a_real_server(k: Kubectl, ns: str) -> None:
    """The mixed-pattern block elides the StatefulSet's body (`# ...`): the Services are created, the set is refused."""
    result = k("-n", ns, "apply", "-f", "-", stdin=seed_block("mysql-headless", "mysql-read", "mysql"), check=False)
    assert result.returncode == 1
    assert result.stdout.splitlines() == ["service/mysql-headless created", "service/mysql-read created"]
    assert result.stderr.splitlines() == [
        'The StatefulSet "mysql" is invalid: ',
        "* spec.selector: Required value",
        "* spec.template.metadata.labels: Invalid value: null: `selector` does not match template `labels`",
        "* spec.template.spec.containers: Required value",
    ]
    out = k("-n", ns, "get", "svc", "-o", "custom-columns=NAME:.metadata.name,IP:.spec.clusterIP", "--no-headers").stdout
    services = dict(line.split() for line in out.strip().splitlines())
    assert services["mysql-headless"] == "None"
    assert ipaddress.ip_address(services["mysql-read"]) in SERVICE_CIDR
