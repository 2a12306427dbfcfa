"""`LeanRESTClient`, the session's REST transport: the same answers as the kubernetes client's urllib3 transport
(typed objects, raw JSON, ApiException with the Status), one kept connection per thread, and urllib3 for what it
does not take (watches, a server it cannot reach); against fake servers, the wire's edge cases (chunked bodies, a
connection closed after the answer or while idle, a body to the end of the connection)."""

from __future__ import annotations

import json
import socket
import tempfile
import threading
from pathlib import Path
from typing import Callable, Iterator

import pytest
import urllib3
from kubernetes import client, config, watch
from kubernetes.client.exceptions import ApiException

from svclab.cluster.embedded import ClusterConfig, EmbeddedCluster
from svclab.lab import manifests
from svclab.lab.rest_transport import LeanRESTClient
from svclab.lab.session import api_client


@pytest.fixture(scope="module")
def cluster() -> Iterator[EmbeddedCluster]:
    with tempfile.TemporaryDirectory() as tmp, EmbeddedCluster(ClusterConfig(state_dir=Path(tmp) / "state", seed=5)) as running:
        yield running


def test_the_same_answers_as_the_clients_own_transport(cluster: EmbeddedCluster) -> None:
    assert cluster.kubeconfig_path is not None
    lean, plain = api_client(cluster.kubeconfig_path), config.new_client_from_config(config_file=str(cluster.kubeconfig_path))
    try:
        assert isinstance(lean.rest_client, LeanRESTClient) and not isinstance(plain.rest_client, LeanRESTClient)
        ours, theirs = client.CoreV1Api(lean), client.CoreV1Api(plain)
        manifests.apply(api_session(lean, cluster), {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "same"}, "data": {"a": "b"}}, "default")
        assert ours.read_namespaced_config_map("same", "default").to_dict() == theirs.read_namespaced_config_map("same", "default").to_dict()
        assert [p.metadata.name for p in ours.list_namespaced_pod("kube-system").items] == [p.metadata.name for p in theirs.list_namespaced_pod("kube-system").items]
        for api in (ours, theirs):
            with pytest.raises(ApiException) as missing:
                api.read_namespaced_pod("nope", "default")
            assert (missing.value.status, missing.value.reason) == (404, "Not Found")
            assert json.loads(missing.value.body)["message"] == 'pods "nope" not found'
        data, status, headers = ours.read_namespaced_config_map_with_http_info("same", "default")   # type: ignore[misc]
        assert (status, headers["Content-Type"]) == (200, "application/json")
        raw = ours.read_namespaced_config_map("same", "default", _preload_content=False)
        assert isinstance(raw, urllib3.HTTPResponse) and b'"a":"b"' in raw.data.replace(b" ", b"")
        patched = ours.patch_namespaced_config_map("same", "default", {"data": {"a": "c"}})
        assert patched.data == {"a": "c"}
        ours.delete_namespaced_config_map("same", "default")
        assert "same" not in [c.metadata.name for c in theirs.list_namespaced_config_map("default").items]
        assert len(lean.rest_client._all) == 1   # one thread, one kept connection
    finally:
        lean.close()
        plain.close()


def api_session(api: client.ApiClient, cluster: EmbeddedCluster) -> object:
    from svclab.lab.session import Session

    assert cluster.kubeconfig_path is not None
    return Session("embedded", cluster.kubeconfig_path, None, "default", api, Path(tempfile.gettempdir()))


def test_watches_go_through_urllib3_and_still_stream(cluster: EmbeddedCluster) -> None:
    assert cluster.kubeconfig_path is not None
    api = api_client(cluster.kubeconfig_path)
    try:
        core = client.CoreV1Api(api)
        events = [(e["type"], e["object"].metadata.name) for e in watch.Watch().stream(core.list_namespace, timeout_seconds=1)]
        assert ("ADDED", "kube-system") in events
    finally:
        api.close()


