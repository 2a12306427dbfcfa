"""The exec stream client against fake servers: what a real kube-apiserver or kubelet may send that the embedded
cluster does not (a v4 answer, fragmented messages with a ping between the fragments, text frames, a close without a
Status, a connection cut without a close, chunked refusals), protocol violations, a server that never answers, and
TLS with client certificates from a kind-style kubeconfig. Server frames are made with `svclab.wire.websocket`
(the API server's codec), the client's frames are read back with its parser, which refuses unmasked frames."""

from __future__ import annotations

import base64
import datetime
import json
import socket
import ssl
import struct
import threading
from pathlib import Path
from typing import Callable, Iterator

import pytest
from kubernetes.client import Configuration

from svclab.lab import execution
from svclab.lab.exec_stream import ExecClient, ExecTimeout, OutputTooLarge, StreamError, UpgradeRefused, exec_path
from svclab.lab.session import api_client
from svclab.wire import websocket as ws

Script = Callable[[socket.socket, dict[str, str]], None]


class FakeServer:
    """Accepts connections on 127.0.0.1, reads each request head, and hands the socket to the script."""

    def __init__(self, script: Script, context: ssl.SSLContext | None = None) -> None:
        self.script, self.context = script, context
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.requests: list[dict[str, str]] = []
        self.client_frames: list[ws.Message] = []
        self.errors: list[BaseException] = []
        self.handled = threading.Semaphore(0)   # released as each connection's script ends
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            try:
                if self.context is not None:
                    conn = self.context.wrap_socket(conn, server_side=True)
                head = b""
                while b"\r\n\r\n" not in head:
                    chunk = conn.recv(4096)
                    if not chunk:
                        raise ConnectionError("no request")
                    head += chunk
                lines = head.split(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
                request = {"request-line": lines[0]}
                for line in lines[1:]:
                    name, _, value = line.partition(":")
                    request[name.strip().lower()] = value.strip()
                if isinstance(conn, ssl.SSLSocket):
                    request["peer"] = json.dumps(conn.getpeercert())
                self.requests.append(request)
                self.script(conn, request)
            except BaseException as exc:  # noqa: BLE001  (reported by the test)
                self.errors.append(exc)
            finally:
                conn.close()
                self.handled.release()

    def read_client_frames(self, conn: socket.socket, until: ws.Opcode = ws.Opcode.CLOSE) -> None:
        parser = ws.FrameParser()
        conn.settimeout(5)
        while not any(m.type == until for m in self.client_frames):
            data = conn.recv(4096)
            if not data:
                return
            self.client_frames += parser.feed(data)

    def close(self) -> None:
        try:
            self.listener.shutdown(socket.SHUT_RDWR)   # wakes the accept() (closing alone does not, on Linux)
        except OSError:
            pass
        self.listener.close()
        self.thread.join(5)


def upgraded(conn: socket.socket, request: dict[str, str], protocol: str | None = "v5.channel.k8s.io", accept: str | None = None) -> None:
    lines = ["HTTP/1.1 101 Switching Protocols", "Upgrade: websocket", "Connection: Upgrade",
             f"Sec-WebSocket-Accept: {accept or ws.accept_key(request['sec-websocket-key'])}"]
    if protocol:
        lines.append(f"Sec-WebSocket-Protocol: {protocol}")
    conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())


def message(channel: int, data: bytes, opcode: int = ws.Opcode.BINARY) -> bytes:
    return ws.frame(opcode, bytes([channel]) + data)


