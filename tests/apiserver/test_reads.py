"""GET and LIST answer from the stored objects themselves (no copy per read): every kind of read leaves the store's
objects exactly as they were, and answers what is stored."""

from __future__ import annotations

import json
from typing import Any

from svclab.cluster.embedded import EmbeddedCluster
from svclab.resources import EVENTS, RESOURCES, resource

CONFIGMAPS = resource("", "configmaps")
PODS = resource("", "pods")


def call(api: Any, method: str, path: str, accept: str = "application/json", body: Any = None) -> tuple[int, Any]:
    path, _, query = path.partition("?")
    params = api.param_serialize(method=method, resource_path=path, query_params=[tuple(p.split("=", 1)) for p in query.split("&") if p],
                                 header_params={"Accept": accept, "Content-Type": "application/json"}, body=body, auth_settings=["BearerToken"])
    response = api.call_api(*params)
    return response.status, json.loads(response.read())


def snapshot(cluster: EmbeddedCluster) -> str:
    return json.dumps({res.key: list(cluster.store.items(res)) for res in RESOURCES}, sort_keys=True)


def test_reads_answer_the_stored_objects_and_change_none_of_them(cluster: EmbeddedCluster, api_client: Any) -> None:
    for index in range(3):
        status, _ = call(api_client, "POST", "/api/v1/namespaces/default/configmaps",
                         body={"metadata": {"name": f"cm{index}", "labels": {"app": "reads", "n": str(index)}}, "data": {"k": "v"}})
        assert status == 201
    status, _ = call(api_client, "POST", "/api/v1/namespaces/default/pods",
                     body={"metadata": {"name": "p", "labels": {"app": "reads"}}, "spec": {"containers": [{"name": "c", "image": "busybox:1.36.1", "command": ["sleep", "infinity"]}]}})
    assert status == 201
    assert cluster.settle(10)
    before = snapshot(cluster)
    stored = cluster.store.peek(CONFIGMAPS, "default", "cm1")

    status, got = call(api_client, "GET", "/api/v1/namespaces/default/configmaps/cm1")
    assert status == 200 and got == stored
    status, listed = call(api_client, "GET", "/api/v1/namespaces/default/configmaps?labelSelector=app=reads")
    assert [item["metadata"]["name"] for item in listed["items"]] == ["cm0", "cm1", "cm2"]
    assert all("kind" not in item and "apiVersion" not in item for item in listed["items"])  # list items carry neither
    assert listed["items"][1] == {k: v for k, v in stored.items() if k not in ("kind", "apiVersion")}
    status, page = call(api_client, "GET", "/api/v1/namespaces/default/configmaps?labelSelector=app=reads&limit=2")
    assert [item["metadata"]["name"] for item in page["items"]] == ["cm0", "cm1"] and page["metadata"]["continue"]
    status, rest = call(api_client, "GET", f"/api/v1/namespaces/default/configmaps?labelSelector=app=reads&limit=2&continue={page['metadata']['continue']}")
    assert [item["metadata"]["name"] for item in rest["items"]] == ["cm2"]
    table = "application/json;as=Table;v=v1;g=meta.k8s.io"
    status, rows = call(api_client, "GET", "/api/v1/pods?includeObject=Object", accept=table)
    assert status == 200 and any(row["object"]["metadata"]["name"] == "p" for row in rows["rows"])
    status, one = call(api_client, "GET", "/api/v1/namespaces/default/pods/p", accept=table)
    assert status == 200 and one["rows"][0]["cells"][0] == "p"
    status, events = call(api_client, "GET", "/apis/events.k8s.io/v1/events")
    assert status == 200 and len(events["items"]) == len(list(cluster.store.items(EVENTS)))
    assert snapshot(cluster) == before

    status, deleted = call(api_client, "DELETE", "/api/v1/namespaces/default/configmaps?labelSelector=app=reads")
    assert status == 200 and [item["metadata"]["name"] for item in deleted["items"]] == ["cm0", "cm1", "cm2"]
    assert deleted["items"][1]["metadata"]["resourceVersion"] == stored["metadata"]["resourceVersion"]
    assert not any(cm["metadata"].get("labels", {}).get("app") == "reads" for cm in cluster.store.items(CONFIGMAPS, "default"))
    assert cluster.store.peek(PODS, "default", "p") is not None
