"""kubectl verbs beyond get/apply: re-apply (strategic merge), server-side apply, selectors, describe's
events, status and scale subresources, namespace deletion, and watches."""

from __future__ import annotations

import json
import subprocess
import time

from tests.conftest import Kubectl, kubectl_binary
from tests.conformance.conftest import on_kind

DEPLOY = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {tier: front}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: registry.k8s.io/e2e-test-images/agnhost:2.52
        args: ["netexec", "--http-port=8080"]
        ports: [{containerPort: 8080, name: http}]
"""
SERVICE = """apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
"""


def test_reapply_changes_only_what_changed(k: Kubectl, ns: str) -> None:
    k("-n", ns, "apply", "-f", "-", stdin=DEPLOY + "---\n" + SERVICE)
    assert k("-n", ns, "apply", "-f", "-", stdin=DEPLOY + "---\n" + SERVICE).stdout.splitlines() == ["deployment.apps/web unchanged", "service/web unchanged"]
    changed = DEPLOY.replace("replicas: 2", "replicas: 3").replace("labels: {tier: front}", "labels: {tier: back}")
    assert k("-n", ns, "apply", "-f", "-", stdin=changed).stdout.strip() == "deployment.apps/web configured"
    deploy = json.loads(k("-n", ns, "get", "deploy", "web", "-o", "json").stdout)
    assert deploy["spec"]["replicas"] == 3 and deploy["metadata"]["labels"] == {"tier": "back"}
    assert "kubectl.kubernetes.io/last-applied-configuration" in deploy["metadata"]["annotations"]
    k("-n", ns, "wait", "--for=condition=Available", "deploy/web", "--timeout=60s")
    assert len(k("-n", ns, "get", "pods", "-l", "app=web", "-o", "name").stdout.split()) == 3


def test_server_side_apply_and_conflicts(k: Kubectl, ns: str) -> None:
    assert k("-n", ns, "apply", "--server-side", "-f", "-", stdin=SERVICE).stdout.strip() == "service/web serverside-applied"
    svc = json.loads(k("-n", ns, "get", "svc", "web", "-o", "json", "--show-managed-fields").stdout)
    assert [(m["manager"], m["operation"]) for m in svc["metadata"]["managedFields"]] == [("kubectl", "Apply")]
    k("-n", ns, "apply", "--server-side", "--field-manager=other", "-f", "-", stdin=SERVICE.replace("app: web", "app: api"), check=False)
    conflict = k("-n", ns, "apply", "--server-side", "--field-manager=other", "-f", "-", stdin=SERVICE.replace("app: web", "app: api"), check=False)
    assert conflict.returncode == 1 and 'conflict with "kubectl"' in conflict.stderr and ".spec.selector" in conflict.stderr
    forced = k("-n", ns, "apply", "--server-side", "--force-conflicts", "--field-manager=other", "-f", "-", stdin=SERVICE.replace("app: web", "app: api"))
    assert forced.returncode == 0
    assert k("-n", ns, "get", "svc", "web", "-o", "jsonpath={.spec.selector.app}").stdout == "api"


def test_selectors_describe_events_and_subresources(k: Kubectl, ns: str) -> None:
    k("-n", ns, "apply", "-f", "-", stdin=DEPLOY)
    k("-n", ns, "wait", "--for=condition=Ready", "pod", "-l", "app=web", "--timeout=60s")
    assert len(k("-n", ns, "get", "pods", "-l", "app in (web,api),app!=db", "-o", "name").stdout.split()) == 2
    assert k("-n", ns, "get", "pods", "-l", "app=db", "-o", "name").stdout == ""
    running = k("-n", ns, "get", "pods", "--field-selector", "status.phase=Running", "-o", "name").stdout.split()
    pod = running[0].split("/")[1]
    described = k("-n", ns, "describe", "pod", pod).stdout
    assert "Events:" in described
    for reason in ("Scheduled", "Pulled", "Created", "Started"):
        assert f"  Normal  {reason}" in described, described
    assert f"Successfully assigned {ns}/{pod} to svclab-worker" in described
    assert "deployment.apps/web scaled" in k("-n", ns, "scale", "deploy", "web", "--replicas=1").stdout
    scale = json.loads(k("get", "--raw", f"/apis/apps/v1/namespaces/{ns}/deployments/web/scale").stdout)
    assert scale["kind"] == "Scale" and scale["spec"]["replicas"] == 1 and scale["status"]["selector"] == "app=web"
    deploy_events = k("-n", ns, "get", "events", "--field-selector", "involvedObject.kind=Deployment", "-o", "jsonpath={.items[*].reason}").stdout.split()
    assert deploy_events == ["ScalingReplicaSet", "ScalingReplicaSet"]


def test_namespace_deletion_removes_everything(k: Kubectl, ns: str) -> None:
    k("-n", ns, "apply", "-f", "-", stdin=DEPLOY + "---\n" + SERVICE)
    assert k("delete", "namespace", ns, "--wait=true", "--timeout=60s").stdout.strip() == f'namespace "{ns}" deleted'
    missing = k("get", "namespace", ns, check=False)
    assert missing.stderr.strip() == f'Error from server (NotFound): namespaces "{ns}" not found'
    if not on_kind():
        refused = k("delete", "namespace", "default", check=False)
        assert refused.stderr.strip() == 'Error from server (Forbidden): namespaces "default" is forbidden: this namespace may not be deleted'


def test_get_watch_streams_changes(k: Kubectl, ns: str) -> None:
    watcher = subprocess.Popen([kubectl_binary(), *(["--context", k.context] if k.context else []), "-n", ns, "get", "pods", "-w", "--request-timeout=8s"], env=k.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)
    k("-n", ns, "run", "solo", "--image=busybox:1.36.1", "--restart=Never", "--", "sleep", "3600")
    k("-n", ns, "wait", "--for=condition=Ready", "pod/solo", "--timeout=30s")
    time.sleep(0.5)
    watcher.terminate()
    out, _ = watcher.communicate(timeout=10)
    lines = out.strip().splitlines()
    assert lines[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert any(line.split()[:3] == ["solo", "1/1", "Running"] for line in lines[1:]), out


def test_rollout_status_restart_undo_and_history(k: Kubectl, ns: str) -> None:
    k("-n", ns, "apply", "-f", "-", stdin=DEPLOY)
    assert k("-n", ns, "rollout", "status", "deploy/web", "--timeout=60s").stdout.strip() == 'deployment "web" successfully rolled out'
    first = k("-n", ns, "get", "rs", "-o", "name").stdout.split()
    assert k("-n", ns, "rollout", "restart", "deploy/web").stdout.strip() == "deployment.apps/web restarted"
    k("-n", ns, "rollout", "status", "deploy/web", "--timeout=60s")
    assert len(k("-n", ns, "get", "rs", "-o", "name").stdout.split()) == 2
    assert k("-n", ns, "rollout", "undo", "deploy/web").stdout.strip() == "deployment.apps/web rolled back"
    k("-n", ns, "rollout", "status", "deploy/web", "--timeout=60s")
    history = k("-n", ns, "rollout", "history", "deploy/web").stdout.split("\n")
    assert [line.split()[0] for line in history[2:] if line.strip()] == ["2", "3"]  # the first revision came back as the third
    active = k("-n", ns, "get", "rs", "-o", "jsonpath={range .items[?(@.spec.replicas==2)]}{.metadata.name}{end}").stdout
    assert [f"replicaset.apps/{active}"] == first


def test_explain_shows_the_api_documentation(k: Kubectl, ns: str) -> None:
    affinity = k("explain", "svc.spec.sessionAffinity").stdout
    assert "FIELD: sessionAffinity <string>" in affinity and 'Supports "ClientIP" and "None".' in affinity
    assert "FIELD: targetPort <IntOrString>" in k("explain", "svc.spec.ports.targetPort").stdout
    assert "FIELD: serviceName <string>" in k("explain", "sts.spec.serviceName").stdout
    assert "<hostname>.<subdomain>.<pod namespace>.svc.<cluster domain>" in " ".join(k("explain", "pod.spec.subdomain").stdout.split())
