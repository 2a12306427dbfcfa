"""The revision log a fresh cluster writes while it starts, as rows: what `tests/state/test_bootstrap_rows.py` compares
against the fixture made from an earlier revision of svclab (`python -m tests.state.bootstrap_log > FIXTURE`).

Deterministic: seed 0, a manual clock at a fixed time, certificates from the fixture, and then a Deployment, a
Service and a scale-down through the registry (updates and deletes too), each settled."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path
from typing import Any

from svclab.cluster.embedded import ClusterConfig, EmbeddedCluster
from svclab.cluster.tls import CERTS_FILE
from svclab.resources import DEPLOYMENTS, SERVICES

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "state"
CERTS = FIXTURES / "certs.json"
ROWS = FIXTURES / "bootstrap_rows.json"
START = 1_800_000_000.0  # 2027-01-15T08:00:00Z

DEPLOYMENT = {"metadata": {"name": "web", "labels": {"app": "web"}},
              "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                       "template": {"metadata": {"labels": {"app": "web"}},
                                    "spec": {"containers": [{"name": "web", "image": "nginx:1.27", "ports": [{"containerPort": 80}]}]}}}}
SERVICE = {"metadata": {"name": "web"}, "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 80}]}}


def rows(state_dir: Path) -> list[list[Any]]:
    """Every row of a cluster's revision log, as written: started, then a few writes, each settled."""
    state_dir.mkdir(parents=True, exist_ok=True)
    (state_dir / CERTS_FILE).write_text(CERTS.read_text())
    cluster = EmbeddedCluster(ClusterConfig(state_dir=state_dir, seed=0, manual_clock=True, host_ports="off"))
    cluster.clock.advance(START - cluster.clock.time())
    with cluster:
        cluster.settle()
        cluster.call(cluster.registry.create, DEPLOYMENTS, "default", DEPLOYMENT)
        cluster.advance(0)
        cluster.call(cluster.registry.create, SERVICES, "default", SERVICE)
        cluster.advance(0)
        scaled = cluster.call(cluster.registry.get, DEPLOYMENTS, "default", "web")
        scaled["spec"]["replicas"] = 1
        cluster.call(cluster.registry.update, DEPLOYMENTS, "default", "web", scaled)
        cluster.advance(0)
        cluster.advance(40)
    with sqlite3.connect(state_dir / "state.db") as db:
        found = db.execute("SELECT id, name, created, deleted, create_revision, prev_revision, value FROM kine ORDER BY id").fetchall()
        meta = db.execute("SELECT key, value FROM meta ORDER BY key").fetchall()
    return [list(row) for row in found] + [["meta", *row] for row in meta]


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        json.dump(rows(Path(tmp) / "state"), sys.stdout, indent=0)
        sys.stdout.write("\n")
