"""The cost of durability, side by side: the store's commits and a ConfigMap create through the HTTPS
API server, with SQLite's synchronous=OFF, NORMAL and FULL (WAL), and the store's own setting:
NORMAL commits plus one WAL fsync, off the event loop, before a write is answered (group commit).

FULL fsyncs inside every commit; NORMAL alone survives kill -9 but not a power cut; OFF is the floor.
The API runs are made with 1 client and with 4 clients at once (where group commit shares fsyncs)."""

from __future__ import annotations

import base64
import http.client
import json
import ssl
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable

from bench.common import machine, median, percentile
from svclab.cluster.embedded import ClusterConfig, EmbeddedCluster
from svclab.resources import NAMESPACES, resource
from svclab.state import sqlite_log
from svclab.state.sqlite_log import SqliteLog
from svclab.state.store import Store

CONFIGMAPS = resource("", "configmaps")
# label -> (synchronous, fsync before acknowledging)
MODES = {"OFF": ("OFF", False), "NORMAL": ("NORMAL", False), "FULL": ("FULL", False), "NORMAL+ack-fsync (used)": ("NORMAL", True)}


def configure(mode: str) -> None:
    sqlite_log.SYNCHRONOUS, sqlite_log.SYNC_ACKNOWLEDGED = MODES[mode]


def store_commits(mode: str, count: int) -> list[float]:
    """Store.create alone; in the used mode each create is followed by the WAL fsync (no batching)."""
    configure(mode)
    with tempfile.TemporaryDirectory(prefix="svclab-bench-") as tmp:
        store = Store(lambda: "2026-01-01T00:00:00Z")
        revisions = SqliteLog.open(Path(tmp) / "state.db")
        store.open(revisions)
        store.create(NAMESPACES, {"metadata": {"name": "default"}})
        samples = []
        for i in range(count):
            obj = {"metadata": {"name": f"cm-{i}", "namespace": "default", "labels": {"app": "bench"}}, "data": {"k": "v" * 200}}
            start = time.perf_counter()
            store.create(CONFIGMAPS, obj)
            revisions.sync()
            samples.append(time.perf_counter() - start)
        store.close()
    return samples


def api_creates(mode: str, count: int, clients: int) -> list[float]:
    configure(mode)
    with tempfile.TemporaryDirectory(prefix="svclab-bench-") as tmp, EmbeddedCluster(ClusterConfig(state_dir=Path(tmp) / "state")) as cluster:
        ca = base64.b64decode(cluster.kubeconfig()["clusters"][0]["cluster"]["certificate-authority-data"]).decode()
        context = ssl.create_default_context(cadata=ca)
        headers = {"Authorization": f"Bearer {cluster.token}", "Content-Type": "application/json"}
        samples: list[float] = []

        def client(first: int) -> None:
            conn = http.client.HTTPSConnection("127.0.0.1", cluster.api_port, context=context)
            for i in range(first, count, clients):
                body = json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"cm-{i}"}, "data": {"k": "v" * 200}})
                start = time.perf_counter()
                conn.request("POST", "/api/v1/namespaces/default/configmaps", body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                samples.append(time.perf_counter() - start)
                assert response.status == 201
            conn.close()

        threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return samples


def report(label: str, run: Callable[[str], list[float]]) -> dict[str, float]:
    runs = {mode: run(mode) for mode in MODES}
    for mode, samples in runs.items():
        print(f"store {label:<22} {mode:<24} median {median(samples) * 1000:6.3f} ms   p99 {percentile(samples, 99) * 1000:7.3f} ms   ({len(samples)} writes)")
    used, normal = median(runs["NORMAL+ack-fsync (used)"]), median(runs["NORMAL"])
    print(f"      {label}: durability costs {(used - normal) * 1000:+.3f} ms a write ({used / normal:.2f}x NORMAL); FULL {median(runs['FULL']) / normal:.2f}x   [{machine()}]")
    return {mode: median(samples) for mode, samples in runs.items()}


def main(count: int = 400) -> dict[str, dict[str, float]]:
    try:
        return {
            "store": report("commit", lambda mode: store_commits(mode, count)),
            "api1": report("API create, 1 client", lambda mode: api_creates(mode, count // 2, 1)),
            "api4": report("API create, 4 clients", lambda mode: api_creates(mode, count // 2, 4)),
        }
    finally:
        sqlite_log.SYNCHRONOUS, sqlite_log.SYNC_ACKNOWLEDGED = "NORMAL", True


if __name__ == "__main__":
    main()
