"""Bad input gets the real server's answer, and afterwards the cluster still serves and has lost nothing."""

from __future__ import annotations

import json
import socket
import ssl
import time

import websocket
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from svclab.cluster.embedded import EmbeddedCluster
from tests.robustness.conftest import Raw, service

SERVICES = "/api/v1/namespaces/default/services"


def test_malformed_json_and_yaml_are_400_and_nothing_changes(raw: Raw) -> None:
    assert raw("POST", SERVICES, service("keep"))[0] == 201
    before = raw.names(SERVICES)
    cases = [
        ('{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x"}', "application/json", "couldn't get version/kind; json parse error: unexpected end of JSON input"),
        ("{not json}", "application/json", "couldn't get version/kind; json parse error: invalid character 'n' looking for beginning of object key string"),
        ("[1, 2]", "application/json", "couldn't get version/kind; json parse error: json: cannot unmarshal array into Go value of type struct"),
        ("kind: Service\n  metadata: [", "application/yaml", "error converting YAML to JSON: yaml: line 2: "),
        ("", "application/json", "Object 'Kind' is missing in ''"),
        ("[" * 100000 + "]" * 100000, "application/json", "couldn't get version/kind; json parse error: "),
    ]
    for body, content_type, message in cases:
        status, reply = raw("POST", SERVICES, body, content_type)
        assert status == 400, (body[:40], reply)
        assert reply["kind"] == "Status" and reply["reason"] == "BadRequest" and reply["code"] == 400
        assert reply["message"].startswith(message), reply["message"]
    assert raw.names(SERVICES) == before


def test_body_of_the_wrong_kind_is_refused(raw: Raw) -> None:
    pod = json.dumps({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "busybox:1.36.1"}]}})
    status, reply = raw("POST", SERVICES, pod)
    assert status == 400 and reply["reason"] == "BadRequest"


def test_huge_bodies_are_413(raw: Raw) -> None:
    huge = service("huge", externalName="x" * (3 * 1024 * 1024))
    status, reply = raw("POST", SERVICES, huge)
    assert status == 413
    assert reply["reason"] == "RequestEntityTooLarge" and reply["message"] == "Request entity too large: limit is 3145728"
    assert "huge" not in raw.names(SERVICES)
    assert raw("GET", "/api/v1/namespaces")[0] == 200


def test_unknown_kinds_groups_and_versions_are_404(raw: Raw) -> None:
    for path in ("/api/v1/namespaces/default/widgets", "/apis/example.com/v1/widgets", "/apis/apps/v2/deployments", "/api/v2/pods", "/apis/nonexistent.io"):
        status, reply = raw("GET", path)
        assert status == 404, path
        assert reply["reason"] == "NotFound" and reply["message"] == "the server could not find the requested resource", path
    status, reply = raw("POST", "/apis/example.com/v1/namespaces/default/widgets", '{"kind": "Widget"}')
    assert status == 404


def test_unsupported_patch_and_methods(raw: Raw) -> None:
    raw("POST", SERVICES, service("web"))
    status, reply = raw("PATCH", f"{SERVICES}/web", '{"spec": {}}', "text/plain")
    assert status == 415 and reply["reason"] == "UnsupportedMediaType"
    status, reply = raw("PATCH", f"{SERVICES}/web", '[{"op": "test", "path": "/spec/type", "value": "NodePort"}]', "application/json-patch+json")
    assert status == 422
    status, reply = raw("PUT", SERVICES, service("web"))
    assert status == 405 and reply["reason"] == "MethodNotAllowed"


def test_missing_or_wrong_token_is_401(raw: Raw) -> None:
    for token in (None, "", "wrong"):
        status, reply = raw("GET", "/api/v1/namespaces", token=token)
        assert status == 401 and reply == {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": "Unauthorized", "reason": "Unauthorized", "code": 401}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=st.text(alphabet="abcXYZ-_.09", min_size=0, max_size=70),
    port=st.one_of(st.integers(min_value=-5, max_value=70000), st.text(max_size=5)),
    kind=st.sampled_from(["ClusterIP", "NodePort", "LoadBalancer", "ExternalName", "Bogus", None]),
    cluster_ip=st.sampled_from([None, "None", "10.96.0.77", "10.97.0.1", "not-an-ip", ""]),
    labels=st.dictionaries(st.text(alphabet="ab/.-_x", max_size=10), st.text(alphabet="ab -_.", max_size=10), max_size=2),
)
def test_generated_services_get_201_or_the_real_422_never_a_500(raw: Raw, name: str, port: object, kind: str | None, cluster_ip: str | None, labels: dict[str, str]) -> None:
    spec: dict[str, object] = {"selector": {"app": "web"}, "ports": [{"port": port}]}
    if kind:
        spec["type"] = kind
    if cluster_ip is not None:
        spec["clusterIP"] = cluster_ip
    body = json.dumps({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "labels": labels}, "spec": spec})
    before = raw.names(SERVICES)
    status, reply = raw("POST", SERVICES, body)
    assert status in (201, 400, 409, 422), reply
    after = raw.names(SERVICES)
    if status == 201:
        assert set(after) == set(before) | {name}
        assert raw("DELETE", f"{SERVICES}/{name}")[0] == 200
    else:
        assert reply["kind"] == "Status" and reply["code"] == status and reply["message"]
        assert after == before


def test_watch_clients_that_vanish_are_forgotten(cluster: EmbeddedCluster, raw: Raw) -> None:
    for _ in range(5):
        sock = socket.create_connection(("127.0.0.1", cluster.api_port))
        tls = raw.context().wrap_socket(sock, server_hostname="127.0.0.1")
        tls.sendall(f"GET /api/v1/namespaces/default/pods?watch=true HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {cluster.token}\r\n\r\n".encode())
        assert tls.recv(64).startswith(b"HTTP/1.1 200")
        tls.close()
    deadline = time.monotonic() + 5  # no event needed: the server notices closed connections by itself
    while cluster.call(lambda: len(cluster.store._watchers)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert cluster.call(lambda: len(cluster.store._watchers)) == 0
    assert raw("GET", "/api/v1/namespaces")[0] == 200


def test_exec_client_that_disconnects_mid_command(cluster: EmbeddedCluster, raw: Raw) -> None:
    pod = json.dumps({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "sleeper"}, "spec": {"containers": [{"name": "c", "image": "busybox:1.36.1"}]}})
    assert raw("POST", "/api/v1/namespaces/default/pods", pod)[0] == 201

    url = f"wss://127.0.0.1:{cluster.api_port}/api/v1/namespaces/default/pods/sleeper/exec?command=sleep&command=2&stdout=true&stderr=true"
    ws = websocket.create_connection(url, subprotocols=["v5.channel.k8s.io"], sslopt={"context": raw.context()},
                                     header={"Authorization": f"Bearer {cluster.token}"}, timeout=10)
    ws.close()
    time.sleep(2.5)
    status, reply = raw("GET", "/api/v1/namespaces/default/pods/sleeper")
    assert status == 200 and reply["status"]["phase"] == "Running"
