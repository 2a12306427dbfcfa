"""Which cluster a notebook talks to, and the clients for it.

- Under nbgrader (NBGRADER_EXECUTION set) or with SVCLAB_FRESH=1 (nbval, tests): a fresh embedded
  cluster in this kernel, seeded (SVCLAB_SEED, default 0), pods ready at once: grades and committed
  outputs repeat exactly, and never depend on the learner's machine.
- SVCLAB_BACKEND=kind: the kind cluster (`svclab kind up`).
- Otherwise the embedded cluster `make lab` started (reused), or one started now.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kubernetes import client, config

from svclab.cluster.backend import ClusterBackend, backend_from_env


def fresh_cluster_wanted(environ: dict[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    return bool(env.get("NBGRADER_EXECUTION")) or env.get("SVCLAB_FRESH") == "1"


def kubectl_path() -> str:
    local = Path(sys.executable).parent / "kubectl"
    if local.exists():
        return str(local)
    found = shutil.which("kubectl")
    if found is None:
        raise RuntimeError("kubectl is not installed: run `make setup` (it installs a pinned kubectl into .venv)")
    return found


@dataclass
class Session:
    backend: str
    kubeconfig: Path
    context: str | None
    namespace: str
    api: client.ApiClient
    cache_dir: Path
    embedded: Any = None  # the in-process EmbeddedCluster, when this session owns one
    created_namespaces: set[str] = field(default_factory=set)

    @property
    def core(self) -> client.CoreV1Api:
        return client.CoreV1Api(self.api)

    @property
    def apps(self) -> client.AppsV1Api:
        return client.AppsV1Api(self.api)

    @property
    def discovery(self) -> client.DiscoveryV1Api:
        return client.DiscoveryV1Api(self.api)

    def kubectl_env(self) -> dict[str, str]:
        return {**os.environ, "KUBECONFIG": str(self.kubeconfig), "KUBECACHEDIR": str(self.cache_dir)}

    def close(self) -> None:
        self.api.close()
        if self.embedded is not None:
            self.embedded.stop()
            self.embedded = None


def _start_fresh(seed: int) -> tuple[Any, Path]:
    from svclab.cluster.embedded import ClusterConfig, EmbeddedCluster

    state = Path(tempfile.mkdtemp(prefix="svclab-"))
    cluster = EmbeddedCluster(ClusterConfig(seed=seed, pod_start_seconds=0.0, state_dir=state)).start()
    assert cluster.kubeconfig_path is not None
    return cluster, cluster.kubeconfig_path


def open_session(namespace: str, backend: ClusterBackend | None = None) -> Session:
    cache = Path(tempfile.mkdtemp(prefix="svclab-kubecache-"))
    if fresh_cluster_wanted():
        cluster, kubeconfig = _start_fresh(int(os.environ.get("SVCLAB_SEED", "0")))
        api = config.new_client_from_config(config_file=str(kubeconfig))
        session = Session("embedded", kubeconfig, None, namespace, api, cache, embedded=cluster)
    else:
        chosen = backend or backend_from_env()
        chosen.ensure_running()
        kubeconfig = chosen.kubeconfig()
        api = config.new_client_from_config(config_file=str(kubeconfig), context=chosen.context())
        session = Session(chosen.name, kubeconfig, chosen.context(), namespace, api, cache)
    atexit.register(session.close)
    return session
