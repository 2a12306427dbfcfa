"""`kill -9` of the daemon in the middle of a stream of creates loses none that were answered 201."""

from __future__ import annotations

import base64
import http.client
import json
import os
import random
import signal
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml

import psutil

SVCLAB = [sys.executable, "-m", "svclab.cli"]
CREATES = 400
CLIENTS = 4


def gone(pid: int) -> bool:
    """Dead, or a zombie nobody reaped yet (the daemon's parent exited long ago)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.02)
    return False


def svclab(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*SVCLAB, *args], capture_output=True, text=True, timeout=90)


class Client:
    def __init__(self, state: Path) -> None:
        config = yaml.safe_load((state / "kubeconfig").read_text())
        cluster = config["clusters"][0]["cluster"]
        self.port = int(cluster["server"].rsplit(":", 1)[1])
        self.context = ssl.create_default_context(cadata=base64.b64decode(cluster["certificate-authority-data"]).decode())
        self.headers = {"Authorization": f"Bearer {(state / 'token').read_text().strip()}", "Content-Type": "application/json"}

    def connect(self) -> http.client.HTTPSConnection:
        return http.client.HTTPSConnection("127.0.0.1", self.port, context=self.context, timeout=10)

    def names(self) -> set[str]:
        conn = self.connect()
        conn.request("GET", "/api/v1/namespaces/default/configmaps", headers=self.headers)
        body = json.loads(conn.getresponse().read())
        conn.close()
        # Only this test's ConfigMaps: the cluster's own (kube-root-ca.crt in every namespace) are not writes of it.
        return {item["metadata"]["name"] for item in body["items"] if item["metadata"]["name"].startswith("cm-")}


def stream_and_kill(state: Path, kill_after: int) -> set[str]:
    """Create up to CREATES ConfigMaps from CLIENTS connections; SIGKILL the daemon once `kill_after`
    were acknowledged (while the others are in flight). Returns the names answered 201."""
    client = Client(state)
    pid = json.loads((state / "cluster.json").read_text())["pid"]
    acknowledged: set[str] = set()
    lock = threading.Lock()
    reached = threading.Event()
    counter = iter(range(CREATES))

    def worker() -> None:
        conn = client.connect()
        while True:
            with lock:
                index = next(counter, None)
            if index is None:
                return
            name = f"cm-{index:03d}"
            body = json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"i": str(index)}})
            try:
                conn.request("POST", "/api/v1/namespaces/default/configmaps", body=body, headers=client.headers)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                return  # the daemon is gone
            if response.status == 201:
                with lock:
                    acknowledged.add(name)
                    if len(acknowledged) >= kill_after:
                        reached.set()

    threads = [threading.Thread(target=worker) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    assert reached.wait(60), f"only {len(acknowledged)} creates were answered"
    os.kill(pid, signal.SIGKILL)
    for thread in threads:
        thread.join(30)
    assert gone(pid)
    with lock:
        return set(acknowledged)


@pytest.mark.parametrize("repetition", range(5))
def test_kill_9_mid_stream_loses_no_acknowledged_create(tmp_path: Path, repetition: int) -> None:
    state = tmp_path / "lab"
    kill_after = random.Random(repetition).randrange(40, CREATES - 40)
    assert svclab("up", "--state-dir", str(state), "--pod-start-seconds", "0").returncode == 0
    try:
        acknowledged = stream_and_kill(state, kill_after)
        assert len(acknowledged) >= kill_after
        restarted = svclab("up", "--state-dir", str(state), "--pod-start-seconds", "0")
        assert restarted.returncode == 0, restarted.stderr
        stored = Client(state).names()
        assert acknowledged <= stored, sorted(acknowledged - stored)
        assert len(stored - acknowledged) <= CLIENTS  # at most the writes in flight when it died
    finally:
        svclab("down", "--state-dir", str(state))
