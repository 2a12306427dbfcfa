"""What only the embedded cluster can show of the API behaviours replayed in tests/replay/test_api_replay.py:
a continue token whose snapshot was compacted, the token's encoding, the /openapi/v2 protobuf as kubectl
decodes it, managedFields a request writes, the namespace controller's pace on a manual clock, the
revision-history limit, the conversion errors of a strategic merge patch."""

from __future__ import annotations

import base64
import json
import re
import ssl
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import pytest

from svclab.apiserver import openapiv2, paging
from svclab.apiserver.apply import build_last_applied, record_update, server_side_apply
from svclab.apiserver.protobuf import iter_fields
from svclab.apiserver.typecheck import go_print, unstructured_conversion_error
from svclab.cluster.embedded import ClusterConfig, EmbeddedCluster
from svclab.controllers.deployment import _append_revision
from svclab.resources import DEPLOYMENTS, resource
from svclab.validation.errors import ApiError
from tests.conftest import Kubectl

CONFIGMAPS = resource("", "configmaps")


def _get(cluster: EmbeddedCluster, path: str) -> tuple[int, dict[str, Any]]:
    context = ssl.create_default_context(cadata=cluster.certs.ca_pem.decode())
    request = urllib.request.Request(cluster.api_url + path, headers={"Authorization": f"Bearer {cluster.token}"})
    try:
        with urllib.request.urlopen(request, context=context, timeout=30) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


# ---- paging -----------------------------------------------------------------------------------------

def test_the_continue_token_is_the_apiservers_encoding() -> None:
    token = paging.encode("web\x00", 42)
    assert json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) == {"v": "meta.k8s.io/v1", "rv": 42, "start": "web\x00"}
    assert "=" not in token and paging.decode(token, "") == paging.Continuation("web\x00", 42)
    with pytest.raises(ApiError) as refused:
        paging.decode(token, "17")
    assert refused.value.message == "specifying resource version is not allowed when using continue"
    for bad, text in [
        ("eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MCwic3RhcnQiOiJhIn0", "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)"),
        (paging.encode("", 3), "continue key is not valid: encoded start key empty (version meta.k8s.io/v1)"),
        (paging.encode("../other", 3), "continue key is not valid: ../other"),
        ("x" * 9000, "continue key is not valid: token too long"),
    ]:
        with pytest.raises(ApiError) as err:
            paging.decode(bad, "")
        assert err.value.code == 400 and err.value.message == f"invalid continue token: {text}"


@pytest.fixture
def quick_cluster(tmp_path: Path) -> Iterator[EmbeddedCluster]:
    with EmbeddedCluster(ClusterConfig(state_dir=tmp_path / "state", seed=7)) as running:
        yield running


def test_a_compacted_snapshot_answers_410_with_an_inconsistent_token(quick_cluster: EmbeddedCluster) -> None:
    cluster = quick_cluster
    for i in range(4):
        cluster.call(cluster.registry.create, CONFIGMAPS, "default", {"metadata": {"name": f"cm-{i}"}, "data": {"k": str(i)}})
    status, first = _get(cluster, "/api/v1/namespaces/default/configmaps?limit=2")
    assert status == 200 and [i["metadata"]["name"] for i in first["items"]] == ["cm-0", "cm-1"]
    token = first["metadata"]["continue"]
    # a change after the first chunk does not show in the next: it is read at the first one's revision
    cluster.call(cluster.registry.remove, CONFIGMAPS, "default", "cm-2")
    status, second = _get(cluster, f"/api/v1/namespaces/default/configmaps?limit=2&continue={token}")
    assert status == 200 and [i["metadata"]["name"] for i in second["items"]] == ["cm-2", "cm-3"]
    assert second["metadata"]["resourceVersion"] == first["metadata"]["resourceVersion"]
    # once compaction passes that revision, the token has expired
    cluster.call(lambda: cluster.store._compact(cluster.store.resource_version))
    status, gone = _get(cluster, f"/api/v1/namespaces/default/configmaps?limit=2&continue={token}")
    assert status == 410 and gone["reason"] == "Expired" and gone["code"] == 410
    assert gone["message"].startswith("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response")
    inconsistent = gone["metadata"]["continue"]
    assert paging.decode(inconsistent, "").revision == -1
    status, rest = _get(cluster, f"/api/v1/namespaces/default/configmaps?limit=10&continue={inconsistent}")
    assert status == 200 and [i["metadata"]["name"] for i in rest["items"]] == ["cm-3", "kube-root-ca.crt"]
    assert "continue" not in rest["metadata"]


