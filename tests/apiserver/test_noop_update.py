"""A write that changes nothing is not a write (the apiserver's GuaranteedUpdate: when the new object's bytes equal the
stored ones, etcd3/store.go returns the current object without a transaction): the resourceVersion stays, no watch
event is sent, the revision log gains no row. Through the API as a client sends it: a PUT of the object as read, a
merge patch that sets what is already set, a status write, a server-side apply of the same manifest."""

from __future__ import annotations

import json
from typing import Any

from svclab.cluster.embedded import EmbeddedCluster
from svclab.resources import resource

CONFIGMAPS = resource("", "configmaps")


def test_writes_that_change_nothing_keep_the_resource_version_and_send_no_event(cluster: EmbeddedCluster, api_client: Any) -> None:
    path = "/api/v1/namespaces/default/configmaps"
    status, created = call(api_client, "POST", path, body={"metadata": {"name": "same", "labels": {"a": "b"}}, "data": {"k": "v"}})
    assert status == 201
    assert cluster.settle(10)
    store = cluster.store
    watcher = store.watch(CONFIGMAPS, "default", [], [], None)
    revision = store.resource_version
    rv = created["metadata"]["resourceVersion"]

    status, put = call(api_client, "PUT", f"{path}/same", body=created)
    assert status == 200 and put["metadata"]["resourceVersion"] == rv and put == created, put
    status, patched = call_patch(api_client, f"{path}/same", {"data": {"k": "v"}, "metadata": {"labels": {"a": "b"}}})
    assert status == 200 and patched["metadata"]["resourceVersion"] == rv, patched
    assert store.resource_version == revision and watcher.queue.empty()

    status, changed = call_patch(api_client, f"{path}/same", {"data": {"k": "w"}})
    assert status == 200 and int(changed["metadata"]["resourceVersion"]) > int(rv)
    assert watcher.queue.get_nowait().type == "MODIFIED" and watcher.queue.empty()
    store.unwatch(watcher)


def call(api: Any, method: str, path: str, body: Any = None, content_type: str = "application/json") -> tuple[int, Any]:
    params = api.param_serialize(method=method, resource_path=path, header_params={"Accept": "application/json", "Content-Type": content_type},
                                 body=body, auth_settings=["BearerToken"])
    response = api.call_api(*params)
    return response.status, json.loads(response.read())


def call_patch(api: Any, path: str, body: Any) -> tuple[int, Any]:
    return call(api, "PATCH", path, body, "application/merge-patch+json")


def test_kubectl_apply_of_the_same_manifest_is_unchanged_and_keeps_the_resource_version(cluster: EmbeddedCluster, kubectl: Any, tmp_path: Any) -> None:
    manifest = tmp_path / "cm.yaml"
    manifest.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: applied, namespace: default}\ndata: {k: v}\n")
    kubectl("apply", "--server-side", "-f", str(manifest))
    first = cluster.store.peek(CONFIGMAPS, "default", "applied")["metadata"]["resourceVersion"]
    assert cluster.settle(10)
    revision = cluster.store.resource_version
    kubectl("apply", "--server-side", "-f", str(manifest))
    assert cluster.store.peek(CONFIGMAPS, "default", "applied")["metadata"]["resourceVersion"] == first
    assert cluster.store.resource_version == revision
