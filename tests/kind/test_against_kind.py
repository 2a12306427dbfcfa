"""A smoke check against a real kind cluster: only when SVCLAB_BACKEND=kind and the cluster answers."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from svclab.cluster import kind

NAME = os.environ.get("SVCLAB_KIND_NAME", kind.DEFAULT_NAME)


def _skip_reason() -> str | None:
    if os.environ.get("SVCLAB_BACKEND", "").strip().lower() != "kind":
        return "SVCLAB_BACKEND is not 'kind' (run `SVCLAB_BACKEND=kind pytest tests/kind` with a kind cluster up)"
    try:
        kind.find_context(NAME)
    except kind.KindError as exc:
        return f"no kind cluster to test: {exc}"
    if not kind.answers(NAME):
        return f"context {kind.context_name(NAME)} is in the kubeconfig but its API server does not answer (svclab kind up)"
    return None


pytestmark = pytest.mark.skipif(_skip_reason() is not None, reason=_skip_reason() or "")


def kubectl(*args: str) -> str:
    binary = kind.Runner().kubectl()
    assert binary is not None
    return subprocess.run([binary, "--context", kind.context_name(NAME), *args], capture_output=True, text=True, check=True, timeout=60).stdout


def test_three_nodes_named_like_kind() -> None:
    names = sorted(kubectl("get", "nodes", "-o", "name").split())
    assert names == [f"node/{NAME}-control-plane", f"node/{NAME}-worker", f"node/{NAME}-worker2"]


def test_every_node_is_ready() -> None:
    out = kubectl("get", "nodes", "-o", "jsonpath={range .items[*]}{.status.conditions[?(@.type=='Ready')].status}{'\\n'}{end}")
    assert out.split() == ["True", "True", "True"]


def test_the_cluster_uses_the_course_ranges() -> None:
    out = kubectl("get", "svc", "kubernetes", "-n", "default", "-o", "jsonpath={.spec.clusterIP}")
    assert out == "10.96.0.1"
    pod_cidrs = kubectl("get", "nodes", "-o", "jsonpath={.items[*].spec.podCIDR}").split()
    assert all(cidr.startswith("10.244.") for cidr in pod_cidrs)


def test_the_selected_copy_reaches_the_same_cluster(tmp_path: Path) -> None:
    dest = tmp_path / "kind.kubeconfig"
    kind.select_context(NAME, dest)
    binary = kind.Runner().kubectl()
    assert binary is not None
    out = subprocess.run([binary, "get", "nodes", "-o", "name"], env={**os.environ, "KUBECONFIG": str(dest)}, capture_output=True, text=True, check=True).stdout
    assert len(out.split()) == 3
