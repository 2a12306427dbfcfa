"""A restart always succeeds, whatever was stored, and generated names do not repeat after it."""

from __future__ import annotations

import json
import logging
import random
from pathlib import Path
from typing import Any

import pytest

from svclab.cluster.embedded import ClusterConfig, EmbeddedCluster
from svclab.registry.names import generate_name
from svclab.resources import PODS, SERVICES
from tests.robustness.conftest import Raw

CONFIGMAPS = "/api/v1/namespaces/default/configmaps"


def started(state: Path) -> EmbeddedCluster:
    return EmbeddedCluster(ClusterConfig(state_dir=state, seed=3)).start()


def pod(name: str, **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": {"containers": [{"name": "c", "image": "busybox:1.36.1"}], **spec}}


def test_the_issues_commands_are_validated_or_stored_and_restart_works(tmp_path: Path) -> None:
    state = tmp_path / "state"
    cluster = started(state)
    raw = Raw(cluster)
    assert raw("POST", "/api/v1/namespaces/default/pods", json.dumps(pod("p")))[0] == 201
    current = raw("GET", "/api/v1/namespaces/default/pods/p")[1]
    status, refused = raw("PUT", "/api/v1/namespaces/default/pods/p/status", json.dumps({**current, "status": {**current.get("status", {}), "podIP": "not-an-ip"}}))
    assert status == 422 and refused["message"] == 'Pod "p" is invalid: status.podIPs[0]: Invalid value: "not-an-ip": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'
    status, refused = raw("PATCH", "/api/v1/namespaces/default/pods/p/status", '{"status": {"podIP": "10.244.1.9", "podIPs": [{"ip": "10.244.1.9"}, {"ip": "10.244.1.10"}]}}', "application/merge-patch+json")
    assert status == 422 and "status.podIPs: Invalid value: " in refused["message"] and refused["message"].endswith("may specify no more than one IP for each IP family")
    sts = {
        "apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "web"},
        "spec": {"serviceName": "web.default", "replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}},
    }
    raw("POST", "/apis/apps/v1/namespaces/default/statefulsets", json.dumps(sts))  # a StatefulSet's serviceName is not validated
    assert raw("GET", "/apis/apps/v1/namespaces/default/statefulsets/web")[0] == 200
    status, node = raw("POST", "/api/v1/nodes", json.dumps({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "extra"}}))
    assert status in (201, 422, 500) and raw("GET", "/api/v1/nodes/extra")[0] == 200, node
    status, bad_node = raw("POST", "/api/v1/nodes", json.dumps({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "Bad_Node"}, "spec": {"podCIDRs": ["10.0.0.0/33"], "taints": [{"key": "k", "effect": "Sometimes"}]}}))
    assert status == 422 and bad_node["message"] == (
        'Node "Bad_Node" is invalid: [metadata.name: Invalid value: "Bad_Node": a lowercase RFC 1123 subdomain must consist of lower case '
        "alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
        "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*'), metadata.taints[0].effect: Unsupported value: "
        '"Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute", spec.podCIDRs[0]: Invalid value: "10.0.0.0/33": '
        "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)]"
    )
    cluster.stop()
    again = started(state)
    try:
        raw = Raw(again)
        assert {"web"} <= set(raw.names("/apis/apps/v1/namespaces/default/statefulsets"))
        assert "extra" in raw.names("/api/v1/nodes") and "Bad_Node" not in raw.names("/api/v1/nodes")
        raw("POST", CONFIGMAPS, json.dumps({"metadata": {"name": "after-restart"}}))  # how the controllers answer is theirs
        assert raw("GET", f"{CONFIGMAPS}/after-restart")[0] == 200  # the write is stored
    finally:
        again.stop()


