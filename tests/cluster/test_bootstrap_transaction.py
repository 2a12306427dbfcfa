"""A fresh cluster's bootstrap is one transaction of its state database: committed whole once the cluster is made, and
nothing of it on disk when the start fails midway (the next start bootstraps from scratch, not from half a cluster)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from svclab.cluster.embedded import ClusterConfig, EmbeddedCluster
from svclab.controllers.manager import ControllerManager
from svclab.resources import DEPLOYMENTS, NODES, PODS


def rows(state_dir: Path) -> int:
    with sqlite3.connect(state_dir / "state.db") as db:
        return int(db.execute("SELECT COUNT(*) FROM kine").fetchone()[0])


def test_a_start_that_fails_during_the_bootstrap_leaves_no_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    state = tmp_path / "state"

    async def broken(self: ControllerManager, timeout: float) -> bool:
        raise RuntimeError("the controllers failed")

    with monkeypatch.context() as patched:
        patched.setattr(ControllerManager, "wait_settled", broken)
        with pytest.raises(RuntimeError, match="the controllers failed"):
            EmbeddedCluster(ClusterConfig(state_dir=state)).start()
    assert rows(state) == 0   # the namespaces, the kubernetes Service, the add-ons' Deployments written before: rolled back
    with EmbeddedCluster(ClusterConfig(state_dir=state)) as cluster:   # a new cluster, not a restore of half of one
        assert [n["metadata"]["name"] for n in cluster.store.items(NODES)] == ["svclab-control-plane", "svclab-worker", "svclab-worker2"]
        assert {d["metadata"]["name"] for d in cluster.store.items(DEPLOYMENTS)} == {"coredns", "local-path-provisioner"}
        assert any(p["metadata"]["name"].startswith("etcd-") for p in cluster.store.items(PODS))
    assert rows(state) > 0


def test_the_bootstrap_is_on_disk_once_the_cluster_serves(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with EmbeddedCluster(ClusterConfig(state_dir=state)) as cluster:
        written = cluster.store.resource_version
        with sqlite3.connect(state / "state.db") as db:   # another connection: only committed rows are seen
            assert db.execute("SELECT MAX(id) FROM kine").fetchone()[0] >= 0.9 * written
        bootstrapped = written
    with EmbeddedCluster(ClusterConfig(state_dir=state)) as restarted:
        assert restarted.store.restored and restarted.store.resource_version >= bootstrapped
