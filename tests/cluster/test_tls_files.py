"""The serving context's certificate and key go to OpenSSL through anonymous in-memory files on Linux (a private
temporary folder elsewhere), and private files are written 0600 through a new file beside them, without the tempfile
module: both as before, checked by a real TLS handshake and by the files left behind."""

from __future__ import annotations

import os
import socket
import ssl
import threading
from pathlib import Path

import pytest

from svclab.cluster import tls
from svclab.cluster.kubeconfig import write_private
from tests.state.bootstrap_log import CERTS


def handshake(context: ssl.SSLContext, certs: tls.ServingCerts) -> str:
    """The name in the certificate the server presents to a client that trusts the cluster's CA."""
    client = ssl.create_default_context(cadata=certs.ca_pem.decode())
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        served = threading.Thread(target=lambda: context.wrap_socket(listener.accept()[0], server_side=True).close())
        served.start()
        with socket.create_connection(listener.getsockname()) as raw, client.wrap_socket(raw, server_hostname="127.0.0.1") as wrapped:
            subject = dict(item[0] for item in wrapped.getpeercert()["subject"])
        served.join()
    return str(subject["commonName"])


@pytest.mark.parametrize("memfd", [True, False], ids=["memfd", "folder"])
def test_the_serving_context_presents_the_cluster_certificate(memfd: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    certs = tls.ServingCerts.from_json(CERTS.read_text())
    if not memfd:
        monkeypatch.delattr(os, "memfd_create", raising=False)
    elif not hasattr(os, "memfd_create"):
        pytest.skip("no memfd_create here")
    before = set(os.listdir(f"/proc/{os.getpid()}/fd")) if Path("/proc/self/fd").exists() else set()
    assert handshake(certs.server_context(), certs) == "kube-apiserver"
    if before:
        assert set(os.listdir(f"/proc/{os.getpid()}/fd")) <= before | set()   # no descriptor left open


def test_private_files_are_0600_and_replaced_whole(tmp_path: Path) -> None:
    target = tmp_path / "deeper" / "token"
    write_private(target, "one\n")
    write_private(target, "two\n")
    assert target.read_text() == "two\n" and oct(target.stat().st_mode & 0o777) == "0o600"
    assert sorted(p.name for p in target.parent.iterdir()) == ["token"]   # nothing left beside it
