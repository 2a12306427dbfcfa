"""Fixtures for the kind-backend tests: fake tools on a controlled PATH (see kind_fakes)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kind_fakes import FakeTools


@pytest.fixture
def fakes(tmp_path: Path) -> FakeTools:
    bin_dir, state = tmp_path / "bin", tmp_path / "fake-state"
    bin_dir.mkdir()
    state.mkdir()
    kubeconfig = tmp_path / "home" / ".kube" / "config"
    kubeconfig.parent.mkdir(parents=True)
    env = {
        "PATH": str(bin_dir),
        "HOME": str(tmp_path / "home"),
        "KUBECONFIG": str(kubeconfig),
        "SVCLAB_STATE_DIR": str(tmp_path / "svclab-state"),
        "FAKE_STATE": str(state),
        "LANG": os.environ.get("LANG", "C.UTF-8"),
    }
    tools = FakeTools(tmp_path, bin_dir, state, kubeconfig, env)
    tools.install("docker", "kind", "kubectl")
    return tools