def test_paging_across_namespaces_orders_keys_as_etcd_does(quick_cluster: EmbeddedCluster) -> None:
    names = []
    token = ""
    while True:
        status, page = _get(quick_cluster, "/api/v1/configmaps?limit=2" + (f"&continue={token}" if token else ""))
        assert status == 200
        names += [f"{i['metadata']['namespace']}/{i['metadata']['name']}" for i in page["items"]]
        token = page["metadata"].get("continue", "")
        if not token:
            break
    assert names == sorted(names, key=str.encode) and len(names) == len(set(names)) >= 6


# ---- /openapi/v2 ------------------------------------------------------------------------------------

def _messages(buf: bytes, number: int) -> list[bytes]:
    return [value for n, _, value in iter_fields(buf) if n == number and isinstance(value, bytes)]


def test_openapi_v2_protobuf_holds_the_definitions_kubectl_reads() -> None:
    doc = openapiv2.protobuf()
    swagger = _messages(doc, 1)
    assert swagger == [b"2.0"]
    (definitions,) = _messages(doc, 9)
    named = {(_messages(entry, 1)[0].decode()): _messages(entry, 2)[0] for entry in _messages(definitions, 1)}
    assert set(named) == set(openapiv2.definitions())
    deployment = named["io.k8s.api.apps.v1.Deployment"]
    extensions = {(_messages(e, 1)[0].decode()): _messages(_messages(e, 2)[0], 2)[0].decode() for e in _messages(deployment, 31)}
    assert json.loads(extensions["x-kubernetes-group-version-kind"]) == [{"group": "apps", "kind": "Deployment", "version": "v1"}]
    # every reference names a definition (kube-openapi refuses a document with a dangling one)
    text = json.dumps(openapiv2.definitions())
    assert {ref for ref in re.findall(r'"#/definitions/([^"]+)"', text)} <= set(openapiv2.definitions())


def test_openapi_v2_is_protobuf_for_kubectl_and_json_otherwise(kubectl: Kubectl, cluster: EmbeddedCluster) -> None:
    status, doc = _get(cluster, "/openapi/v2")
    assert status == 200 and doc["swagger"] == "2.0"
    explained = kubectl("explain", "deployment.spec.strategy.type")
    assert "Type of deployment" in explained.stdout


# ---- managedFields ----------------------------------------------------------------------------------

SERVICE = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "default"},
           "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}}


def test_managed_fields_written_by_a_request_are_the_base_of_the_update() -> None:
    services = resource("", "services")
    live = server_side_apply(None, SERVICE, manager="other", force=False, resource=services, now="2026-01-01T00:00:00Z")
    rewritten = json.loads(json.dumps(live))
    rewritten["metadata"]["managedFields"][0]["manager"] = "renamed"
    entries = record_update(live, rewritten, "kubectl", "v1", "2026-01-01T00:00:01Z", resource=services)
    assert [(e["manager"], e["operation"]) for e in entries] == [("renamed", "Apply")]
    # an empty list is not an instruction: the live entries stay
    emptied = dict(rewritten, metadata={**rewritten["metadata"], "managedFields": []})
    assert [e["manager"] for e in record_update(live, emptied, "kubectl", "v1", "t", resource=services)] == ["other"]


