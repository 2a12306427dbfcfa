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
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kubernetes import client, config

from svclab.cluster.backend import ClusterBackend, backend_from_env
from svclab.lab.applied import ApplyLog
from svclab.lab.exec_stream import ExecClient
from svclab.lab.rest_transport import LeanRESTClient


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
    backend_handle: ClusterBackend | None = None  # the background cluster, when it is not ours
    checked_at: float = 0.0
    applies: ApplyLog = field(default_factory=ApplyLog)  # what each lab.apply did to each object
    _exec: tuple[client.ApiClient, ExecClient] | None = field(default=None, repr=False)

    @property
    def exec_client(self) -> ExecClient:
        """The exec stream client for this session's API client (one TLS context, resumed sessions)."""
        if self._exec is None or self._exec[0] is not self.api:
            self._exec = (self.api, ExecClient(self.api.configuration))
        return self._exec[1]

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

    def ensure_connected(self, every: float = 2.0) -> None:
        """If the background cluster went away (a crash, `svclab down`), start it again and reconnect.

        A restarted cluster keeps its state, CA, token and port, so reloading the kubeconfig is enough.
        """
        if self.backend_handle is None or time.monotonic() - self.checked_at < every:
            return
        try:
            self.core.get_api_resources(_request_timeout=2)
        except Exception:  # connection refused or reset, TLS torn down: the cluster is not answering
            self.backend_handle.ensure_running()
            self.api.close()
            self.api = api_client(self.kubeconfig, self.context)
        self.checked_at = time.monotonic()

    def close(self) -> None:
        self.api.close()
        if self.embedded is not None:
            self.embedded.stop()
            self.embedded = None


def renewed_credentials(kubeconfig: Path, context: str | None) -> bool:
    """Whether the context's user gets its credentials from a plugin (`exec`, `auth-provider`) that may renew them."""
    import yaml

    try:
        document = yaml.safe_load(kubeconfig.read_text()) or {}
        name = context or document.get("current-context")
        user_name = next(c["context"].get("user") for c in document.get("contexts") or [] if c.get("name") == name)
        user = next(u.get("user") or {} for u in document.get("users") or [] if u.get("name") == user_name)
    except (OSError, yaml.YAMLError, StopIteration, AttributeError, KeyError, TypeError):
        return True   # unreadable here: keep the client's own refresh
    return "exec" in user or "auth-provider" in user


def api_client(kubeconfig: Path, context: str | None = None) -> client.ApiClient:
    """An API client from the kubeconfig, as `config.new_client_from_config` makes it.

    For a static bearer token (the embedded cluster's), the kubernetes client's `refresh_api_key_hook` is dropped:
    it only re-sets the same token, host and TLS files on every request, and setting the host looks up the proxy
    environment each time (a third of a pod read's client CPU). A token a plugin renews keeps the hook. Requests go
    through `LeanRESTClient` (kept connections, no email-package header parsing)."""
    api = config.new_client_from_config(config_file=str(kubeconfig), context=context)
    if api.configuration.refresh_api_key_hook is not None and not renewed_credentials(kubeconfig, context):
        api.configuration.refresh_api_key_hook = None
    api.rest_client.close()
    api.rest_client = LeanRESTClient(api.configuration)
    return api


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
        api = api_client(kubeconfig)
        session = Session("embedded", kubeconfig, None, namespace, api, cache, embedded=cluster)
    else:
        chosen = backend or backend_from_env()
        chosen.ensure_running()
        kubeconfig = chosen.kubeconfig()
        api = api_client(kubeconfig, chosen.context())
        session = Session(chosen.name, kubeconfig, chosen.context(), namespace, api, cache, backend_handle=chosen, checked_at=time.monotonic())
    atexit.register(session.close)
    return session
