"""A LoadBalancer Service with externalTrafficPolicy Local gets a healthCheckNodePort from the node port range, on
create and when an update makes it need one, and gives it back when it no longer does; a requested one that is taken
is refused as the apiserver refuses it (pkg/registry/core/service/storage/alloc.go, allocHealthCheckNodePort and
updateHealthCheckNodePort; the generic store allocates before it validates, on update as on create)."""

from __future__ import annotations

import json

from tests.conftest import Kubectl

LOCAL_LB = "apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n  type: LoadBalancer\n  externalTrafficPolicy: Local\n{extra}  selector: {{app: web}}\n  ports: [{{port: 80, targetPort: 8080}}]\n"


def spec(k: Kubectl, ns: str, name: str) -> dict:
    return json.loads(k("-n", ns, "get", "svc", name, "-o", "json").stdout)["spec"]


def test_a_local_load_balancer_gets_a_health_check_node_port(k: Kubectl, ns: str) -> None:
    k("-n", ns, "apply", "-f", "-", stdin=LOCAL_LB.format(name="edge", extra=""))
    created = spec(k, ns, "edge")
    assert 30000 <= created["healthCheckNodePort"] <= 32767
    assert created["healthCheckNodePort"] != created["ports"][0]["nodePort"]


def test_an_update_to_local_allocates_one_and_back_to_cluster_releases_it(k: Kubectl, ns: str) -> None:
    k("-n", ns, "create", "service", "nodeport", "edge", "--tcp=80:8080")
    k("-n", ns, "patch", "svc", "edge", "-p", '{"spec":{"type":"LoadBalancer","externalTrafficPolicy":"Local"}}')
    port = spec(k, ns, "edge")["healthCheckNodePort"]
    assert 30000 <= port <= 32767
    k("-n", ns, "patch", "svc", "edge", "-p", '{"spec":{"externalTrafficPolicy":"Cluster"}}')
    assert "healthCheckNodePort" not in spec(k, ns, "edge")
    # released: another Service may ask for it now
    k("-n", ns, "apply", "-f", "-", stdin=LOCAL_LB.format(name="other", extra=f"  healthCheckNodePort: {port}\n"))
    assert spec(k, ns, "other")["healthCheckNodePort"] == port


def test_a_requested_port_that_is_taken_is_refused(k: Kubectl, ns: str) -> None:
    k("-n", ns, "create", "service", "nodeport", "web", "--tcp=80:8080", "--node-port=30123")
    taken = k("-n", ns, "apply", "-f", "-", stdin=LOCAL_LB.format(name="edge", extra="  healthCheckNodePort: 30123\n"), check=False)
    assert taken.returncode == 1
    assert taken.stderr.strip().endswith("Internal error occurred: failed to allocate requested HealthCheck NodePort 30123: provided port is already allocated")
    assert k("-n", ns, "get", "svc", "-o", "name").stdout.split() == ["service/web"]