def test_the_last_applied_annotation_is_encoded_as_go_encodes_it() -> None:
    applied = {"kind": "Service", "apiVersion": "v1", "metadata": {"name": "web", "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "old", "a": "<b>"}}}
    assert build_last_applied(applied) == '{"apiVersion":"v1","kind":"Service","metadata":{"annotations":{"a":"\\u003cb\\u003e"},"name":"web"}}\n'


def test_dropping_a_list_item_removes_it_whole() -> None:
    deploy = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "default"},
              "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": {"metadata": {"labels": {"app": "web"}},
                       "spec": {"containers": [{"name": "web", "image": "nginx", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]}]}}}}
    live = server_side_apply(None, deploy, manager="kubectl", force=False, resource=DEPLOYMENTS, now="t")
    fewer = json.loads(json.dumps(deploy))
    del fewer["spec"]["template"]["spec"]["containers"][0]["env"]
    after = server_side_apply(live, fewer, manager="kubectl", force=False, resource=DEPLOYMENTS, now="t")
    assert "env" not in after["spec"]["template"]["spec"]["containers"][0]
    one = json.loads(json.dumps(deploy))
    one["spec"]["template"]["spec"]["containers"][0]["env"] = [{"name": "B", "value": "2"}]
    after = server_side_apply(live, one, manager="kubectl", force=False, resource=DEPLOYMENTS, now="t")
    assert after["spec"]["template"]["spec"]["containers"][0]["env"] == [{"name": "B", "value": "2"}]


# ---- strategic merge patch conversion ---------------------------------------------------------------

@pytest.mark.parametrize("obj, text", [
    ({"metadata": {"labels": "invalid"}}, "cannot restore map from string"),
    ({"metadata": {"labels": 5}}, "cannot restore map from int64"),
    ({"spec": {"template": {"spec": {"containers": "x"}}}}, "cannot restore slice from string"),
    ({"spec": {"template": {"spec": {"containers": [{"name": "a", "ports": {"a": 1}}]}}}}, "cannot restore slice from map"),
    ({"spec": {"strategy": "Recreate"}}, "cannot restore struct from: string"),
    ({"spec": {"strategy": {"rollingUpdate": {"maxSurge": "25%"}}}}, None),
])
def test_unstructured_conversion_errors(obj: dict[str, Any], text: str | None) -> None:
    assert unstructured_conversion_error(obj, "apps/v1", "Deployment") == text


def test_go_print_is_fmt_plus_v() -> None:
    assert go_print({"metadata": {"labels": "invalid", "a": [1, 2.5, None, True]}}) == "map[metadata:map[a:[1 2.5 <nil> true] labels:invalid]]"


# ---- revision history -------------------------------------------------------------------------------

def test_revision_history_keeps_the_newest_within_its_limit() -> None:
    assert _append_revision("", "1") == "1"
    assert _append_revision("1,3", "5") == "1,3,5"
    assert _append_revision("1,3", "5", limit=4) == "3,5"
    assert _append_revision("", "12345", limit=3) == "12345"  # the first revision is always recorded


# ---- namespace termination on a manual clock ----------------------------------------------------------

def test_namespace_content_goes_only_after_the_grace_period(tmp_path: Path) -> None:
    with EmbeddedCluster(ClusterConfig(state_dir=tmp_path / "state", seed=7, manual_clock=True)) as cluster:
        namespaces = resource("", "namespaces")
        cluster.call(cluster.registry.create, namespaces, "", {"metadata": {"name": "gone"}})
        cluster.call(cluster.registry.create, CONFIGMAPS, "gone", {"metadata": {"name": "data"}})
        cluster.settle()
        cluster.call(cluster.registry.delete, namespaces, "", "gone")
        cluster.settle()
        cluster.advance(4.5)
        assert cluster.store.get(CONFIGMAPS, "gone", "data") is not None  # within namespaceDeletionGracePeriod
        assert cluster.store.get(namespaces, "", "gone")["status"]["phase"] == "Terminating"
        cluster.advance(1.0)
        assert cluster.store.get(CONFIGMAPS, "gone", "data") is None
        assert cluster.store.get(namespaces, "", "gone") is None


def test_the_kubernetes_service_comes_back_within_the_reconcile_interval(tmp_path: Path) -> None:
    with EmbeddedCluster(ClusterConfig(state_dir=tmp_path / "state", seed=7, manual_clock=True)) as cluster:
        services = resource("", "services")
        cluster.call(cluster.registry.delete, services, "default", "kubernetes")
        cluster.settle()
        cluster.advance(9.0)
        assert cluster.store.get(services, "default", "kubernetes") is None
        cluster.advance(1.5)
        back = cluster.store.get(services, "default", "kubernetes")
        assert back is not None and back["spec"]["clusterIP"] == "10.96.0.1"
