"""Clusters for the controller tests: each with its own state directory (so it can be restarted
from what it stored), the real kubectl pointed at it, and helpers to read what controllers did."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from svclab.cluster.embedded import ClusterConfig, EmbeddedCluster
from tests.conftest import Kubectl


@dataclass
class Running:
    cluster: EmbeddedCluster
    k: Kubectl
    state_dir: Path
    config: dict[str, Any] = field(default_factory=dict)

    def events(self, kind: str, name: str, namespace: str = "default") -> list[dict[str, Any]]:
        out = self.k("-n", namespace, "get", "events", "-o", "json").stdout
        return [e for e in json.loads(out)["items"] if e["involvedObject"]["kind"] == kind and e["involvedObject"]["name"] == name]

    def messages(self, kind: str, name: str, reason: str, namespace: str = "default") -> list[str]:
        return [e["message"] for e in self.events(kind, name, namespace) if e["reason"] == reason]

    def get(self, *target: str, namespace: str = "default") -> dict[str, Any]:
        return json.loads(self.k("-n", namespace, "get", *target, "-o", "json").stdout)


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Callable[..., Running]]:
    """start(name="a", **config): a cluster (seed 5) with its state in tmp_path/name. Starting the
    same name again (after `stop()`) restores it from that state, as `svclab up` would."""
    with ExitStack() as stack:
        def run(name: str = "a", **config: Any) -> Running:
            config.setdefault("seed", 5)
            state = tmp_path / name
            cluster = EmbeddedCluster(ClusterConfig(state_dir=state, **config)).start()
            stack.callback(cluster.stop)
            assert cluster.kubeconfig_path is not None
            return Running(cluster, Kubectl(cluster.kubeconfig_path, tmp_path / f"{name}-kubecache"), state, config)

        yield run
