"""The conformance suite runs against the embedded cluster, or against a kind cluster with
SVCLAB_BACKEND=kind (skipped when none answers), so the emulator can be checked against the real thing."""

from __future__ import annotations

import os
import re
import subprocess
import uuid
from pathlib import Path
from typing import Iterator

import pytest

from tests.conftest import FIXTURES, Kubectl, kubectl_binary

KIND_CONTEXT = os.environ.get("SVCLAB_KIND_CONTEXT", "kind-svclab")


def on_kind() -> bool:
    return os.environ.get("SVCLAB_BACKEND", "embedded") == "kind"


@pytest.fixture
def k(request: pytest.FixtureRequest, tmp_path: Path) -> Kubectl:
    """kubectl against the cluster under test."""
    if on_kind():
        kubeconfig = Path(os.environ.get("KUBECONFIG", Path.home() / ".kube" / "config"))
        probe = subprocess.run([kubectl_binary(), "--context", KIND_CONTEXT, "get", "--raw", "/readyz"], capture_output=True, text=True, env={**os.environ, "KUBECONFIG": str(kubeconfig)})
        if probe.returncode != 0:
            pytest.skip(f"SVCLAB_BACKEND=kind but no kind cluster answers on context {KIND_CONTEXT}")
        return Kubectl(kubeconfig, tmp_path / "kubecache", KIND_CONTEXT)
    return request.getfixturevalue("kubectl")


@pytest.fixture
def ns(k: Kubectl) -> Iterator[str]:
    """A fresh namespace per test (one scenario each), deleted afterwards."""
    name = f"t-{uuid.uuid4().hex[:8]}"
    k("apply", "-f", "-", stdin=f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n")
    yield name
    k("delete", "namespace", name, "--wait=false", check=False)


def seed_blocks() -> list[str]:
    """The source articles' scenarios, as manifests kept with the tests (tests/fixtures/manifests)."""
    return [path.read_text() for path in sorted((FIXTURES / "manifests").glob("*.yaml"))]


def seed_block(*names: str) -> str:
    """The scenario manifest that defines exactly these object names, in this order."""
    for block in seed_blocks():
        found = re.findall(r"^  name: ([\w-]+)", block, re.M)
        if found == list(names):
            return block
    raise LookupError(names)


def wait_ready(k: Kubectl, ns: str, selector: str) -> None:
    k("-n", ns, "wait", "--for=condition=Ready", "pod", "-l", selector, "--timeout=60s")
