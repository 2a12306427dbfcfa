"""`svclab up|status|env|down` as a learner runs them, and many clusters on one machine."""

from __future__ import annotations

import json
import os
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

from svclab.cluster.control import alive
from tests.conftest import Kubectl

SVCLAB = [sys.executable, "-m", "svclab.cli"]


def svclab(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*SVCLAB, *args], capture_output=True, text=True, timeout=60)


def ca_context(state_dir: Path) -> ssl.SSLContext:
    import base64

    config = yaml.safe_load((state_dir / "kubeconfig").read_text())
    return ssl.create_default_context(cadata=base64.b64decode(config["clusters"][0]["cluster"]["certificate-authority-data"]).decode())


def get(url: str, state_dir: Path, token: str | None) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), context=ca_context(state_dir), timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as err:
        return int(err.code)


def test_up_status_env_down(tmp_path: Path) -> None:
    state = tmp_path / "lab"
    up = svclab("up", "--state-dir", str(state), "--seed", "3", "--pod-start-seconds", "0")
    assert up.returncode == 0, up.stderr
    info = json.loads((state / "cluster.json").read_text())
    assert info["api"].startswith("https://127.0.0.1:") and info["dns"].startswith("127.0.0.1:")
    assert f"export KUBECONFIG={state / 'kubeconfig'}" in up.stdout
    for private in ("kubeconfig", "cluster.json", "token"):
        assert (state / private).stat().st_mode & 0o777 == 0o600, private
    assert svclab("status", "--state-dir", str(state)).returncode == 0
    assert svclab("env", "--state-dir", str(state)).stdout.strip() == f"export KUBECONFIG={state / 'kubeconfig'}"
    again = svclab("up", "--state-dir", str(state))  # idempotent: the running cluster is reused
    assert again.returncode == 0 and json.loads((state / "cluster.json").read_text())["pid"] == info["pid"]

    kubectl = Kubectl(state / "kubeconfig", tmp_path / "cache")
    assert "svclab-worker2" in kubectl("get", "nodes").stdout

    assert svclab("down", "--state-dir", str(state)).returncode == 0
    assert not alive(info["pid"])
    assert svclab("status", "--state-dir", str(state)).returncode == 1


def test_requests_without_the_token_are_refused(tmp_path: Path) -> None:
    state = tmp_path / "lab"
    assert svclab("up", "--state-dir", str(state), "--pod-start-seconds", "0").returncode == 0
    try:
        api = json.loads((state / "cluster.json").read_text())["api"]
        token = (state / "token").read_text().strip()
        assert get(f"{api}/api/v1/namespaces", state, None) == 401
        assert get(f"{api}/api/v1/namespaces", state, "not-the-token") == 401
        assert get(f"{api}/api/v1/namespaces", state, token) == 200
    finally:
        svclab("down", "--state-dir", str(state))


def test_eight_clusters_at_once_stay_isolated(tmp_path: Path) -> None:
    states = [tmp_path / f"c{i}" for i in range(8)]
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda s: svclab("up", "--state-dir", str(s), "--pod-start-seconds", "0"), states))
    try:
        assert all(r.returncode == 0 for r in results), [r.stderr for r in results]
        infos = [json.loads((s / "cluster.json").read_text()) for s in states]
        assert len({i["api"] for i in infos}) == 8 and len({i["dns"] for i in infos}) == 8
        tokens = [(s / "token").read_text().strip() for s in states]
        assert len(set(tokens)) == 8
        # one cluster's token opens no other cluster
        assert get(f"{infos[1]['api']}/api/v1/namespaces", states[1], tokens[0]) == 401
        kubectls = [Kubectl(s / "kubeconfig", s / "cache") for s in states]
        kubectls[0]("apply", "-f", "-", stdin="apiVersion: v1\nkind: Namespace\nmetadata:\n  name: only-here\n")
        assert "only-here" in kubectls[0]("get", "ns").stdout
        assert all("only-here" not in k("get", "ns").stdout for k in kubectls[1:])
        # one crashing does not touch the others
        os.kill(infos[2]["pid"], signal.SIGKILL)
        time.sleep(0.2)
        assert all(k("get", "ns").returncode == 0 for i, k in enumerate(kubectls) if i != 2)
    finally:
        for s in states:
            svclab("down", "--state-dir", str(s))
    assert not any(alive(i["pid"]) for i in infos)


def test_state_survives_a_crash(tmp_path: Path) -> None:
    state = tmp_path / "lab"
    assert svclab("up", "--state-dir", str(state), "--pod-start-seconds", "0", "--seed", "5").returncode == 0
    kubectl = Kubectl(state / "kubeconfig", tmp_path / "cache")
    kubectl("apply", "-f", "-", stdin="apiVersion: v1\nkind: Service\nmetadata:\n  name: keep\nspec:\n  selector: {app: web}\n  ports: [{port: 80}]\n")
    ip = kubectl("get", "svc", "keep", "-o", "jsonpath={.spec.clusterIP}").stdout
    os.kill(json.loads((state / "cluster.json").read_text())["pid"], signal.SIGKILL)
    try:
        assert svclab("up", "--state-dir", str(state), "--pod-start-seconds", "0").returncode == 0
        assert kubectl("get", "svc", "keep", "-o", "jsonpath={.spec.clusterIP}").stdout == ip
        second = kubectl("apply", "-f", "-", stdin="apiVersion: v1\nkind: Service\nmetadata:\n  name: other\nspec:\n  selector: {app: web}\n  ports: [{port: 80}]\n")
        assert second.returncode == 0
        assert kubectl("get", "svc", "other", "-o", "jsonpath={.spec.clusterIP}").stdout != ip
    finally:
        svclab("down", "--state-dir", str(state))


def test_a_restarted_cluster_keeps_its_port_ca_and_token(tmp_path: Path) -> None:
    """So a kubeconfig handed out before the crash (a notebook's, a terminal's) still works after it."""
    state = tmp_path / "lab"
    assert svclab("up", "--state-dir", str(state), "--pod-start-seconds", "0").returncode == 0
    before = (state / "kubeconfig").read_text()
    info = json.loads((state / "cluster.json").read_text())
    os.kill(info["pid"], signal.SIGKILL)
    time.sleep(0.2)
    try:
        assert svclab("up", "--state-dir", str(state), "--pod-start-seconds", "0").returncode == 0
        assert (state / "kubeconfig").read_text() == before
        assert json.loads((state / "cluster.json").read_text())["api"] == info["api"]
        assert (state / "certs.json").stat().st_mode & 0o777 == 0o600
    finally:
        svclab("down", "--state-dir", str(state))
