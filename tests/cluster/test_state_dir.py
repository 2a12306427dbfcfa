"""A state directory is served by one process, and a state it cannot read stops `svclab up` with one line."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from svclab.cluster.control import alive
from svclab.cluster.embedded import ClusterConfig, EmbeddedCluster
from svclab.cluster.statelock import StateDirBusy
from tests.conftest import Kubectl

SVCLAB = [sys.executable, "-m", "svclab.cli"]


def svclab(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*SVCLAB, *args], capture_output=True, text=True, timeout=90)


def daemons_of(state: Path) -> list[psutil.Process]:
    """The daemons serving (or trying to serve) STATE: spawned ones (`python -P -m svclab.cluster.daemon`)
    and those `svclab up` forked, which keep its command line once the command itself has exited."""
    found = []
    for process in psutil.process_iter(["cmdline"]):
        cmdline = process.info["cmdline"] or []
        forked_by_up = "svclab.cli" in cmdline and "up" in cmdline and process.pid != os.getpid()
        if ("svclab.cluster.daemon" in cmdline or forked_by_up) and str(state) in cmdline:
            found.append(process)
    return found


@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_up_refuses_a_state_it_cannot_read_with_one_line_and_changes_nothing(tmp_path: Path, damage: str) -> None:
    state = tmp_path / "lab"
    assert svclab("up", "--state-dir", str(state), "--pod-start-seconds", "0").returncode == 0
    kubectl = Kubectl(state / "kubeconfig", tmp_path / "cache")
    for i in range(40):
        kubectl("create", "configmap", f"keep{i}", f"--from-literal=blob={'x' * 2000}")
    assert svclab("down", "--state-dir", str(state)).returncode == 0
    db = state / "state.db"
    if damage == "truncated":
        db.write_bytes(db.read_bytes()[: db.stat().st_size // 2])
    else:
        db.write_bytes(os.urandom(64 * 1024))
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    refused = svclab("up", "--state-dir", str(state), "--pod-start-seconds", "0")
    assert refused.returncode == 1
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1, refused.stderr
    assert lines[0].startswith(f"svclab: cannot read the cluster state in {db}: ") and "move it away" in lines[0]
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert not daemons_of(state)
    assert svclab("status", "--state-dir", str(state)).returncode == 1


def test_three_concurrent_ups_give_one_daemon(tmp_path: Path) -> None:
    state = tmp_path / "lab"
    starts = [subprocess.Popen([*SVCLAB, "up", "--state-dir", str(state), "--pod-start-seconds", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    results = [(p.wait(timeout=90), p.stdout.read() if p.stdout else "", p.stderr.read() if p.stderr else "") for p in starts]
    try:
        assert all(code == 0 for code, _out, _err in results), results
        info = json.loads((state / "cluster.json").read_text())
        assert all(f"(pid {info['pid']})" in out for _code, out, _err in results), results
        running = daemons_of(state)
        assert [p.pid for p in running if p.is_running() and p.status() != psutil.STATUS_ZOMBIE] == [info["pid"]]
        assert (state / "lock").stat().st_mode & 0o777 == 0o600
        kubectl = Kubectl(state / "kubeconfig", tmp_path / "cache")
        kubectl("create", "configmap", "one-cluster")
        again = svclab("up", "--state-dir", str(state))  # a second `up` reports the running cluster
        assert again.returncode == 0 and f"(pid {info['pid']})" in again.stdout
        assert [p.pid for p in daemons_of(state)] == [info["pid"]]
    finally:
        svclab("down", "--state-dir", str(state))
    assert not alive(info["pid"])


def test_a_daemon_refuses_a_state_dir_another_process_serves(tmp_path: Path) -> None:
    state = tmp_path / "lab"
    with EmbeddedCluster(ClusterConfig(state_dir=state)):
        with pytest.raises(StateDirBusy):  # a second cluster in this process
            EmbeddedCluster(ClusterConfig(state_dir=state)).start()
        daemon = subprocess.run([sys.executable, "-m", "svclab.cluster.daemon", "--state-dir", str(state)], capture_output=True, text=True, timeout=60)
        assert daemon.returncode == 75
        assert daemon.stderr.strip() == f"svclab: the state directory {state} is in use by pid {os.getpid()}"
    with EmbeddedCluster(ClusterConfig(state_dir=state)) as reopened:  # released when the cluster stopped
        assert reopened.store.restored