def test_each_thread_keeps_its_own_connection(cluster: EmbeddedCluster) -> None:
    assert cluster.kubeconfig_path is not None
    api = api_client(cluster.kubeconfig_path)
    try:
        core = client.CoreV1Api(api)
        names: list[str] = []
        threads = [threading.Thread(target=lambda: names.extend(n.metadata.name for _ in range(5) for n in core.list_namespace().items)) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert names.count("default") == 15 and len(api.rest_client._all) == 3
    finally:
        api.close()
    assert api.rest_client._all == []


def test_an_unreachable_server_is_urllib3s_error() -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()   # nothing listens there now
    configuration = client.Configuration(host=f"http://127.0.0.1:{port}")
    configuration.retries = 0
    api = client.ApiClient(configuration)
    api.rest_client = LeanRESTClient(configuration)
    with pytest.raises(urllib3.exceptions.MaxRetryError):
        client.CoreV1Api(api).list_namespace()


Answer = Callable[[socket.socket, bytes], bool]


class HTTPServer:
    """Answers each request on a connection with `answer(conn, request)`; False closes the connection."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self.requests: list[bytes] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._connection, args=(conn,), daemon=True).start()

    def _connection(self, conn: socket.socket) -> None:
        buffer = b""
        with conn:
            while True:
                while b"\r\n\r\n" not in buffer:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    buffer += chunk
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")), 0)
                while len(buffer) < length:
                    buffer += conn.recv(65536)
                body, buffer = buffer[:length], buffer[length:]
                self.requests.append(head + b"\r\n\r\n" + body)
                if not self.answer(conn, head):
                    return

    def close(self) -> None:
        try:
            self.listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.listener.close()


@pytest.fixture
def http() -> Iterator[Callable[[Answer], tuple[HTTPServer, client.CoreV1Api]]]:
    servers: list[HTTPServer] = []
    apis: list[client.ApiClient] = []

    def start(answer: Answer) -> tuple[HTTPServer, client.CoreV1Api]:
        server = HTTPServer(answer)
        servers.append(server)
        configuration = client.Configuration(host=f"http://127.0.0.1:{server.port}", api_key={"BearerToken": "tok"}, api_key_prefix={"BearerToken": "Bearer"})
        api = client.ApiClient(configuration)
        api.rest_client = LeanRESTClient(configuration)
        apis.append(api)
        return server, client.CoreV1Api(api)

    yield start
    for api in apis:
        api.close()
    for server in servers:
        server.close()


NAMESPACE = b'{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"x"}}'


def test_chunked_answers_and_the_request_sent(http: Callable[[Answer], tuple[HTTPServer, client.CoreV1Api]]) -> None:
    def answer(conn: socket.socket, head: bytes) -> bool:
        chunks = b"".join(f"{len(part):x}\r\n".encode() + part + b"\r\n" for part in (NAMESPACE[:10], NAMESPACE[10:]))
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\n\r\n")
        return True

    server, core = http(answer)
    assert core.read_namespace("x").metadata.name == "x"
    assert core.patch_namespace("x", {"metadata": {"labels": {"a": "b"}}}).metadata.name == "x"
    assert server.connections == 1
    get, patch = server.requests
    assert get.startswith(b"GET /api/v1/namespaces/x HTTP/1.1\r\n") and b"\r\nauthorization: bearer tok\r\n" in get.lower()
    assert patch.startswith(b"PATCH /api/v1/namespaces/x HTTP/1.1\r\n")
    assert b"\r\nContent-Type: application/strategic-merge-patch+json\r\n" in patch
    assert patch.endswith(b'\r\n\r\n{"metadata": {"labels": {"a": "b"}}}')


def test_a_connection_the_server_closes_is_not_kept(http: Callable[[Answer], tuple[HTTPServer, client.CoreV1Api]]) -> None:
    def answer(conn: socket.socket, head: bytes) -> bool:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n" + NAMESPACE)
        return False   # no length: the body ends with the connection

    server, core = http(answer)
    assert [core.read_namespace("x").metadata.name for _ in range(3)] == ["x", "x", "x"]
    assert server.connections == 3


def test_a_kept_connection_closed_while_idle_is_opened_again(http: Callable[[Answer], tuple[HTTPServer, client.CoreV1Api]]) -> None:
    """The API server closes idle connections (IdleTimeout): the next request goes on a new one, once."""
    def answer(conn: socket.socket, head: bytes) -> bool:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(NAMESPACE) + NAMESPACE)
        return False   # says nothing about closing, then closes: the client finds out on its next request

    server, core = http(answer)
    assert [core.read_namespace("x").metadata.name for _ in range(3)] == ["x", "x", "x"]
    assert server.connections == 3 and len(server.requests) == 3


def test_an_error_status_is_the_same_api_exception(http: Callable[[Answer], tuple[HTTPServer, client.CoreV1Api]]) -> None:
    status = b'{"kind":"Status","apiVersion":"v1","status":"Failure","message":"namespaces \\"x\\" is forbidden","reason":"Forbidden","code":403}'

    def answer(conn: socket.socket, head: bytes) -> bool:
        conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(status) + status)
        return True

    _server, core = http(answer)
    with pytest.raises(ApiException) as refused:
        core.read_namespace("x")
    assert (refused.value.status, refused.value.reason, refused.value.body) == (403, "Forbidden", status.decode())
