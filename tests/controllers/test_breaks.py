"""Single commands that used to break the whole embedded cluster (issue 10), each reproduced with
the command that caused it: the failure now stays on its object (an Event, a condition, a pod that
waits), every other client keeps working, and the cluster restarts from its state."""

from __future__ import annotations

import json
import re

from svclab.resources import PODS
from tests.controllers.conftest import Running

BAD_STATEFULSET = """\
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  serviceName: web.default
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
"""

SANDBOX = re.compile(
    r'^Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "[0-9a-f]{64}": '
    r'plugin type="ptp" failed \(add\): failed to allocate for range 0: no IP addresses available in range set: 10\.244\.1\.1-10\.244\.1\.254$'
)


def pods(run: Running, selector: str) -> list[dict]:
    return list(run.get("pods", "-l", selector)["items"])


def still_serves(run: Running, name: str, stuck_on: str = "") -> None:
    """An unrelated write and a Deployment of another client both work: its pods run, except
    on the node the test broke (one without a kubelet, one without free IPs), where they wait."""
    assert run.k("create", "configmap", name, "--from-literal=k=v").stdout == f"configmap/{name} created\n"
    run.k("create", "deployment", name, "--image=nginx:1.27", "--replicas=2")
    run.cluster.settle()
    made = pods(run, f"app={name}")
    assert len(made) == 2, made
    for pod in made:
        expected = "Pending" if stuck_on and pod["spec"].get("nodeName") == stuck_on else "Running"
        assert pod["status"]["phase"] == expected, pod["status"]


def test_a_statefulset_whose_pods_fail_validation_stays_on_the_statefulset(start) -> None:
    run = start()
    assert run.k("apply", "-f", "-", stdin=BAD_STATEFULSET).stdout == "statefulset.apps/web created\n"
    still_serves(run, "unrelated")
    failed = run.messages("StatefulSet", "web", "FailedCreate")
    assert failed and failed[0].startswith('create Pod web-0 in StatefulSet web failed error: Pod "web-0" is invalid: spec.subdomain: Invalid value: "web.default": '), failed
    assert [e["type"] for e in run.events("StatefulSet", "web")] == ["Warning"]
    assert pods(run, "app=web") == []
    assert run.get("statefulset", "web")["status"]["replicas"] == 0
    assert "FailedCreate" in run.k("describe", "statefulset", "web").stdout

    run.cluster.stop()
    again = start()  # the same state directory: `svclab up` after a stop
    still_serves(again, "after-restart")
    assert again.messages("StatefulSet", "web", "FailedCreate")
    again.k("delete", "statefulset", "web")
    again.cluster.settle()
    still_serves(again, "after-delete")


NODE = """\
apiVersion: v1
kind: Node
metadata:
  name: extra
  labels: {kubernetes.io/hostname: extra}
"""


def test_a_node_posted_through_the_api_is_a_node_without_kubelet(start) -> None:
    run = start(manual_clock=True)
    assert run.k("create", "-f", "-", stdin=NODE).stdout == "node/extra created\n"
    run.k("create", "deployment", "web", "--image=nginx:1.27", "--replicas=4")
    web = pods(run, "app=web")
    stranded = [p for p in web if p["spec"].get("nodeName") == "extra"]
    assert stranded, "the scheduler prefers the empty node, as the real one would"
    for pod in stranded:  # bound, and no kubelet ever starts it
        assert pod["status"]["phase"] == "Pending" and "containerStatuses" not in pod["status"]
    assert all(p["status"]["phase"] == "Running" for p in web if p not in stranded)
    still_serves(run, "unrelated", stuck_on="extra")

    run.cluster.advance(61)  # nodeStartupGracePeriod without a status from a kubelet
    node = run.get("node", "extra")
    ready = next(c for c in node["status"]["conditions"] if c["type"] == "Ready")
    assert (ready["status"], ready["reason"], ready["message"]) == ("Unknown", "NodeStatusNeverUpdated", "Kubelet never posted node status.")
    assert {(t["key"], t["effect"]) for t in node["spec"]["taints"]} == {("node.kubernetes.io/unreachable", "NoSchedule"), ("node.kubernetes.io/unreachable", "NoExecute")}
    assert re.search(r"^extra\s+NotReady\s", run.k("get", "nodes").stdout, re.M)
    assert run.messages("Node", "extra", "NodeNotReady") == ["Node extra status is now: NodeNotReady"]

    run.k("scale", "deployment", "web", "--replicas=8")  # the new pods avoid the tainted node
    assert [p["metadata"]["name"] for p in pods(run, "app=web") if p["spec"].get("nodeName") == "extra"] == [p["metadata"]["name"] for p in stranded]
    assert all(p["status"]["phase"] == "Running" for p in pods(run, "app=web") if p["spec"].get("nodeName") != "extra")
    run.cluster.stop()
    again = start(manual_clock=True)
    still_serves(again, "after-restart")


