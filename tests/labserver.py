"""Helpers for the tests that run `make lab` as a learner does: the make targets, and a kernel of the
JupyterLab it serves (started through Jupyter Server's REST API, driven with jupyter_client)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jupyter_client import BlockingKernelClient

VENV = Path(sys.executable).parent.parent


@dataclass(frozen=True)
class Lab:
    checkout: Path
    state_dir: Path
    port: int
    env: dict[str, str]
    explicit_state: bool = True  # pass STATE_DIR to make; False: make's default (this checkout's .svclab/lab)

    @property
    def record(self) -> dict[str, Any]:
        return dict(json.loads((self.state_dir / "jupyterlab.json").read_text()))

    @property
    def token(self) -> str:
        return str(self.record["url"].split("token=", 1)[1])

    def make(self, target: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        argv = ["make", "-s", target, f"LAB_PORT={self.port}", f"VENV={VENV}"] + ([f"STATE_DIR={self.state_dir}"] if self.explicit_state else [])
        done = subprocess.run(argv, cwd=self.checkout, env=self.env, capture_output=True, text=True, timeout=300)
        if check and done.returncode != 0:
            raise AssertionError(f"make {target} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        return done

    def api(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", method=method, data=json.dumps(body).encode() if body is not None else None,
                                         headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read().decode()
            return json.loads(text) if text and response.headers.get_content_type() == "application/json" else text

    def kernel(self, notebook: str) -> BlockingKernelClient:
        """Open `notebook` as JupyterLab does (a session and its kernel) and connect to that kernel."""
        session = self.api("POST", "/api/sessions", {"path": notebook, "type": "notebook", "name": Path(notebook).name, "kernel": {"name": "python3"}})
        connection = Path(self.env["JUPYTER_RUNTIME_DIR"]) / f"kernel-{session['kernel']['id']}.json"
        deadline = time.monotonic() + 60
        while not connection.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        client = BlockingKernelClient(connection_file=str(connection))
        client.load_connection_file()
        client.start_channels()
        client.wait_for_ready(timeout=60)
        return client


def clone(into: Path, repo: Path = Path(__file__).resolve().parent.parent) -> Path:
    """A real clone of this repository at its HEAD commit (pyproject dated back, so `make` sees the
    shared venv as up to date and does not reinstall it from the clone)."""
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, check=True).stdout.strip()
    subprocess.run(["git", "clone", "-q", "--no-checkout", str(repo), str(into)], check=True, capture_output=True)
    subprocess.run(["git", "checkout", "-q", head], cwd=into, check=True, capture_output=True)
    os.utime(into / "pyproject.toml", (0, 0))
    return into


def lab_env(tmp: Path) -> dict[str, str]:
    """A learner's shell: none of the test run's svclab variables, Jupyter's own files in `tmp`."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "SVCLAB_BACKEND", "SVCLAB_STATE_DIR", "SVCLAB_FRESH", "SVCLAB_SEED", "KUBECONFIG", "LAB_PORT")}
    env.update(JUPYTER_RUNTIME_DIR=str(tmp / "runtime"), JUPYTER_CONFIG_DIR=str(tmp / "config"), JUPYTER_DATA_DIR=str(tmp / "data"),
               JUPYTERLAB_SETTINGS_DIR=str(tmp / "settings"), JUPYTERLAB_WORKSPACES_DIR=str(tmp / "workspaces"))
    return env


def run(client: BlockingKernelClient, code: str, timeout: float = 120) -> str:
    """Run `code` in the kernel; its stdout, or an AssertionError with the kernel's error."""
    out: list[str] = []
    errors: list[str] = []

    def collect(msg: dict[str, Any]) -> None:
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream" and content["name"] == "stdout":
            out.append(content["text"])
        elif kind == "error":
            errors.append(f"{content['ename']}: {content['evalue']}")

    client.execute_interactive(code, timeout=timeout, output_hook=collect)
    if errors:
        raise AssertionError("; ".join(errors))
    return "".join(out)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "Z" not in Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
