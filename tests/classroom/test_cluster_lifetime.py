"""A learner's background cluster ends with the kernel (or the Jupyter server) that started it, so a hub
collects no orphans; `svclab up` from a terminal keeps its cluster until `svclab down`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from jupyter_client.manager import KernelManager

from svclab.cluster import control, owner


def gone(pid: int) -> bool:
    """Exited (a zombie nobody reaped counts as exited: a container's init may not reap)."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def wait_until(predicate, seconds: float = 30.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return bool(predicate())


def learner_env(state: Path, **extra: str) -> dict[str, str]:
    """A learner's kernel outside nbgrader and nbval: it uses (or starts) the background cluster in `state`."""
    env = {k: v for k, v in os.environ.items() if k not in ("SVCLAB_FRESH", "NBGRADER_EXECUTION", "KUBECONFIG", "SVCLAB_CLUSTER_EXIT_WITH")}
    return {**env, "SVCLAB_STATE_DIR": str(state), "SVCLAB_BACKEND": "embedded", **extra}


def daemon_pid(state: Path) -> int:
    return int(json.loads((state / "cluster.json").read_text())["pid"])


@pytest.fixture
def state(tmp_path: Path) -> Iterator[Path]:
    state = tmp_path / "lab"
    yield state
    control.down(state)


def test_a_cluster_started_in_a_kernel_ends_with_the_kernel(state: Path) -> None:
    kernel = KernelManager(kernel_name="python3")
    kernel.start_kernel(env=learner_env(state), extra_arguments=[])
    client = kernel.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        reply = client.execute_interactive("from svclab import lab\nprint(len(lab.connect().core.list_node().items))", timeout=60)
        assert reply["content"]["status"] == "ok", reply["content"]
        pid = daemon_pid(state)
        assert control.answers(control.read_info(state))  # type: ignore[arg-type]
        assert psutil.Process(pid).cmdline()[-2:] == ["--exit-with-pid", str(kernel.provisioner.pid)]  # type: ignore[union-attr]
    finally:
        client.stop_channels()
    os.kill(kernel.provisioner.pid, signal.SIGKILL)  # type: ignore[union-attr]  # the kernel dies as a culled or crashed one does
    kernel.cleanup_resources()
    assert wait_until(lambda: gone(pid)), "the cluster outlived the kernel that started it"
    assert not (state / "cluster.json").exists(), "the daemon stopped cleanly (it removes cluster.json)"


SERVER = """
import subprocess, sys
# a stand-in for the Jupyter server: it launches a "kernel" that starts the cluster and exits
kernel = subprocess.run([sys.executable, "-c", "from svclab import lab; lab.connect()"])
print(kernel.returncode, flush=True)
sys.stdin.read()  # the server lives until the test closes stdin or kills it
"""


def test_with_exit_with_parent_the_cluster_outlives_kernel_restarts_and_ends_with_the_server(state: Path) -> None:
    server = subprocess.Popen([sys.executable, "-c", SERVER], env=learner_env(state, SVCLAB_CLUSTER_EXIT_WITH="parent"),
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None and server.stdout.readline().strip() == "0"
        pid = daemon_pid(state)
        assert not gone(pid), "the kernel has exited; its server still runs, and so does the cluster"
        assert psutil.Process(pid).cmdline()[-2:] == ["--exit-with-pid", str(server.pid)]
    finally:
        server.kill()
        server.wait()
    assert wait_until(lambda: gone(pid)), "the cluster outlived the server whose kernel started it"


def test_svclab_up_from_a_terminal_outlives_the_shell(state: Path) -> None:
    shell = subprocess.run(["sh", "-c", f'"{sys.executable}" -m svclab.cli up --state-dir "{state}" --pod-start-seconds 0'],
                           env=learner_env(state, SVCLAB_CLUSTER_EXIT_WITH="process"), capture_output=True, text=True, timeout=60)
    assert shell.returncode == 0, shell.stderr
    pid = daemon_pid(state)
    assert "--exit-with-pid" not in psutil.Process(pid).cmdline()
    assert not gone(pid) and control.answers(control.read_info(state))  # type: ignore[arg-type]


def test_an_unknown_exit_with_value_is_refused() -> None:
    with pytest.raises(RuntimeError, match="SVCLAB_CLUSTER_EXIT_WITH='kernel' is not one of: process, parent, never"):
        owner.owner_pid({"SVCLAB_CLUSTER_EXIT_WITH": "kernel"})
    assert owner.owner_pid({}) == os.getpid()
    assert owner.owner_pid({"SVCLAB_CLUSTER_EXIT_WITH": "parent"}) == os.getppid()
    assert owner.owner_pid({"SVCLAB_CLUSTER_EXIT_WITH": "never"}) is None
