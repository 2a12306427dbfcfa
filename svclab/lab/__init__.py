"""What notebooks import: `from svclab import lab`.

    lab.connect("clusterip")               # the cluster (embedded or kind) and a namespace for the lesson
    lab.apply(manifest_yaml)               # create or update; the API's message if refused
    lab.wait_ready("app=web")              # progress bar until the pods are Ready
    lab.pods("app=web"); lab.services()    # DataFrames
    lab.nslookup("web-service")            # run in the `client` pod: raw text + parsed records
    counts = lab.count_backends("http://web-service/hostname", 300)
    lab.plot_backends({"ClusterIP": counts})

Every function works the same on the embedded cluster and on kind.
"""

from __future__ import annotations

import subprocess
from typing import Any
from urllib.parse import quote

import pandas as pd
from kubernetes.client.exceptions import ApiException
from matplotlib.figure import Figure

from svclab.lab import execution, lookups, manifests, plots, resetting, tables, waiting
from svclab.lab.errors import ApplyError, LabError, ManifestError, WaitTimeout
from svclab.lab.execution import ExecOutput
from svclab.lab.lookups import Lookup
from svclab.lab.session import Session, kubectl_path, open_session
from svclab.lab.extras import dns_table, wait_pods  # noqa: F401  (helpers the lessons use)
from svclab.lab.node_rules import node_rules  # noqa: F401  (a node's kube-proxy rules)
from svclab.lab.host import from_host  # noqa: F401  (a request from this machine to a NodePort)

__all__ = [
    "ApplyError", "ExecOutput", "LabError", "Lookup", "ManifestError", "Session", "WaitTimeout",
    "apply", "client_pod", "connect", "count_backends", "delete", "dig", "endpoint_slices", "exec_in", "http_get",
    "current_session", "kubectl", "nslookup", "plot_backends", "pods", "reset", "services", "session", "wait_ready",
]

CLIENT_IMAGE = "busybox:1.36.1"
DNSUTILS_IMAGE = "registry.k8s.io/e2e-test-images/agnhost:2.52"
_current: Session | None = None


def connect(namespace: str = "default", fresh: bool = False) -> Session:
    """Connect to the course cluster and make `namespace` the lesson's namespace (created if missing)."""
    global _current
    if _current is not None and not fresh:
        _current.namespace = namespace
    else:
        if _current is not None:
            _current.close()
        _current = open_session(namespace)
    _ensure_namespace(_current, namespace)
    return _current


def session() -> Session:
    if _current is None:
        return connect()
    _current.ensure_connected()
    return _current


def _ensure_namespace(s: Session, namespace: str) -> None:
    status, found = manifests.request(s.api, "GET", f"/api/v1/namespaces/{quote(namespace, safe='')}")
    if status == 404:
        manifests.apply(s, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
    elif status >= 400:
        raise ApiException(status=status, reason=found.get("message") if isinstance(found, dict) else str(found))


def apply(manifest: manifests.Manifest, namespace: str | None = None) -> list[str]:
    """Apply YAML text, a dict, a list of dicts, or a file; returns `kind/name` of what was applied."""
    applied = manifests.apply(session(), manifest, namespace)
    return [f"{obj['kind'].lower()}/{obj['metadata']['name']}" for obj in applied]


def delete(manifest: manifests.Manifest, namespace: str | None = None) -> list[str]:
    return manifests.delete(session(), manifest, namespace)


def wait_ready(selector: str, count: int | None = None, namespace: str | None = None, timeout: float = 120) -> int:
    return waiting.wait_ready(session(), selector, count, namespace, timeout)


def pods(selector: str | None = None, namespace: str | None = None) -> pd.DataFrame:
    return tables.pods(session(), selector, namespace)


def services(namespace: str | None = None) -> pd.DataFrame:
    return tables.services(session(), namespace)


def endpoint_slices(service: str | None = None, namespace: str | None = None) -> pd.DataFrame:
    return tables.endpoint_slices(session(), service, namespace)


def client_pod(name: str = "client", image: str = CLIENT_IMAGE, namespace: str | None = None) -> str:
    """A long-running pod to run queries from (created once, reused)."""
    s = session()
    ns = namespace or s.namespace
    # Read as plain JSON: every exec from a lesson or a check comes here first, and the typed client's model
    # objects cost it more than the read itself.
    status, found = manifests.request(s.api, "GET", f"/api/v1/namespaces/{quote(ns, safe='')}/pods/{quote(name, safe='')}")
    if status == 404:
        found = None
    elif status >= 400 or not isinstance(found, dict):
        raise ApiException(status=status, reason=found.get("message") if isinstance(found, dict) else str(found))
    if found is not None and tables.ready_json(found, name):
        return name  # what the wait below would see at once, in one read instead of two lists
    if found is None:
        manifests.apply(s, {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "labels": {"app": name}},
            "spec": {"containers": [{"name": name, "image": image, "command": ["sleep", "infinity"]}], "terminationGracePeriodSeconds": 0},
        }, ns)
    waiting.wait_ready(s, f"app={name}", 1, ns)
    return name


