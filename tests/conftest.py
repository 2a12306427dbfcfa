"""Shared fixtures: a started embedded cluster, the real kubectl against it, the real Python client."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from svclab.cluster.embedded import ClusterConfig, EmbeddedCluster
from svclab.lab.session import kubectl_path

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"

pytest_plugins = ["tests.isolation"]

# Clusters started by tests (`svclab up` daemons included) map no host ports unless a test asks.
os.environ.setdefault("SVCLAB_HOST_PORTS", "off")
# Every cluster a test stops checks that no code changed a stored object in place (reads and watchers share them).
os.environ["SVCLAB_VERIFY_STORE"] = "1"


def kubectl_binary() -> str:
    """The pinned kubectl the project installs (the same one the lab facade runs)."""
    try:
        return kubectl_path()
    except RuntimeError:
        pytest.skip("no kubectl")


@dataclass
class Result:
    stdout: str
    stderr: str
    returncode: int


@dataclass
class Kubectl:
    kubeconfig: Path
    cache_dir: Path
    context: str | None = None

    def env(self) -> dict[str, str]:
        return {**os.environ, "KUBECONFIG": str(self.kubeconfig), "KUBECACHEDIR": str(self.cache_dir)}

    def __call__(self, *args: str, stdin: str | None = None, check: bool = True, timeout: float = 60) -> Result:
        argv = [kubectl_binary()]
        if self.context:
            argv += ["--context", self.context]
        proc = subprocess.run([*argv, *args], env=self.env(), input=stdin, capture_output=True, text=True, timeout=timeout)
        result = Result(proc.stdout, proc.stderr, proc.returncode)
        if check and proc.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
        return result


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[EmbeddedCluster]:
    with EmbeddedCluster(ClusterConfig(state_dir=tmp_path / "state", seed=7)) as running:
        yield running


@pytest.fixture
def kubectl(cluster: EmbeddedCluster, tmp_path: Path) -> Kubectl:
    assert cluster.kubeconfig_path is not None
    return Kubectl(cluster.kubeconfig_path, tmp_path / "kubecache")


@pytest.fixture
def api_client(cluster: EmbeddedCluster) -> Iterator[object]:
    from kubernetes import client, config

    assert cluster.kubeconfig_path is not None
    api = config.new_client_from_config(config_file=str(cluster.kubeconfig_path))
    yield api
    api.close()
    del client
