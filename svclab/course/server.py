"""The JupyterLab `make lab` starts: in the background, on the port asked for, recorded in the state
directory so `make down` can stop it (and its kernels) and the next `make lab` gets the same port.

    <state dir>/jupyterlab.json   {"pid", "port", "url"} (mode 0600: the URL carries the token)
    <state dir>/jupyterlab.log    everything JupyterLab prints
    <state dir>/jupyter-config/   the learner's configuration (below), first on JUPYTER_CONFIG_PATH

Learners get nbgrader's learner extensions (the assignment and course lists) only where an nbgrader
exchange is configured, as on a classroom JupyterHub; elsewhere those lists can only show "Error
fetching courses!" and "The exchange directory does not exist". The instructor's extensions
(formgrader, create assignment) are off in the learner's lab. Nothing is uninstalled: the instructor's
own `jupyter lab` (without this configuration) keeps them all. Validate (a learner's "run all the
tests") stays on everywhere; it needs no exchange.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from svclab.cluster.control import alive
from svclab.cluster.kubeconfig import write_private

RECORD = "jupyterlab.json"
LOG = "jupyterlab.log"
CONFIG = "jupyter-config"
START_URL = "/lab/tree/START.ipynb"

LEARNER_SERVER_EXTENSIONS = ("nbgrader.server_extensions.assignment_list", "nbgrader.server_extensions.course_list")
INSTRUCTOR_SERVER_EXTENSIONS = ("nbgrader.server_extensions.formgrader",)
LEARNER_LAB_PLUGINS = ("@jupyter/nbgrader:assignment-list", "@jupyter/nbgrader:course-list", "@jupyter/nbgrader:menu")  # the menu holds only the lists (and the instructor's tools)
INSTRUCTOR_LAB_PLUGINS = ("@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment")
# JupyterLab's news feed asks, on first start, whether to fetch news from the internet: not a course matter.
QUIET_LAB_PLUGINS = ("@jupyterlab/apputils-extension:announcements",)


@dataclass(frozen=True)
class LabServer:
    pid: int
    port: int
    url: str  # with its token


class LabServerError(RuntimeError):
    """JupyterLab could not start (or stop); the message says why and where the log is."""


# nbgrader's default exchange (nbgrader.exchange.default.exchange.Exchange.root; a test keeps them equal).
NBGRADER_DEFAULT_EXCHANGE = "/usr/local/share/nbgrader/exchange"


def exchange_root(course_root: Path) -> Path | None:
    """The nbgrader exchange configured for this course, if it exists and is usable: `Exchange.root` from
    the `nbgrader_config.py` files nbgrader reads (the course root first, then Jupyter's config paths),
    else nbgrader's default. Read with traitlets' own loader, without importing nbgrader (seconds)."""
    from jupyter_core.paths import jupyter_config_path
    from traitlets.config import Config
    from traitlets.config.loader import ConfigFileNotFound, PyFileConfigLoader

    config = Config()
    for folder in reversed([str(course_root), *jupyter_config_path()]):  # lowest priority first
        try:
            config.merge(PyFileConfigLoader("nbgrader_config.py", folder).load_config())
        except ConfigFileNotFound:
            continue
    configured = config.Exchange.get("root") if "Exchange" in config else None
    root = Path(str(configured or NBGRADER_DEFAULT_EXCHANGE))
    return root if root.is_dir() and os.access(root, os.W_OK | os.X_OK) else None


def write_learner_config(config_dir: Path, with_exchange: bool) -> None:
    """The Jupyter configuration of the learner's lab: which nbgrader extensions it runs."""
    server = {name: with_exchange for name in LEARNER_SERVER_EXTENSIONS}
    server.update({name: False for name in INSTRUCTOR_SERVER_EXTENSIONS})
    disabled = {name: not with_exchange for name in LEARNER_LAB_PLUGINS}
    disabled.update({name: True for name in (*INSTRUCTOR_LAB_PLUGINS, *QUIET_LAB_PLUGINS)})
    (config_dir / "labconfig").mkdir(parents=True, exist_ok=True)
    (config_dir / "jupyter_server_config.json").write_text(json.dumps({"ServerApp": {"jpserver_extensions": server}}, indent=2) + "\n")
    (config_dir / "labconfig" / "page_config.json").write_text(json.dumps({"disabledExtensions": disabled}, indent=2) + "\n")


def _is_jupyter(pid: int) -> bool:
    """Is `pid` still a JupyterLab (not a recycled pid)?"""
    try:
        return b"jupyterlab" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return alive(pid)  # no /proc (macOS): trust the pid


def read(state_dir: Path) -> LabServer | None:
    """The JupyterLab `make lab` started for this state directory, if it is still running."""
    try:
        data = json.loads((state_dir / RECORD).read_text())
        server = LabServer(int(data["pid"]), int(data["port"]), str(data["url"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return server if alive(server.pid) and _is_jupyter(server.pid) else None


def _answers(port: int, token: str, timeout: float = 2.0) -> bool:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/status", headers={"Authorization": f"token {token}"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def _why_not(log: Path) -> str:
    text = log.read_text(errors="replace") if log.exists() else ""
    if "already in use" in text or "Address already in use" in text:
        return "its port is in use"
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


@dataclass
class Starting:
    """A JupyterLab on its way up; `wait()` returns it once it answers."""

    state_dir: Path
    port: int
    process: subprocess.Popen[bytes] | None
    token: str
    running: LabServer | None = None  # it was already up

    def wait(self, wait_seconds: float = 120) -> LabServer:
        if self.running is not None:
            return self.running
        assert self.process is not None
        log_path = self.state_dir / LOG
        deadline = time.monotonic() + wait_seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                why = _why_not(log_path)
                if why == "its port is in use":
                    raise LabServerError(f"JupyterLab cannot serve on port {self.port}: something else holds it (`make down` stops a JupyterLab "
                                         f"this checkout started; `make lab LAB_PORT={self.port + 1}` picks another port)")
                raise LabServerError(f"JupyterLab did not start on port {self.port} ({why}); its log is {log_path}")
            if _answers(self.port, self.token):
                server = LabServer(self.process.pid, self.port, f"http://127.0.0.1:{self.port}{START_URL}?token={self.token}")
                write_private(self.state_dir / RECORD, json.dumps({"pid": server.pid, "port": server.port, "url": server.url}) + "\n")
                return server
            time.sleep(0.2)
        self.process.kill()
        raise LabServerError(f"JupyterLab did not answer on port {self.port} within {wait_seconds:.0f}s; its log is {log_path}")


def start(state_dir: Path, course_dir: Path, port: int, env: dict[str, str]) -> Starting:
    """Start JupyterLab on `port` (never another) in the background, serving `course_dir` and opening on
    its start page. `env` is what its kernels and terminals inherit. Returns at once: `.wait()` for it."""
    running = read(state_dir)
    if running is not None:
        if running.port != port:
            raise LabServerError(f"this checkout's JupyterLab already serves on port {running.port}; `make down` stops it first")
        return Starting(state_dir, port, None, "", running)
    config_dir = state_dir / CONFIG
    write_learner_config(config_dir, exchange_root(course_dir) is not None)
    token = secrets.token_hex(24)
    child_env = dict(env)
    child_env["JUPYTER_TOKEN"] = token  # read by Jupyter Server; kept out of the process list
    child_env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(p for p in (str(config_dir), env.get("JUPYTER_CONFIG_PATH", "")) if p)
    argv = [
        sys.executable, "-P", "-m", "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",  # the port asked for, or a clear failure: never a surprise port
        f"--ServerApp.root_dir={course_dir}",
        f"--ServerApp.default_url={START_URL}",
    ]
    if hasattr(os, "getuid") and os.getuid() == 0:
        argv.append("--allow-root")
    log_path = state_dir / LOG
    log_path.touch(mode=0o600, exist_ok=True)
    with open(log_path, "ab") as log:
        process = subprocess.Popen(argv, cwd=course_dir, env=child_env, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
    return Starting(state_dir, port, process, token)


def signal_stop(state_dir: Path) -> LabServer | None:
    """Ask this state directory's JupyterLab to stop (SIGTERM: it shuts its kernels down as it goes)."""
    server = read(state_dir)
    if server is None:
        (state_dir / RECORD).unlink(missing_ok=True)
        return None
    os.kill(server.pid, signal.SIGTERM)
    return server


def wait_stopped(state_dir: Path, server: LabServer | None, wait_seconds: float = 30) -> None:
    if server is None:
        return
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline and alive(server.pid):
        time.sleep(0.1)
    if alive(server.pid):
        os.killpg(server.pid, signal.SIGKILL)
    (state_dir / RECORD).unlink(missing_ok=True)


def stop(state_dir: Path, wait_seconds: float = 30) -> LabServer | None:
    """Stop this state directory's JupyterLab and its kernels; returns what was stopped."""
    server = signal_stop(state_dir)
    wait_stopped(state_dir, server, wait_seconds)
    return server