def status(code: int) -> bytes:
    body = {"metadata": {}, "status": "Success"} if code == 0 else {
        "metadata": {}, "status": "Failure", "reason": "NonZeroExitCode", "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]}}
    return message(3, json.dumps(body).encode())


@pytest.fixture
def serve() -> Iterator[Callable[..., tuple[FakeServer, ExecClient]]]:
    servers: list[FakeServer] = []

    def start(script: Script) -> tuple[FakeServer, ExecClient]:
        server = FakeServer(script)
        servers.append(server)
        configuration = Configuration(host=f"http://127.0.0.1:{server.port}", api_key={"BearerToken": "tok"}, api_key_prefix={"BearerToken": "Bearer"})
        return server, ExecClient(configuration)

    yield start
    for server in servers:
        server.close()
        assert not server.errors, server.errors


def test_the_upgrade_request_is_kubectls(serve: Callable[..., tuple[FakeServer, ExecClient]]) -> None:
    def script(conn: socket.socket, request: dict[str, str]) -> None:
        upgraded(conn, request)
        conn.sendall(status(0) + ws.close_frame(1000))
        server.read_client_frames(conn)

    server, client = serve(script)
    client.run(exec_path("ns", "web-0", ["sh", "-c", "echo a&b"], container="web"))
    request = server.requests[0]
    assert request["request-line"] == ("GET /api/v1/namespaces/ns/pods/web-0/exec?command=sh&command=-c&command=echo%20a%26b"
                                       "&container=web&stderr=true&stdout=true HTTP/1.1")
    assert (request["upgrade"], request["connection"], request["sec-websocket-version"]) == ("websocket", "Upgrade", "13")
    assert request["sec-websocket-protocol"] == "v5.channel.k8s.io, v4.channel.k8s.io"
    assert request["authorization"] == "Bearer tok"
    assert len(base64.b64decode(request["sec-websocket-key"])) == 16
    assert request["host"] == f"127.0.0.1:{server.port}"


def test_a_v4_server_and_text_frames(serve: Callable[..., tuple[FakeServer, ExecClient]]) -> None:
    def script(conn: socket.socket, request: dict[str, str]) -> None:
        upgraded(conn, request, "v4.channel.k8s.io")
        conn.sendall(message(1, b"") + message(2, b"") + message(1, b"out\n", ws.Opcode.TEXT) + message(255, b"\x01")
                     + message(2, b"err\n") + status(2) + ws.close_frame(1000))
        server.read_client_frames(conn)

    server, client = serve(script)
    result = client.run(exec_path("ns", "p", ["x"]))
    assert (result.protocol, result.stdout, result.stderr) == ("v4.channel.k8s.io", b"out\n", b"err\n")
    assert execution._exit_code(result.status) == 2


def test_fragmented_messages_with_a_ping_between_fragments(serve: Callable[..., tuple[FakeServer, ExecClient]]) -> None:
    def script(conn: socket.socket, request: dict[str, str]) -> None:
        upgraded(conn, request)
        conn.sendall(ws.frame(ws.Opcode.BINARY, b"\x01hel", fin=False) + ws.frame(ws.Opcode.PING, b"beat")
                     + ws.frame(ws.Opcode.CONTINUATION, b"lo ", fin=False))
        conn.sendall(ws.frame(ws.Opcode.CONTINUATION, b"world") + ws.frame(ws.Opcode.PONG, b"x") + status(0))
        conn.sendall(message(255, b"\x01") + message(255, b"\x02") + message(255, b"\x03") + ws.close_frame(1000))
        server.read_client_frames(conn)

    server, client = serve(script)
    result = client.run(exec_path("ns", "p", ["x"]))
    assert (result.stdout, result.stderr, execution._exit_code(result.status)) == (b"hello world", b"", 0)
    assert server.handled.acquire(timeout=5)
    assert [(m.type, m.data) for m in server.client_frames] == [(ws.Opcode.PING + 1, b"beat"), (ws.Opcode.CLOSE, struct.pack("!H", 1000))]


def test_a_close_without_a_status_is_success(serve: Callable[..., tuple[FakeServer, ExecClient]]) -> None:
    """client-go reads an empty error channel as success (remotecommand errorDecoderV4)."""
    def script(conn: socket.socket, request: dict[str, str]) -> None:
        upgraded(conn, request)
        conn.sendall(message(1, b"partial") + ws.close_frame(1000))
        server.read_client_frames(conn)

    server, client = serve(script)
    result = client.run(exec_path("ns", "p", ["x"]))
    assert (result.stdout, result.status, execution._exit_code(result.status)) == (b"partial", "", 0)


def test_a_connection_cut_without_a_close_keeps_what_came(serve: Callable[..., tuple[FakeServer, ExecClient]]) -> None:
    def script(conn: socket.socket, request: dict[str, str]) -> None:
        upgraded(conn, request)
        conn.sendall(message(1, b"some") + status(1))

    server, client = serve(script)
    result = client.run(exec_path("ns", "p", ["x"]))
    assert (result.stdout, execution._exit_code(result.status)) == (b"some", 1)


def _refusal(head: str, body: bytes) -> Script:
    def script(conn: socket.socket, request: dict[str, str]) -> None:
        conn.sendall(head.encode() + b"\r\n\r\n" + body)
    return script


def test_refusals_in_any_framing(serve: Callable[..., tuple[FakeServer, ExecClient]]) -> None:
    status_body = json.dumps({"kind": "Status", "status": "Failure", "message": 'pods "p" is forbidden: User "u" cannot create resource "pods/exec"', "code": 403}).encode()
    chunked = b"".join(f"{len(part):x}\r\n".encode() + part + b"\r\n" for part in (status_body[:20], status_body[20:])) + b"0\r\n\r\n"
    cases = [
        ("HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked", chunked, 403,
         'pods "p" is forbidden: User "u" cannot create resource "pods/exec"'),
        ('HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 27', b'container not found ("web")', 500,
         'container not found ("web")'),
        ("HTTP/1.1 502 Bad Gateway\r\nConnection: close", b"", 502, "502 Bad Gateway"),
        ("HTTP/1.1 503 Service Unavailable\r\nConnection: close", b"busy\nnow", 503, "busy now"),
    ]
    for head, body, code, words in cases:
        _server, client = serve(_refusal(head, body))
        with pytest.raises(UpgradeRefused) as refused:
            client.run(exec_path("ns", "p", ["x"]))
        assert (refused.value.status, refused.value.words()) == (code, words)


def test_protocol_violations_are_stream_errors(serve: Callable[..., tuple[FakeServer, ExecClient]]) -> None:
    def bad_accept(conn: socket.socket, request: dict[str, str]) -> None:
        upgraded(conn, request, accept="AAAA")

    def not_offered(conn: socket.socket, request: dict[str, str]) -> None:
        upgraded(conn, request, "v3.channel.k8s.io")

    def masked(conn: socket.socket, request: dict[str, str]) -> None:
        upgraded(conn, request)
        conn.sendall(bytes([0x82, 0x80 | 2]) + b"\0\0\0\0" + b"\x01a")

    def cut(conn: socket.socket, request: dict[str, str]) -> None:
        upgraded(conn, request)
        conn.sendall(ws.frame(ws.Opcode.BINARY, b"\x01" + b"x" * 100)[:50])

    def not_http(conn: socket.socket, request: dict[str, str]) -> None:
        conn.sendall(b"SSH-2.0-OpenSSH\r\n\r\n")

    for script in (bad_accept, not_offered, masked, cut, not_http):
        _server, client = serve(script)
        with pytest.raises(StreamError):
            client.run(exec_path("ns", "p", ["x"]))


def test_an_oversized_frame_is_refused_before_it_is_read(serve: Callable[..., tuple[FakeServer, ExecClient]]) -> None:
    def script(conn: socket.socket, request: dict[str, str]) -> None:
        upgraded(conn, request)
        conn.sendall(struct.pack("!BBQ", 0x82, 127, 1 << 40) + b"\x01")

    _server, client = serve(script)
    with pytest.raises(OutputTooLarge):
        client.run(exec_path("ns", "p", ["x"]))


def test_a_server_that_never_answers_times_out(serve: Callable[..., tuple[FakeServer, ExecClient]]) -> None:
    done = threading.Event()

    def script(conn: socket.socket, request: dict[str, str]) -> None:
        done.wait(5)

    _server, client = serve(script)
    try:
        with pytest.raises(ExecTimeout):
            client.run(exec_path("ns", "p", ["x"]), timeout=0.3)
    finally:
        done.set()


def _client_certificate(ca_key: object, ca_name: object) -> tuple[bytes, bytes]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=5)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "kubeadm:cluster-admins"),
                                     x509.NameAttribute(NameOID.COMMON_NAME, "kubernetes-admin")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())  # type: ignore[arg-type]
            .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256()))  # type: ignore[arg-type]
    return (cert.public_bytes(serialization.Encoding.PEM),
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))


