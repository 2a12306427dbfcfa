"""The process `svclab up` leaves behind: a daemon forked from the command (svclab.cluster.control.up with
fork=True), detached as the spawned one is, that alone holds the state directory and writes only 0600 files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psutil
from kubernetes import client as kube_client
from kubernetes import config as kube_config

from svclab.cluster.control import alive
from tests.conftest import Kubectl

SVCLAB = [sys.executable, "-m", "svclab.cli"]


def svclab(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*SVCLAB, *args], capture_output=True, text=True, timeout=90, cwd=cwd)


def test_up_leaves_a_detached_daemon_that_alone_holds_the_state_dir(tmp_path: Path) -> None:
    state = tmp_path / "lab"
    up = svclab("up", "--state-dir", str(state), "--pod-start-seconds", "0")
    assert up.returncode == 0, up.stderr
    pid = json.loads((state / "cluster.json").read_text())["pid"]
    try:
        assert f"(pid {pid})" in up.stdout
        daemon = psutil.Process(pid)
        assert os.getsid(pid) == pid and os.getpgid(pid) == pid  # a session of its own: no terminal's signals reach it
        assert daemon.ppid() != os.getpid()  # the command that forked it has exited; the daemon was not left to us
        fds = {fd: os.readlink(f"/proc/{pid}/fd/{fd}") for fd in (0, 1, 2)}
        assert fds == {0: os.devnull, 1: str(state / "cluster.log"), 2: str(state / "cluster.log")}
        for name in ("kubeconfig", "token", "cluster.json", "certs.json", "lock", "state.db", "cluster.log", "hostports.json"):
            assert (state / name).stat().st_mode & 0o777 == 0o600, name
        assert (state / "lock").read_text().strip() == str(pid)  # the daemon holds the lock, not the command
        assert (state / "cluster.log").read_text() == ""  # nothing of the command's output leaked into the log
        again = svclab("up", "--state-dir", str(state))  # a second `up` reports the running cluster
        assert again.returncode == 0 and f"(pid {pid})" in again.stdout

        kubectl = Kubectl(state / "kubeconfig", tmp_path / "cache")
        assert "coredns" in kubectl("get", "pods", "-A").stdout
        api = kube_config.new_client_from_config(config_file=str(state / "kubeconfig"))
        try:
            nodes = kube_client.CoreV1Api(api).list_node().items
        finally:
            api.close()
        assert sorted(n.metadata.name for n in nodes) == ["svclab-control-plane", "svclab-worker", "svclab-worker2"]
    finally:
        down = svclab("down", "--state-dir", str(state))
    assert down.returncode == 0 and "stopped" in down.stdout
    assert not alive(pid)
    assert svclab("status", "--state-dir", str(state)).returncode == 1


def test_the_forked_daemon_imports_as_python_P_would(tmp_path: Path) -> None:
    # `python -m svclab.cli` puts the current folder first on sys.path; the daemon, like `python -P -m
    # svclab.cluster.daemon`, must not import a learner's file that happens to share a module's name
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "sqlite3.py").write_text("raise SystemExit('imported the folder\\'s sqlite3.py')\n")  # the daemon's state store imports sqlite3
    state = tmp_path / "lab"
    up = svclab("up", "--state-dir", str(state), "--pod-start-seconds", "0", cwd=folder)
    try:
        assert up.returncode == 0, up.stderr + (state / "cluster.log").read_text()
    finally:
        svclab("down", "--state-dir", str(state))


def test_a_daemon_that_cannot_start_fails_up_with_its_log(tmp_path: Path) -> None:
    state = tmp_path / "lab"
    state.mkdir()
    (state / "kubeconfig").mkdir()  # the daemon cannot write its kubeconfig: it exits before it serves
    up = svclab("up", "--state-dir", str(state), "--pod-start-seconds", "0")
    assert up.returncode == 1
    assert up.stderr.startswith(f"svclab: the embedded cluster did not start; see {state / 'cluster.log'}")
    assert "Traceback" in (state / "cluster.log").read_text()
