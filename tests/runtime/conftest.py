"""Clusters for the container-runtime tests: the real kubectl against an embedded cluster, and a
way to wait (in real time, bounded) for what the runtime does on its own threads."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest

from svclab.cluster.embedded import ClusterConfig, EmbeddedCluster
from tests.conftest import Kubectl

T = TypeVar("T")
BUSYBOX = "busybox:1.36.1"
AGNHOST = "registry.k8s.io/e2e-test-images/agnhost:2.52"


def eventually(check: Callable[[], T], timeout: float = 20.0, every: float = 0.05) -> T:
    """The first truthy result of ``check``; fails after ``timeout`` seconds of real time."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"still {result!r} after {timeout} s")
        time.sleep(every)


@dataclass
class Lab:
    cluster: EmbeddedCluster
    k: Kubectl

    def pod(self, name: str, namespace: str = "default") -> dict[str, Any]:
        return json.loads(self.k("-n", namespace, "get", "pod", name, "-o", "json").stdout)

    def state(self, name: str) -> dict[str, Any]:
        return self.pod(name)["status"]["containerStatuses"][0]

    def events(self, name: str) -> list[dict[str, Any]]:
        items = json.loads(self.k("get", "events", "-o", "json").stdout)["items"]
        return [e for e in items if e["involvedObject"]["name"] == name]

    def status_column(self, name: str) -> str:
        line = self.k("get", "pod", name, "--no-headers").stdout.split()
        return line[2]


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Callable[..., Lab]]:
    with ExitStack() as stack:
        def run(name: str = "a", **config: Any) -> Lab:
            config.setdefault("seed", 3)
            cluster = EmbeddedCluster(ClusterConfig(state_dir=tmp_path / name, **config)).start()
            stack.callback(cluster.stop)
            assert cluster.kubeconfig_path is not None
            return Lab(cluster, Kubectl(cluster.kubeconfig_path, tmp_path / f"{name}-cache"))

        yield run


@pytest.fixture
def lab(start: Callable[..., Lab]) -> Lab:
    return start()