def exec_in(pod: str, command: list[str] | str, namespace: str | None = None) -> ExecOutput:
    """Run a command in a pod (a string runs under `sh -c`)."""
    argv = ["sh", "-c", command] if isinstance(command, str) else command
    return execution.exec_in(session(), pod, argv, namespace)


def nslookup(name: str, pod: str | None = None, namespace: str | None = None) -> Lookup:
    """busybox `nslookup NAME` from a pod (the `client` pod by default)."""
    target = pod or client_pod(namespace=namespace)
    return lookups.parse_nslookup(name, execution.exec_in(session(), target, ["nslookup", name], namespace))


def dig(*args: str, pod: str | None = None, namespace: str | None = None) -> ExecOutput:
    """`dig ARGS...` from a pod with dnsutils (agnhost), e.g. dig("+short", "SRV", "_mysql._tcp.mysql-headless")."""
    target = pod or client_pod("dnsutils", DNSUTILS_IMAGE, namespace)
    return execution.exec_in(session(), target, ["dig", *args], namespace)


def http_get(url: str, pod: str | None = None, namespace: str | None = None) -> ExecOutput:
    """`wget -qO- URL` from a pod."""
    target = pod or client_pod(namespace=namespace)
    return execution.exec_in(session(), target, ["wget", "-qO-", url], namespace)


def count_backends(url: str, requests: int = 300, pod: str | None = None, namespace: str | None = None) -> pd.Series:
    """Fetch `url` (e.g. http://web-service/hostname) `requests` times from a pod; count which pod answered."""
    target = pod or client_pod(namespace=namespace)
    return lookups.tally(execution.exec_in(session(), target, lookups.backend_loop(url, requests), namespace))


def plot_backends(counts: dict[str, pd.Series] | pd.Series, title: str = "Which pod served each request") -> Figure:
    return plots.plot_backends(counts, title)


def kubectl(command: str, namespace: str | None = None, check: bool = True) -> str:
    """Run the real kubectl against the course cluster and print what it prints (warnings included)."""
    s = session()
    argv = [kubectl_path()]
    if s.context:
        argv += ["--context", s.context]
    argv += ["-n", namespace or s.namespace, *command.split()]
    proc = subprocess.run(argv, env=s.kubectl_env(), capture_output=True, text=True, timeout=120)
    text = proc.stdout + proc.stderr
    if check and proc.returncode != 0:
        raise LabError(text.strip())
    print(text, end="")
    return text


def reset(namespace: str | None = None, timeout: float = 60) -> None:
    """Start the lesson over: delete its namespace and everything in it, then recreate it empty.

    A system namespace (`default`, `kube-system`, ...) is never deleted: in `default` everything but what a
    fresh cluster holds there is removed; the others are left alone. `svclab reset` empties the whole cluster.
    """
    s = session()
    ns = namespace or s.namespace
    if ns == "default":
        resetting.empty_namespace(s.api, ns, timeout)
        return
    if ns in resetting.SYSTEM_NAMESPACES:
        raise LabError(f"{ns} is a system namespace: lab.reset() leaves it alone")
    resetting.delete_namespace(s.api, ns, timeout)
    _ensure_namespace(s, ns)


def current_session() -> Session | None:
    """The session this kernel opened, or None before `lab.connect()` (never connects)."""
    return _current
