"""`svclab iptables-save` from a terminal, against a background embedded cluster (`svclab up`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from svclab.cluster import control

REPO = Path(__file__).resolve().parents[2]


def run(state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SVCLAB_STATE_DIR": str(state), "SVCLAB_BACKEND": "embedded"}
    return subprocess.run([sys.executable, "-m", "svclab.cli", "iptables-save", *args], capture_output=True, text=True, env=env, timeout=60, cwd=REPO)


def test_iptables_save_from_a_terminal(tmp_path: Path) -> None:
    state = tmp_path / "state"
    stopped = run(state, "--node", "svclab-worker")
    assert stopped.returncode == 1 and stopped.stderr == "svclab: no svclab cluster is running; start one with: svclab up\n"
    control.up(state, pod_start_seconds=0)
    try:
        nat = run(state, "--node", "svclab-worker")
        assert nat.returncode == 0, nat.stderr
        assert "*nat\n" in nat.stdout and "*filter" not in nat.stdout
        assert '-A KUBE-SERVICES -d 10.96.0.1/32 -p tcp -m comment --comment "default/kubernetes:https cluster IP" -m tcp --dport 443 -j KUBE-SVC-NPX46M4PTMTKRN6Y' in nat.stdout
        one = run(state, "--node", "svclab-control-plane", "--service", "kube-system/kube-dns")
        assert one.returncode == 0 and "kubernetes:https" not in one.stdout
        assert "*filter" not in one.stdout  # it has endpoints: no REJECT, nothing of it in the filter table
        assert '"kube-system/kube-dns:dns-tcp cluster IP"' in one.stdout
        restore = run(state, "--node", "svclab-worker", "--kube-proxy")
        assert restore.stdout.startswith("*filter\n:KUBE-SERVICES - [0:0]\n") and "-j MARK --or-mark 0x4000" in restore.stdout
        missing = run(state, "--node", "nope")
        assert missing.returncode == 1 and missing.stderr.startswith('svclab: nodes "nope" not found')
    finally:
        control.down(state)
