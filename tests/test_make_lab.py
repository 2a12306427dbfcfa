"""`make lab` on this checkout: the embedded cluster comes up and JupyterLab serves the notebooks."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_make_lab_serves_jupyterlab_with_the_cluster_up(tmp_path: Path) -> None:
    port = free_port()
    state = tmp_path / "lab"
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "SVCLAB_BACKEND", "KUBECONFIG")}
    env.update(JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), JUPYTER_CONFIG_DIR=str(tmp_path / "config"))
    log = open(tmp_path / "lab.log", "w")
    proc = subprocess.Popen(["make", "-s", "lab", f"LAB_PORT={port}", f"STATE_DIR={state}", f"VENV={Path(sys.executable).parent.parent}"], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        version = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api", timeout=2) as response:
                    version = json.loads(response.read())["version"]
                    break
            except OSError:
                time.sleep(0.5)
        assert version, (tmp_path / "lab.log").read_text()
        info = json.loads((state / "cluster.json").read_text())
        status = subprocess.run([sys.executable, "-m", "svclab.cli", "status", "--state-dir", str(state)], capture_output=True, text=True)
        assert status.returncode == 0 and info["api"] in status.stdout
        output = (tmp_path / "lab.log").read_text()
        assert f"export KUBECONFIG={state}/kubeconfig" in output
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
        subprocess.run([sys.executable, "-m", "svclab.cli", "down", "--state-dir", str(state)], capture_output=True)
