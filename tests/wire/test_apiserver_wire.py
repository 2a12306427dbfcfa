"""The embedded API server's wire, over TLS with raw bytes: what kubectl and net/http clients rely on (keep-alive,
pipelining, 100-continue, chunked bodies) and what a broken client gets (Go's 400/431, then the connection closes)."""

from __future__ import annotations

import json
import socket
import ssl

from svclab.cluster.embedded import EmbeddedCluster


def tls(cluster: EmbeddedCluster) -> ssl.SSLSocket:
    context = ssl.create_default_context(cadata=cluster.certs.ca_pem.decode())
    return context.wrap_socket(socket.create_connection(("127.0.0.1", cluster.api_port), timeout=10), server_hostname="127.0.0.1")


def responses(sock: ssl.SSLSocket, count: int) -> list[tuple[int, bytes, bytes]]:
    """`count` responses with Content-Length framing: (status, head, body)."""
    data, out = b"", []
    while len(out) < count:
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            assert chunk, data
            data += chunk
        head, _, data = data.partition(b"\r\n\r\n")
        length = int(next(line.split(b":", 1)[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")))
        while len(data) < length:
            data += sock.recv(65536)
        out.append((int(head.split(b" ", 2)[1]), head, data[:length]))
        data = data[length:]
    return out


def read_to_end(sock: ssl.SSLSocket) -> bytes:
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except (ConnectionResetError, ssl.SSLError):
        pass
    return data


def test_pipelined_requests_on_one_connection_are_answered_in_order(cluster: EmbeddedCluster) -> None:
    sock = tls(cluster)
    auth = f"Authorization: Bearer {cluster.token}\r\n".encode()
    sock.sendall(b"GET /api/v1/namespaces/default HTTP/1.1\r\nHost: x\r\n" + auth + b"\r\n"
                 b"GET /version HTTP/1.1\r\nHost: x\r\n" + auth + b"\r\n"
                 b"GET /api/v1/namespaces/kube-system HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + auth + b"\r\n")
    answers = responses(sock, 3)
    assert [status for status, _head, _body in answers] == [200, 200, 200]
    assert json.loads(answers[0][2])["metadata"]["name"] == "default" and "gitVersion" in json.loads(answers[1][2])
    assert json.loads(answers[2][2])["metadata"]["name"] == "kube-system" and b"Connection: close" in answers[2][1]
    assert read_to_end(sock) == b""


def test_a_chunked_body_sent_after_100_continue_is_created(cluster: EmbeddedCluster) -> None:
    sock = tls(cluster)
    body = json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "chunked"}, "data": {"a": "b"}}).encode()
    sock.sendall(b"POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 b"Transfer-Encoding: chunked\r\nExpect: 100-continue\r\n" + f"Authorization: Bearer {cluster.token}\r\n\r\n".encode())
    assert sock.recv(100) == b"HTTP/1.1 100 Continue\r\n\r\n"
    sock.sendall(b"%x\r\n%s\r\n%x\r\n%s\r\n0\r\n\r\n" % (10, body[:10], len(body) - 10, body[10:]))
    [(status, _head, reply)] = responses(sock, 1)
    assert status == 201 and json.loads(reply)["data"] == {"a": "b"}


def test_what_a_broken_client_gets_is_go_s_answer_and_a_closed_connection(cluster: EmbeddedCluster) -> None:
    sock = tls(cluster)
    sock.sendall(b"GET /api HTTP/1.1\r\nHost: x\r\nX-Huge: " + b"a" * ((1 << 20) + 5000) + b"\r\n\r\n")
    assert read_to_end(sock).startswith(b"HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: text/plain; charset=utf-8\r\n"
                                        b"Connection: close\r\n\r\n431 Request Header Fields Too Large")
    sock = tls(cluster)
    sock.sendall(b"this is not http\r\n\r\n")
    assert read_to_end(sock) == b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request"
    sock = tls(cluster)   # and the server goes on serving
    sock.sendall(f"GET /readyz HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {cluster.token}\r\n\r\n".encode())
    assert responses(sock, 1)[0][0] == 200


def test_a_websocket_upgrade_without_the_token_is_a_401_status(cluster: EmbeddedCluster) -> None:
    sock = tls(cluster)
    sock.sendall(b"GET /api/v1/namespaces/default/pods/x/exec?command=true HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n"
                 b"Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                 b"Sec-WebSocket-Protocol: v5.channel.k8s.io\r\n\r\n")
    [(status, _head, body)] = responses(sock, 1)
    assert status == 401 and json.loads(body)["reason"] == "Unauthorized"
