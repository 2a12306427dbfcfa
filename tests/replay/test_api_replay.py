"""API behaviours replayed with the real kubectl and the official Python client, on the embedded cluster
or on kind (SVCLAB_BACKEND=kind): list chunking, unconditional replace, strategic-merge-patch errors,
namespace termination, the default objects of a namespace. Only what kind does too is asserted here;
what only the embedded cluster can show (compaction of a continue token's snapshot) is in
tests/apiserver/."""

from __future__ import annotations

import base64
import json
import re
import time
from pathlib import Path
from typing import Callable

from tests.conftest import FIXTURES
from tests.replay.conftest import ReplayTarget

NAMESPACED_ARTICLE = FIXTURES / "manifests" / "web-service-nginx-namespaced.yaml"


def _configmaps(target: ReplayTarget, count: int) -> list[str]:
    names = [f"cm-{i}" for i in range(count)]
    manifest = "\n---\n".join(f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {n}\ndata:\n  k: v{i}\n" for i, n in enumerate(names))
    target.kubectl("-n", target.namespace, "apply", "-f", "-", stdin=manifest)
    return names


def _wait_for(predicate: Callable[[], bool], timeout: float = 30.0, step: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


# ---- 3. limit and continue ------------------------------------------------------------------------

def test_kubectl_get_chunk_size_pages_through_every_item(target: ReplayTarget) -> None:
    names = _configmaps(target, 5)
    out = target.kubectl("-n", target.namespace, "get", "configmaps", "--chunk-size=2", "-o", "name", "-v=6")
    listed = out.stdout.split()
    assert sorted(listed) == sorted([f"configmap/{n}" for n in names] + ["configmap/kube-root-ca.crt"])
    urls = re.findall(r'url="([^"]+/configmaps\?[^"]+)"', out.stderr)
    assert len(urls) == 3, out.stderr  # 6 items, 2 per chunk
    assert "limit=2" in urls[0] and "continue=" not in urls[0]
    assert all("continue=" in url and "limit=2" in url for url in urls[1:])


def test_python_client_pages_with_limit_and_continue(target: ReplayTarget) -> None:
    from kubernetes import client

    names = _configmaps(target, 5)
    api = target.api_client()
    try:
        core = client.CoreV1Api(api)
        first = core.list_namespaced_config_map(target.namespace, limit=2)
        assert len(first.items) == 2 and first.metadata._continue
        assert first.metadata.remaining_item_count == 4
        seen = [cm.metadata.name for cm in first.items]
        token = first.metadata._continue
        revisions = {first.metadata.resource_version}
        # a write between chunks does not show: every chunk is read at the first one's revision
        core.create_namespaced_config_map(target.namespace, {"metadata": {"name": "cm-late"}})
        while token:
            page = core.list_namespaced_config_map(target.namespace, limit=2, _continue=token)
            seen += [cm.metadata.name for cm in page.items]
            revisions.add(page.metadata.resource_version)
            token = page.metadata._continue
        assert seen == sorted(names + ["kube-root-ca.crt"])
        assert len(revisions) == 1
        assert "cm-late" in [cm.metadata.name for cm in core.list_namespaced_config_map(target.namespace).items]
        labelled = core.list_namespaced_config_map(target.namespace, limit=1, label_selector="missing=label")
        assert labelled.items == [] and labelled.metadata.remaining_item_count is None
    finally:
        api.close()  # type: ignore[attr-defined]


def test_a_malformed_continue_token_is_a_400(target: ReplayTarget) -> None:
    out = target.kubectl("get", "--raw", f"/api/v1/namespaces/{target.namespace}/configmaps?limit=1&continue=abc!", check=False)
    assert out.returncode == 1
    assert "invalid continue token: continue key is not valid: illegal base64 data at input byte 3" in out.stderr


# ---- 4. replace with resourceVersion "0" ------------------------------------------------------------

def test_replace_with_resource_version_zero_is_unconditional(target: ReplayTarget, tmp_path: Path) -> None:
    _configmaps(target, 1)
    cm = json.loads(target.kubectl("-n", target.namespace, "get", "cm", "cm-0", "-o", "json").stdout)
    stale = dict(cm, data={"k": "stale"})
    target.kubectl("-n", target.namespace, "patch", "cm", "cm-0", "-p", '{"data":{"k":"moved on"}}')
    path = tmp_path / "cm.json"
    path.write_text(json.dumps(stale))
    conflict = target.kubectl("-n", target.namespace, "replace", "-f", str(path), check=False)
    assert conflict.returncode == 1
    assert 'Operation cannot be fulfilled on configmaps "cm-0": the object has been modified; please apply your changes to the latest version and try again' in conflict.stderr
    stale["metadata"]["resourceVersion"] = "0"
    path.write_text(json.dumps(stale))
    assert target.kubectl("-n", target.namespace, "replace", "-f", str(path)).stdout.strip() == "configmap/cm-0 replaced"
    assert target.kubectl("-n", target.namespace, "get", "cm", "cm-0", "-o", "jsonpath={.data.k}").stdout == "stale"


# ---- 8. strategic merge patch of the wrong shape ----------------------------------------------------

def test_strategic_merge_patch_of_the_wrong_shape_is_refused_as_on_kind(target: ReplayTarget) -> None:
    _configmaps(target, 1)
    out = target.kubectl("-n", target.namespace, "patch", "cm", "cm-0", "-p", '{"metadata":{"labels":"invalid"}}', check=False)
    assert out.returncode == 1
    assert out.stderr.strip() == 'The request is invalid: patch: Invalid value: "map[metadata:map[labels:invalid]]": cannot restore map from string'
    merge = target.kubectl("-n", target.namespace, "patch", "cm", "cm-0", "--type=merge", "-p", '{"metadata":{"labels":"invalid"}}', check=False)
    assert "cannot unmarshal string into Go struct field ObjectMeta.metadata.labels of type map[string]string" in merge.stderr


# ---- 6. namespace termination ---------------------------------------------------------------------

def test_delete_f_of_a_file_listing_its_namespace_first_exits_zero(target: ReplayTarget) -> None:
    k = target.kubectl
    k("apply", "-f", str(NAMESPACED_ARTICLE))
    try:
        out = k("delete", "-f", str(NAMESPACED_ARTICLE), "--timeout=120s")
        assert out.stdout.splitlines() == [
            'namespace "article-web" deleted',
            'service "web-service" deleted from article-web namespace',
            'deployment.apps "nginx" deleted from article-web namespace',
        ]
        gone = k("get", "namespace", "article-web", check=False)
        assert gone.stderr.strip() == 'Error from server (NotFound): namespaces "article-web" not found'
    finally:
        k("delete", "namespace", "article-web", "--ignore-not-found", "--wait=false", check=False)


def test_a_terminating_namespace_refuses_new_content(target: ReplayTarget) -> None:
    k = target.kubectl
    name = f"{target.namespace}-t"
    k("create", "namespace", name)
    k("-n", name, "run", "sleeper", "--image=busybox:1.36.1", "--restart=Never", "--", "sleep", "3600")
    k("delete", "namespace", name, "--wait=false")
    try:
        phase = k("get", "namespace", name, "-o", "jsonpath={.status.phase}").stdout
        assert phase == "Terminating"
        refused = k("-n", name, "create", "configmap", "late", check=False)
        assert refused.stderr.strip() == f'error: failed to create configmap: configmaps "late" is forbidden: unable to create new content in namespace {name} because it is being terminated'

        def conditions() -> dict[str, dict[str, str]]:
            got = k("get", "namespace", name, "-o", "json", check=False)
            if got.returncode:
                return {}
            return {c["type"]: c for c in json.loads(got.stdout)["status"].get("conditions") or []}

        assert _wait_for(lambda: "NamespaceContentRemaining" in conditions() or not conditions(), timeout=60)
        seen = conditions()
        if seen:  # the pod is still in its grace period: the namespace says what it waits for
            assert [c for c in seen] == ["NamespaceDeletionDiscoveryFailure", "NamespaceDeletionGroupVersionParsingFailure",
                                         "NamespaceDeletionContentFailure", "NamespaceContentRemaining", "NamespaceFinalizersRemaining"]
            assert seen["NamespaceDeletionContentFailure"]["message"] == "All content successfully deleted, may be waiting on finalization"
            remaining = seen["NamespaceContentRemaining"]
            if remaining["status"] == "True":
                assert remaining["reason"] == "SomeResourcesRemain"
                assert remaining["message"].startswith("Some resources are remaining: pods. has 1 resource instances")
    finally:
        k("delete", "namespace", name, "--ignore-not-found", "--wait=true", "--timeout=120s", check=False)


# ---- 7. default objects ---------------------------------------------------------------------------

def test_every_namespace_gets_its_default_service_account_and_root_ca(target: ReplayTarget) -> None:
    k, ns = target.kubectl, target.namespace
    assert _wait_for(lambda: k("-n", ns, "get", "serviceaccount", "default", check=False).returncode == 0)
    assert _wait_for(lambda: k("-n", ns, "get", "configmap", "kube-root-ca.crt", check=False).returncode == 0)
    cm = json.loads(k("-n", ns, "get", "configmap", "kube-root-ca.crt", "-o", "json").stdout)
    assert cm["metadata"]["annotations"]["kubernetes.io/description"].startswith("Contains a CA bundle that can be used to verify the kube-apiserver")
    assert cm["data"]["ca.crt"].startswith("-----BEGIN CERTIFICATE-----\n")
    # the CA in the ConfigMap is the one the kubeconfig trusts
    kubeconfig = json.loads(k("config", "view", "--raw", "--minify", "-o", "json").stdout)
    assert base64.b64decode(kubeconfig["clusters"][0]["cluster"]["certificate-authority-data"]).decode() == cm["data"]["ca.crt"]
    # the controllers put back what a learner deletes or edits
    k("-n", ns, "delete", "serviceaccount", "default")
    assert _wait_for(lambda: k("-n", ns, "get", "serviceaccount", "default", check=False).returncode == 0)
    k("-n", ns, "patch", "configmap", "kube-root-ca.crt", "-p", '{"data":{"ca.crt":"edited"}}')
    assert _wait_for(lambda: k("-n", ns, "get", "configmap", "kube-root-ca.crt", "-o", "jsonpath={.data.ca\\.crt}").stdout == cm["data"]["ca.crt"])


# ---- 2. kind: List files and 5. /openapi/v2 -----------------------------------------------------------

def test_a_list_written_by_get_o_yaml_deletes_and_applies_again(target: ReplayTarget, tmp_path: Path) -> None:
    k, ns = target.kubectl, target.namespace
    k("-n", ns, "apply", "-f", str(FIXTURES / "manifests" / "web-service-nginx.yaml"))
    listed = tmp_path / "list.yaml"
    listed.write_text(k("-n", ns, "get", "service/web-service", "deployment/nginx", "-o", "yaml").stdout)
    assert listed.read_text().startswith("apiVersion: v1\nitems:\n")
    assert k("delete", "-f", str(listed)).stdout.splitlines() == [
        f'service "web-service" deleted from {ns} namespace', f'deployment.apps "nginx" deleted from {ns} namespace']
    assert k("apply", "-f", str(listed)).stdout.splitlines() == ["service/web-service created", "deployment.apps/nginx created"]
    assert k("-n", ns, "get", "deployment", "nginx", "-o", "jsonpath={.spec.replicas}").stdout == "3"
    # the List's items are validated on the client, against /openapi/v2, as kubectl does for Lists
    listed.write_text(listed.read_text().replace("    ports:\n", "    portz:\n", 1))
    refused = k("apply", "-f", str(listed), check=False)
    assert refused.returncode == 1
    assert 'error validating data: ValidationError(Service.spec): unknown field "portz" in io.k8s.api.core.v1.ServiceSpec' in refused.stderr


def test_a_typo_in_api_version_names_the_missing_kind(target: ReplayTarget, tmp_path: Path) -> None:
    manifest = tmp_path / "typo.yaml"
    manifest.write_text((FIXTURES / "manifests" / "web-service-nginx.yaml").read_text().replace("apiVersion: apps/v1", "apiVersion: app/v1"))
    out = target.kubectl("-n", target.namespace, "apply", "-f", str(manifest), check=False)
    assert out.returncode == 1
    assert out.stdout.strip() == "service/web-service created"
    assert out.stderr.strip() == ('error: resource mapping not found for name: "nginx" namespace: "" from "' + str(manifest)
                                  + '": no matches for kind "Deployment" in version "app/v1"\nensure CRDs are installed first')


def test_openapi_v2_defines_the_served_kinds(target: ReplayTarget) -> None:
    doc = json.loads(target.kubectl("get", "--raw", "/openapi/v2").stdout)
    assert doc["swagger"] == "2.0"
    deployment = doc["definitions"]["io.k8s.api.apps.v1.Deployment"]
    assert {"group": "apps", "kind": "Deployment", "version": "v1"} in deployment["x-kubernetes-group-version-kind"]
    containers = doc["definitions"]["io.k8s.api.core.v1.PodSpec"]["properties"]["containers"]
    assert containers["x-kubernetes-patch-merge-key"] == "name" and containers["x-kubernetes-patch-strategy"] == "merge"
    assert doc["definitions"]["io.k8s.api.core.v1.ServicePort"]["required"] == ["port"]


# ---- 1. server-side apply after client-side apply, and back ---------------------------------------------

DEPLOY_V1 = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web, tier: front}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.25
        env:
        - {name: A, value: "1"}
"""
DEPLOY_V2 = DEPLOY_V1.replace("replicas: 2", "replicas: 3").replace(", tier: front", "").replace('        env:\n        - {name: A, value: "1"}\n', "")


def _deployment(target: ReplayTarget) -> dict:
    return json.loads(target.kubectl("-n", target.namespace, "get", "deployment", "web", "-o", "json", "--show-managed-fields").stdout)


def test_server_side_apply_takes_over_a_client_side_apply(target: ReplayTarget) -> None:
    k, ns = target.kubectl, target.namespace
    assert k("-n", ns, "apply", "-f", "-", stdin=DEPLOY_V1).stdout.strip() == "deployment.apps/web created"
    managers = {(m["manager"], m["operation"]) for m in _deployment(target)["metadata"]["managedFields"]}
    assert ("kubectl-client-side-apply", "Update") in managers
    out = k("-n", ns, "apply", "--server-side", "-f", "-", stdin=DEPLOY_V2)
    assert out.stdout.strip() == "deployment.apps/web serverside-applied" and "conflict" not in out.stderr
    deploy = _deployment(target)
    assert deploy["spec"]["replicas"] == 3
    assert deploy["metadata"]["labels"] == {"app": "web"}  # dropped from the manifest: removed
    assert "env" not in deploy["spec"]["template"]["spec"]["containers"][0]
    owners = {(m["manager"], m["operation"]) for m in deploy["metadata"]["managedFields"]}
    assert ("kubectl", "Apply") in owners and ("kubectl-client-side-apply", "Update") not in owners
    last_applied = json.loads(deploy["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"])
    assert last_applied["spec"]["replicas"] == 3 and last_applied["metadata"]["labels"] == {"app": "web"}
    # from now on the manifest is kubectl's server-side apply: a changed field is just applied
    again = k("-n", ns, "apply", "--server-side", "-f", "-", stdin=DEPLOY_V2.replace("nginx:1.25", "nginx:1.27"))
    assert again.stdout.strip() == "deployment.apps/web serverside-applied"
    assert _deployment(target)["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"


def test_another_manager_still_conflicts_with_client_side_applied_fields(target: ReplayTarget) -> None:
    k, ns = target.kubectl, target.namespace
    k("-n", ns, "apply", "-f", "-", stdin=DEPLOY_V1)
    out = k("-n", ns, "apply", "--server-side", "--field-manager=other", "-f", "-", stdin=DEPLOY_V2, check=False)
    assert out.returncode == 1
    assert 'conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas' in out.stderr


def test_client_side_apply_after_server_side_apply_adds_the_annotation(target: ReplayTarget) -> None:
    k, ns = target.kubectl, target.namespace
    k("-n", ns, "apply", "--server-side", "-f", "-", stdin=DEPLOY_V1)
    out = k("-n", ns, "apply", "-f", "-", stdin=DEPLOY_V2)
    assert out.stdout.strip() == "deployment.apps/web configured"
    assert "Warning: resource deployments/web is missing the kubectl.kubernetes.io/last-applied-configuration annotation which is required by kubectl apply." in out.stderr
    deploy = _deployment(target)
    assert deploy["spec"]["replicas"] == 3
    # client-side apply had no last configuration to compute deletions from: what it does not list stays
    assert deploy["metadata"]["labels"] == {"app": "web", "tier": "front"}
    assert "kubectl.kubernetes.io/last-applied-configuration" in deploy["metadata"]["annotations"]
    owners = {(m["manager"], m["operation"]) for m in deploy["metadata"]["managedFields"]}
    assert {("kubectl", "Apply"), ("kubectl-client-side-apply", "Update")} <= owners


# ---- 8. revision history after rollbacks -----------------------------------------------------------

def test_rollbacks_record_the_revision_history_of_a_replica_set(target: ReplayTarget) -> None:
    k, ns = target.kubectl, target.namespace
    k("-n", ns, "create", "deployment", "web", "--image=nginx:1.25")
    k("-n", ns, "rollout", "status", "deploy/web", "--timeout=120s")
    first = k("-n", ns, "get", "rs", "-o", "jsonpath={.items[0].metadata.name}").stdout
    k("-n", ns, "set", "image", "deploy/web", "nginx=nginx:1.26")
    k("-n", ns, "rollout", "status", "deploy/web", "--timeout=120s")
    k("-n", ns, "rollout", "undo", "deploy/web")
    k("-n", ns, "rollout", "status", "deploy/web", "--timeout=120s")
    k("-n", ns, "rollout", "undo", "deploy/web")
    k("-n", ns, "rollout", "status", "deploy/web", "--timeout=120s")
    columns = "custom-columns=NAME:.metadata.name,REVISION:.metadata.annotations.deployment\\.kubernetes\\.io/revision,HISTORY:.metadata.annotations.deployment\\.kubernetes\\.io/revision-history"
    rows = {line.split()[0]: line.split()[1:] for line in k("-n", ns, "get", "rs", "-o", columns, "--no-headers").stdout.splitlines()}
    second = next(name for name in rows if name != first)
    assert rows[first] == ["3", "1"] and rows[second] == ["4", "2"]
    history = k("-n", ns, "rollout", "history", "deploy/web").stdout.split("\n")
    assert [line.split()[0] for line in history[2:] if line.strip()] == ["3", "4"]


def test_kubectl_create_token_for_the_default_service_account(target: ReplayTarget) -> None:
    k, ns = target.kubectl, target.namespace
    assert _wait_for(lambda: k("-n", ns, "get", "serviceaccount", "default", check=False).returncode == 0)
    token = k("-n", ns, "create", "token", "default").stdout.strip()
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["sub"] == f"system:serviceaccount:{ns}:default"
    assert claims["aud"] == ["https://kubernetes.default.svc.cluster.local"]
    assert claims["exp"] - claims["iat"] == 3600
    assert claims["kubernetes.io"]["namespace"] == ns and claims["kubernetes.io"]["serviceaccount"]["name"] == "default"
    assert signature
    short = k("-n", ns, "create", "token", "default", "--duration=1m", check=False)
    assert short.stderr.strip() == 'error: failed to create token: TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes'
    missing = k("-n", ns, "create", "token", "nosuch", check=False)
    assert missing.stderr.strip() == 'error: failed to create token: serviceaccounts "nosuch" not found'
