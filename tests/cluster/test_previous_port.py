"""A restarted cluster keeps its API port when it is free, so kubeconfigs made from the state directory stay valid. The
port comes from the kubeconfig the cluster wrote: read without PyYAML when it is that file byte for byte, as YAML when
someone changed it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

from svclab.cluster.embedded import ClusterConfig, EmbeddedCluster


def restart_port(state: Path) -> int:
    with EmbeddedCluster(ClusterConfig(state_dir=state, token="kept")) as cluster:
        return cluster.api_port


def test_the_port_is_kept_from_the_kubeconfig_as_written_or_as_edited(tmp_path: Path) -> None:
    state = tmp_path / "state"
    first = restart_port(state)
    assert restart_port(state) == first   # the file as written: its server line
    edited = yaml.safe_load((state / "kubeconfig").read_text())
    edited["contexts"].append({"name": "mine", "context": {"cluster": "svclab", "user": "svclab"}})
    (state / "kubeconfig").write_text(yaml.safe_dump(edited, default_flow_style=True))   # another layout: read as YAML
    assert restart_port(state) == first
    (state / "kubeconfig").write_text("server: not yaml [\n")
    assert restart_port(state) > 0   # unreadable: any free port, and a kubeconfig written anew
    assert "server: https://127.0.0.1:" in (state / "kubeconfig").read_text()


def test_a_kubeconfig_written_by_the_cluster_is_read_without_pyyaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    state = tmp_path / "state"
    first = restart_port(state)
    monkeypatch.setitem(sys.modules, "yaml", None)   # importing PyYAML would raise ImportError, not caught by the start
    assert restart_port(state) == first