def test_a_pod_ip_that_is_not_an_ip_breaks_no_controller(start) -> None:
    run = start()
    run.k("create", "deployment", "web", "--image=nginx:1.27", "--replicas=2", "--port=80")
    run.k("expose", "deployment", "web", "--port=80")
    first, second = pods(run, "app=web")
    patched = run.k("patch", "pod", first["metadata"]["name"], "--subresource=status", "--type=merge",
                    "-p", json.dumps({"status": {"podIP": "not-an-ip", "podIPs": [{"ip": "not-an-ip"}]}}), check=False)
    assert patched.returncode == 0 or "Invalid value" in patched.stderr  # refused by validation, or stored

    def corrupt() -> None:  # as an older state file could hold it, whatever the API lets through
        stored = run.cluster.store.get(PODS, "default", first["metadata"]["name"])
        assert stored is not None
        stored["status"]["podIP"] = "not-an-ip"
        stored["status"]["podIPs"] = [{"ip": "not-an-ip"}]
        run.cluster.store.update(PODS, stored)

    run.cluster.call(corrupt)
    run.cluster.settle()
    endpoints = run.get("endpoints", "web")
    assert [a["ip"] for s in endpoints["subsets"] for a in s["addresses"]] == [second["status"]["podIP"]]
    slices = run.k("get", "endpointslices", "-l", "kubernetes.io/service-name=web", "-o", "jsonpath={.items[*].endpoints[*].addresses[0]}").stdout
    assert slices.split() == [second["status"]["podIP"]]
    still_serves(run, "unrelated")
    run.k("scale", "deployment", "web", "--replicas=3")
    run.cluster.stop()
    again = start()
    still_serves(again, "after-restart")
    assert len(pods(again, "app=web")) == 3


def test_pod_ip_exhaustion_is_the_kubelets_sandbox_error_on_the_pods_without_an_ip(start) -> None:
    run = start(manual_clock=True)
    # Room for more pods than the node's /24 has addresses (253 from .2 to .254).
    run.k("patch", "node", "svclab-worker", "--subresource=status", "--type=merge", "-p", '{"status":{"allocatable":{"pods":"300"}}}')
    manifest = json.loads(run.k("create", "deployment", "many", "--image=nginx:1.27", "--replicas=256", "--dry-run=client", "-o", "json").stdout)
    manifest["spec"]["template"]["spec"]["nodeSelector"] = {"kubernetes.io/hostname": "svclab-worker"}
    run.k("apply", "-f", "-", stdin=json.dumps(manifest))
    many = pods(run, "app=many")
    running = [p for p in many if p["status"]["phase"] == "Running"]
    waiting = [p for p in many if p["status"]["phase"] == "Pending"]
    assert (len(running), len(waiting)) == (253, 3)
    assert len({p["status"]["podIP"] for p in running}) == 253
    for pod in waiting:
        assert pod["status"]["containerStatuses"][0]["state"] == {"waiting": {"reason": "ContainerCreating"}}
        messages = run.messages("Pod", pod["metadata"]["name"], "FailedCreatePodSandBox")
        assert len(messages) == 1 and SANDBOX.match(messages[0]), messages
    assert "ContainerCreating" in run.k("get", "pod", waiting[0]["metadata"]["name"]).stdout
    still_serves(run, "unrelated", stuck_on="svclab-worker")

    run.k("delete", "pod", running[0]["metadata"]["name"], running[1]["metadata"]["name"])
    run.cluster.advance(10)  # the kubelet tries the waiting sandboxes again
    on_worker = [p for p in run.get("pods", "-A")["items"] if p["spec"].get("nodeName") == "svclab-worker" and not p["spec"].get("hostNetwork")]
    assert sum(p["status"]["phase"] == "Running" for p in on_worker) == 253  # every address in use again
    run.cluster.stop()
    again = start(manual_clock=True)
    on_worker = [p for p in again.get("pods", "-A")["items"] if p["spec"].get("nodeName") == "svclab-worker" and not p["spec"].get("hostNetwork")]
    assert sum(p["status"]["phase"] == "Running" for p in on_worker) == 253
    still_serves(again, "after-restart", stuck_on="svclab-worker")
