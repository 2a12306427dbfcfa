"""Seeded clusters repeat themselves exactly (the lessons' outputs and grades depend on it), and the
request gate that makes them do so is on only where it is asked for."""

from __future__ import annotations

import http.client
import json
import ssl
import base64

from svclab.resources import PODS
from tests.controllers.conftest import Running

STATEFULSET = """\
apiVersion: v1
kind: Service
metadata: {name: db}
spec: {clusterIP: None, selector: {app: db}, ports: [{port: 3306}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 3
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: "mysql:8.0", env: [{name: MYSQL_ROOT_PASSWORD, value: example}]}]}
"""


def scenario(run: Running) -> dict:
    k = run.k
    k("create", "deployment", "web", "--image=nginx:1.27", "--replicas=3", "--port=80")
    k("expose", "deployment", "web", "--port=80")
    k("apply", "-f", "-", stdin=STATEFULSET)
    k("scale", "deployment", "web", "--replicas=5")
    first = run.get("pods", "-l", "app=web")["items"][0]["metadata"]["name"]
    k("delete", "pod", first)
    k("run", "client", "--image=busybox:1.36.1", "--", "sleep", "3600")
    k("delete", "pod", "db-1")
    pods = sorted((p["metadata"]["name"], p["status"].get("podIP"), p["spec"].get("nodeName"), p["status"]["phase"]) for p in run.get("pods")["items"])
    slices = [(s["metadata"]["name"], [e["addresses"][0] for e in s.get("endpoints") or []]) for s in run.get("endpointslices")["items"]]
    services = sorted((s["metadata"]["name"], s["spec"].get("clusterIP")) for s in run.get("services")["items"])
    events = sorted((e["involvedObject"]["name"], e["reason"], e["message"], e["count"]) for e in run.get("events")["items"])
    return {"pods": pods, "slices": slices, "services": services, "events": events}


def test_two_clusters_with_one_seed_give_the_same_names_ips_and_endpoints(start) -> None:
    one = scenario(start("one", seed=11))
    two = scenario(start("two", seed=11))
    assert one == two
    assert len(one["pods"]) == 9 and {p[3] for p in one["pods"]} == {"Running"}


def test_the_gated_cluster_answers_once_the_controllers_caught_up(start) -> None:
    run = start()
    assert run.cluster.config.settles
    run.k("create", "deployment", "web", "--image=nginx:1.27", "--replicas=3")
    pods = run.get("pods", "-l", "app=web")["items"]  # no waiting in between
    assert len(pods) == 3 and all(p["status"]["phase"] == "Running" and p["status"]["podIP"] for p in pods)


def test_a_learners_cluster_answers_a_write_as_soon_as_it_is_stored(start) -> None:
    run = start(pod_start_seconds=1.0, pod_stop_seconds=0.5)
    assert not run.cluster.config.settles
    config = run.cluster.kubeconfig()
    ca = base64.b64decode(config["clusters"][0]["cluster"]["certificate-authority-data"]).decode()
    body = json.dumps({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "many"}, "spec": {
        "replicas": 3000, "selector": {"matchLabels": {"app": "many"}},
        "template": {"metadata": {"labels": {"app": "many"}}, "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}}})
    conn = http.client.HTTPSConnection("127.0.0.1", run.cluster.api_port, context=ssl.create_default_context(cadata=ca), timeout=20)
    conn.request("POST", "/apis/apps/v1/namespaces/default/deployments", body=body,
                 headers={"Authorization": f"Bearer {run.cluster.token}", "Content-Type": "application/json"})
    response = conn.getresponse()
    created = json.loads(response.read())
    conn.close()
    assert response.status == 201 and created["status"] == {}
    made = run.cluster.call(lambda: sum(1 for p in run.cluster.store.items(PODS, "default")))
    assert made < 3000  # the controllers are still at work: the write did not wait for them


def test_advance_runs_the_time_based_work_that_is_due(start) -> None:
    run = start(manual_clock=True, pod_start_seconds=30)
    run.k("run", "slow", "--image=nginx:1.27")
    status = run.get("pod", "slow")["status"]
    assert status["phase"] == "Pending" and status["containerStatuses"][0]["state"]["waiting"]["reason"] == "ContainerCreating"
    run.cluster.advance(29)
    assert run.get("pod", "slow")["status"]["phase"] == "Pending"
    run.cluster.advance(1)
    assert run.get("pod", "slow")["status"]["phase"] == "Running"


def test_a_deployment_made_again_gets_new_pod_names(start) -> None:
    run = start()
    run.k("create", "deployment", "web", "--image=nginx:1.27", "--replicas=2")
    before = {p["metadata"]["name"] for p in run.get("pods", "-l", "app=web")["items"]}
    run.k("delete", "deployment", "web")
    run.k("create", "deployment", "web", "--image=nginx:1.27", "--replicas=2")
    after = {p["metadata"]["name"] for p in run.get("pods", "-l", "app=web")["items"]}
    assert len(after) == 2 and not before & after
    assert {n.rsplit("-", 1)[0] for n in before} == {n.rsplit("-", 1)[0] for n in after}  # the same ReplicaSet name
