"""One replay target for behaviours copied from other people's suites: the embedded cluster, or kind.

``SVCLAB_BACKEND=kind`` (with ``svclab kind up`` done) runs the same tests against the kind cluster named
``SVCLAB_KIND_NAME`` (default ``svclab``); otherwise each test gets a fresh embedded cluster. Either way a
test works in its own namespace (``target.namespace``), so tests on one long-lived kind cluster never meet.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from svclab.cluster import kind
from svclab.cluster.embedded import ClusterConfig, EmbeddedCluster
from tests.conftest import Kubectl

BACKEND = os.environ.get("SVCLAB_BACKEND", "embedded").strip().lower() or "embedded"
KIND_NAME = os.environ.get("SVCLAB_KIND_NAME", kind.DEFAULT_NAME)


@dataclass
class ReplayTarget:
    backend: str  # "embedded" | "kind"
    kubectl: Kubectl  # the real kubectl, bound to the target's kubeconfig and context
    kubeconfig: Path
    context: str | None
    namespace: str  # created for this test, deleted after it on kind

    def api_client(self) -> object:
        """A new official Python client for the target; the caller closes it."""
        from kubernetes import config

        return config.new_client_from_config(config_file=str(self.kubeconfig), context=self.context)


def _kind_skip_reason() -> str | None:
    try:
        kind.find_context(KIND_NAME)
    except kind.KindError as exc:
        return f"SVCLAB_BACKEND=kind but no kind cluster to replay against: {exc}"
    if not kind.answers(KIND_NAME):
        return f"context {kind.context_name(KIND_NAME)} does not answer (svclab kind up)"
    return None


@pytest.fixture
def target(tmp_path: Path) -> Iterator[ReplayTarget]:
    namespace = f"replay-{uuid.uuid4().hex[:8]}"
    if BACKEND == "kind":
        reason = _kind_skip_reason()
        if reason:
            pytest.skip(reason)
        dest = tmp_path / "kind.kubeconfig"
        kind.select_context(KIND_NAME, dest)
        context = kind.context_name(KIND_NAME)
        kubectl = Kubectl(dest, tmp_path / "kubecache", context=context)
        kubectl("create", "namespace", namespace)
        try:
            yield ReplayTarget("kind", kubectl, dest, context, namespace)
        finally:
            kubectl("delete", "namespace", namespace, "--wait=false", check=False)
        return
    with EmbeddedCluster(ClusterConfig(state_dir=tmp_path / "state", seed=7)) as cluster:
        assert cluster.kubeconfig_path is not None
        kubectl = Kubectl(cluster.kubeconfig_path, tmp_path / "kubecache")
        kubectl("create", "namespace", namespace)
        yield ReplayTarget("embedded", kubectl, cluster.kubeconfig_path, None, namespace)