def test_stored_objects_that_cannot_be_re_reserved_never_stop_a_restart(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    state = tmp_path / "state"
    cluster = started(state)
    node = "svclab-worker"

    def store_unreservable() -> None:
        # what an older svclab could store: a pod whose IP is not an address, more pods than the
        # node's /24 holds, an IP outside the node's range, and Services holding odd addresses
        store = cluster.store
        store.create(PODS, {**pod("not-an-ip", nodeName=node), "metadata": {"name": "not-an-ip", "namespace": "default"}, "status": {"phase": "Running", "podIP": "not-an-ip"}})
        store.create(PODS, {**pod("elsewhere", nodeName=node), "metadata": {"name": "elsewhere", "namespace": "default"}, "status": {"phase": "Running", "podIP": "192.168.7.7"}})
        for i in range(2, 262):
            ip = f"10.244.1.{i}" if i < 255 else f"10.244.1.{i - 250}"  # the whole /24, then some twice
            store.create(PODS, {**pod(f"full-{i}", nodeName=node), "metadata": {"name": f"full-{i}", "namespace": "default"}, "status": {"phase": "Running", "podIP": ip}})
        store.create(SERVICES, {"metadata": {"name": "odd", "namespace": "default"}, "spec": {"clusterIP": "10.96.0.10", "clusterIPs": ["10.96.0.10", "not-an-ip", 7], "ports": [{"port": 80, "nodePort": "x"}, {"port": 81, "nodePort": 99999}]}})

    cluster.call(store_unreservable)
    rv = cluster.call(lambda: cluster.store.resource_version)
    cluster.stop()
    with caplog.at_level(logging.WARNING, logger="svclab.cluster"):
        again = started(state)
    try:
        assert again.store.resource_version >= rv
        assert "podIP 'not-an-ip' is not an address" in caplog.text and "is outside node svclab-worker's 10.244.1.0/24" in caplog.text
        raw = Raw(again)
        assert raw("GET", "/api/v1/namespaces/default/pods/full-261")[0] == 200
        assert raw("GET", "/api/v1/namespaces/default/services/odd")[0] == 200
    finally:
        again.stop()


def test_generated_names_do_not_repeat_after_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "state"
    body = json.dumps({"metadata": {"generateName": "job-"}})
    names: list[list[str]] = []
    for _ in range(3):
        cluster = started(state)
        raw = Raw(cluster)
        made = []
        for _ in range(15):
            status, created = raw("POST", CONFIGMAPS, body)
            assert status == 201, created
            made.append(created["metadata"]["name"])
            assert raw("DELETE", f"{CONFIGMAPS}/{made[-1]}")[0] == 200  # nothing left to collide with
        names.append(made)
        cluster.stop()
    assert len(set(names[0]) | set(names[1]) | set(names[2])) == 45


def test_a_taken_generated_name_is_drawn_again_up_to_eight_times(tmp_path: Path) -> None:
    with EmbeddedCluster(ClusterConfig(state_dir=tmp_path / "state", seed=3)) as cluster:
        raw = Raw(cluster)

        def upcoming(count: int) -> list[str]:
            rng = random.Random()
            rng.setstate(cluster.call(lambda: cluster.rngs["names"].getstate()))
            return [generate_name("gen-", rng) for _ in range(count)]

        for name in upcoming(7):
            assert raw("POST", CONFIGMAPS, json.dumps({"metadata": {"name": name}}))[0] == 201
        eighth = upcoming(8)[7]
        for name in upcoming(7):
            raw("POST", CONFIGMAPS, json.dumps({"metadata": {"name": name}}))
        status, created = raw("POST", CONFIGMAPS, json.dumps({"metadata": {"generateName": "gen-"}}))
        assert status == 201 and created["metadata"]["name"] == eighth  # seven collisions, the eighth draw is free

        for name in upcoming(8):
            raw("POST", CONFIGMAPS, json.dumps({"metadata": {"name": name}}))
        taken = upcoming(8)
        status, conflict = raw("POST", CONFIGMAPS, json.dumps({"metadata": {"generateName": "gen-"}}))
        assert status == 409 and conflict["reason"] == "AlreadyExists"
        assert conflict["message"] == f'configmaps "{taken[7]}" already exists, the server was not able to generate a unique name for the object'
        assert conflict["details"] == {"name": taken[7], "kind": "configmaps", "retryAfterSeconds": 1}