def _ca() -> tuple[object, object, bytes]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=5)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kubernetes")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True).sign(key, hashes.SHA256()))
    return key, name, cert.public_bytes(serialization.Encoding.PEM)


def test_kind_style_client_certificates_and_tls_resumption(tmp_path: Path) -> None:
    """kind's kubeconfig authenticates with a client certificate (no token): the exec client presents it, verifies
    the server against the kubeconfig's CA, and resumes the TLS session on later connections."""
    from svclab.cluster.tls import make_certs

    serving = make_certs("kind")
    client_ca_key, client_ca_name, client_ca_pem = _ca()
    cert_pem, key_pem = _client_certificate(client_ca_key, client_ca_name)
    context = serving.server_context()
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_verify_locations(cadata=client_ca_pem.decode())

    def script(conn: socket.socket, request: dict[str, str]) -> None:
        upgraded(conn, request)
        conn.sendall(message(1, b"kind\n") + status(0) + ws.close_frame(1000))
        server.read_client_frames(conn)

    server = FakeServer(script, context)
    try:
        b64 = lambda data: base64.b64encode(data).decode()  # noqa: E731
        kubeconfig = tmp_path / "kubeconfig"
        kubeconfig.write_text(f"""apiVersion: v1
kind: Config
clusters: [{{name: kind-svclab, cluster: {{server: "https://127.0.0.1:{server.port}", certificate-authority-data: {b64(serving.ca_pem)}}}}}]
contexts: [{{name: kind-svclab, context: {{cluster: kind-svclab, user: kind-svclab}}}}]
current-context: kind-svclab
users: [{{name: kind-svclab, user: {{client-certificate-data: {b64(cert_pem)}, client-key-data: {b64(key_pem)}}}}}]
""")
        api = api_client(kubeconfig, "kind-svclab")
        client = ExecClient(api.configuration)
        for _ in range(3):
            assert client.run(exec_path("default", "p", ["hostname"])).stdout == b"kind\n"
        api.close()
        assert server.handled.acquire(timeout=5)
    finally:
        server.close()
    assert not server.errors, server.errors
    assert client.resumed == 2
    peer = json.loads(server.requests[0]["peer"])
    assert ["commonName", "kubernetes-admin"] in [pair for rdn in peer["subject"] for pair in rdn]
    assert "authorization" not in server.requests[0]


def test_a_refusal_that_outlasts_the_wait_is_one_line(serve: Callable[..., tuple[FakeServer, ExecClient]], monkeypatch: pytest.MonkeyPatch) -> None:
    """exec_in tries, waits for the container when refused, tries again; a second refusal is a one-line LabError
    with the server's words (here the API's 403 Status, as kind's RBAC answers)."""
    body = json.dumps({"kind": "Status", "status": "Failure", "message": 'pods "p" is forbidden: User "u" cannot create resource "pods/exec"', "code": 403}).encode()
    server, client = serve(_refusal(f"HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: {len(body)}", body))
    waited: list[str] = []
    monkeypatch.setattr(execution, "wait_for_container", lambda session, pod, ns, container, timeout: waited.append(pod))

    class FakeSession:
        namespace = "ns"
        exec_client = client

    with pytest.raises(execution.LabError) as failed:
        execution.exec_in(FakeSession(), "p", ["true"])  # type: ignore[arg-type]
    assert str(failed.value) == 'exec in pod p failed: pods "p" is forbidden: User "u" cannot create resource "pods/exec"'
    assert waited == ["p"] and len(server.requests) == 2
