"""Reads and watchers share the stored objects: `Store.diverged` finds one changed in place, and a stopping
cluster that finds one says so (the suite runs every cluster with SVCLAB_VERIFY_STORE=1)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from svclab.cluster.embedded import ClusterConfig, EmbeddedCluster, StoreDiverged
from svclab.resources import NAMESPACES, resource
from svclab.state.store import Store

CONFIG_MAPS = resource("", "configmaps")


def _config_map(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "default"}, "data": {"k": "v"}}


def test_a_store_whose_objects_were_only_written_has_not_diverged() -> None:
    store = Store(lambda: "2026-11-27T00:00:00Z")
    store.create(CONFIG_MAPS, _config_map("a"))
    updated = store.get(CONFIG_MAPS, "default", "a")
    assert updated is not None
    updated["data"]["k"] = "w"  # a copy: changing it is how an update starts
    store.update(CONFIG_MAPS, updated)
    store.create(CONFIG_MAPS, _config_map("b"))
    store.delete(CONFIG_MAPS, "default", "b")
    assert store.diverged() == []


def test_an_object_changed_in_place_after_it_was_stored_is_found() -> None:
    store = Store(lambda: "2026-11-27T00:00:00Z")
    store.create(CONFIG_MAPS, _config_map("a"))
    shared = store.peek(CONFIG_MAPS, "default", "a")
    assert shared is not None
    shared["data"]["k"] = "changed in place"
    assert store.diverged() == ["/registry/configmaps/default/a"]


def test_a_stopping_cluster_says_when_a_stored_object_was_changed_in_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SVCLAB_VERIFY_STORE", "1")
    cluster = EmbeddedCluster(ClusterConfig(state_dir=tmp_path / "state", seed=1)).start()

    def label_in_place() -> None:
        stored = cluster.store.peek(NAMESPACES, "", "default")
        assert stored is not None
        stored["metadata"].setdefault("labels", {})["changed"] = "in-place"

    cluster.call(label_in_place)
    with pytest.raises(StoreDiverged, match="/registry/namespaces//default"):
        cluster.stop()
