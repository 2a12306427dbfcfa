"""Drive a real JupyterHub as a browser does: log in with the form, start a server through the hub's REST
API, reach it through the proxy (OAuth redirects and cookies), call its handlers with the XSRF header, and
run code in a kernel over the server's websocket."""

from __future__ import annotations

import importlib.util
import json
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import pytest
import requests
import websocket

REPO = Path(__file__).resolve().parents[2]
RECIPE = REPO / "classroom" / "jupyterhub_config.py"
TEST_CONFIG = Path(__file__).with_name("hub_test_config.py")
BIN = Path(sys.executable).parent


def classroom_module(name: str) -> Any:
    """A module of classroom/ (a folder of files the hub loads, not a package)."""
    spec = importlib.util.spec_from_file_location(f"svclab_classroom_{name}", REPO / "classroom" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


memory_cgroup = classroom_module("memory_cgroup")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(what: str, predicate: Any, seconds: float = 120.0, every: float = 0.25) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what} after {seconds:.0f}s")
        time.sleep(every)


def requirements() -> str | None:
    """Why the hub cannot run here (None: it can). Real system users need root; the proxy comes from npm."""
    if os.geteuid() != 0:
        return "the classroom hub test creates system users (useradd) and runs JupyterHub as root: run it as root (CI does)"
    for tool in ("useradd", "userdel", "runuser"):
        if shutil.which(tool) is None:
            return f"{tool} is missing: the hub test needs real system users"
    if shutil.which("configurable-http-proxy", path=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}") is None:
        return "configurable-http-proxy is not installed: `make classroom-deps` installs it from the npm registry"
    try:
        import jupyterhub  # noqa: F401
        import jupyterhub_idle_culler  # noqa: F401
    except ImportError:
        return "JupyterHub is not installed: `make classroom-deps` installs svclab's `classroom` extra"
    return None


def readable_by_others(path: Path) -> Path | None:
    """The first folder on the way to `path` that other users cannot enter (their servers run from this venv)."""
    for folder in [*reversed(path.parents), path]:
        if not os.stat(folder).st_mode & 0o001:
            return folder
    return None


def server_python(place: Path) -> str:
    """An interpreter every test user can run, with this checkout's packages. The venv's own when its base
    interpreter is readable by all; otherwise (e.g. a pyenv Python under /root) a system python3.11 in a tiny
    venv that adds this venv's site-packages (.pth files included, so the editable svclab install works)."""
    own = Path(sys.executable)
    if readable_by_others(own.resolve()) is None:
        return str(own)
    system = next((p for p in ("/usr/bin/python3.11", "/usr/local/bin/python3.11") if Path(p).exists() and readable_by_others(Path(p).resolve()) is None), None)
    if system is None:
        pytest.skip(f"other users cannot run {own.resolve()} and there is no system python3.11 they could run instead")
    env = place / "server-env"
    subprocess.run([system, "-m", "venv", "--without-pip", str(env)], check=True)
    site_packages = next(Path(sys.prefix).glob("lib/python3.11/site-packages"))
    [target] = list(env.glob("lib/python3.11/site-packages"))
    (target / "svclab-venv.pth").write_text(f"import site; site.addsitedir({str(site_packages)!r})\n")
    python = env / "bin" / "python"
    for script in Path(sys.prefix, "bin").iterdir():  # console scripts (alembic, jupyter, ...) on the new python
        head = script.read_bytes()[:200] if script.is_file() and not script.is_symlink() else b""
        if head.startswith(b"#!") and b"python" in head.split(b"\n", 1)[0] and not (env / "bin" / script.name).exists():
            body = script.read_text().split("\n", 1)[1]
            (env / "bin" / script.name).write_text(f"#!{python}\n{body}")
            (env / "bin" / script.name).chmod(0o755)
    for data in ("etc/jupyter", "share/jupyter"):  # Jupyter's config and data (extensions, kernels) under sys.prefix
        (env / data).parent.mkdir(parents=True, exist_ok=True)
        (env / data).symlink_to(Path(sys.prefix) / data, target_is_directory=True)
    return str(python)


# --- system users ------------------------------------------------------------------------------------------


@dataclass
class SystemUsers:
    homes: Path
    names: list[str] = field(default_factory=list)

    def add(self, name: str) -> Path:
        subprocess.run(["userdel", "-r", name], capture_output=True)  # a leftover of an interrupted run
        home = self.homes / name
        subprocess.run(["useradd", "--create-home", "--home-dir", str(home), "--shell", "/bin/bash", "--user-group", name], check=True)
        self.names.append(name)
        return home

    def run_as(self, name: str, *argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["runuser", "-u", name, "--", *argv], capture_output=True, text=True, timeout=60)

    def remove_all(self) -> None:
        for name in self.names:
            for proc in psutil.process_iter(["username"]):  # anything the test's own user left running, by pid
                if proc.info["username"] == name:
                    try:
                        proc.kill()
                    except psutil.NoSuchProcess:
                        pass
            subprocess.run(["userdel", "-r", name], capture_output=True)
        self.names.clear()


def chown_tree(path: Path, user: str) -> None:
    entry = pwd.getpwnam(user)
    for folder, dirs, files in os.walk(path):
        for name in [folder, *(os.path.join(folder, d) for d in dirs), *(os.path.join(folder, f) for f in files)]:
            os.chown(name, entry.pw_uid, entry.pw_gid)


# --- the hub -----------------------------------------------------------------------------------------------


@dataclass
class Hub:
    url: str
    root: Path
    process: subprocess.Popen[bytes]
    log: Path

    def log_tail(self, chars: int = 6000) -> str:
        return self.log.read_text(errors="replace")[-chars:]


@contextmanager
def running_hub(root: Path, roster: dict[str, str], **env: str) -> Iterator[Hub]:
    """Start `jupyterhub -f tests/classroom/hub_test_config.py` (the recipe plus a test authenticator and
    loopback ports) as root; stop it and every server it started afterwards."""
    root.mkdir(parents=True, exist_ok=True)
    os.chmod(root, 0o755)
    (root / "roster.txt").write_text("".join(f"{name} {role}\n" for name, role in roster.items()))
    port = free_port()
    hub_env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "SVCLAB_CLASSROOM_ROOT": str(root),
        "SVCLAB_HUB_BIND_URL": f"http://127.0.0.1:{port}",
        "SVCLAB_HUB_API_PORT": str(free_port()),
        "SVCLAB_PROXY_API_PORT": str(free_port()),
        "SVCLAB_RECIPE": str(RECIPE),
        **env,
    }
    for name in ("SVCLAB_FRESH", "SVCLAB_SEED", "KUBECONFIG", "SVCLAB_STATE_DIR", "JUPYTER_CONFIG_PATH", "JUPYTERHUB_API_TOKEN"):
        hub_env.pop(name, None)
    log = root / "jupyterhub.log"
    with log.open("wb") as out:
        process = subprocess.Popen([str(BIN / "jupyterhub"), "-f", str(TEST_CONFIG)], cwd=root, env=hub_env, stdout=out, stderr=subprocess.STDOUT)
    hub = Hub(f"http://127.0.0.1:{port}", root, process, log)
    try:
        def answers() -> bool:
            if process.poll() is not None:
                raise AssertionError(f"jupyterhub exited ({process.returncode}):\n{hub.log_tail()}")
            try:
                return requests.get(f"{hub.url}/hub/api/", timeout=2).status_code == 200
            except requests.ConnectionError:
                return False

        wait_for("the hub to answer", answers, seconds=90)
        yield hub
    finally:
        process.terminate()  # JupyterHub stops the servers it spawned (cleanup_servers) and its proxy
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- one user's browser ------------------------------------------------------------------------------------


class Browser:
    """A `requests` session with the hub's and the user's server's cookies, as a browser would hold them."""

    def __init__(self, hub: Hub, name: str) -> None:
        self.hub = hub
        self.name = name
        self.http = requests.Session()
        self.prefix = f"{hub.url}/user/{name}"

    def login(self) -> None:
        page = self.http.get(f"{self.hub.url}/hub/login", timeout=30)
        page.raise_for_status()
        xsrf = re.search(r'name="_xsrf"\s+value="([^"]+)"', page.text)
        form = {"username": self.name, "password": "classroom", **({"_xsrf": xsrf.group(1)} if xsrf else {})}
        answer = self.http.post(f"{self.hub.url}/hub/login", data=form, allow_redirects=False, timeout=30)
        assert answer.status_code == 302, f"login of {self.name}: {answer.status_code}\n{self.hub.log_tail()}"

    def _xsrf(self, path: str) -> dict[str, str]:
        token = next((c.value for c in self.http.cookies if c.name == "_xsrf" and c.path.rstrip("/") == path.rstrip("/")), None)
        return {"X-XSRFToken": token} if token else {}

    def hub_api(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.http.request(method, f"{self.hub.url}/hub/api{path}", headers=self._xsrf("/hub/"), timeout=60, **kwargs)

    def start_server(self) -> None:
        answer = self.hub_api("POST", f"/users/{self.name}/server")
        assert answer.status_code in (201, 202), f"spawn of {self.name}: {answer.status_code} {answer.text}\n{self.hub.log_tail()}"

        def ready() -> bool:
            model = self.hub_api("GET", f"/users/{self.name}").json()
            server = model.get("servers", {}).get("")
            if server is None and not model.get("pending"):
                raise AssertionError(f"the server of {self.name} failed to start:\n{self.hub.log_tail()}")
            return bool(server and server.get("ready"))

        wait_for(f"the server of {self.name}", ready, seconds=180)
        self.start_server_session()

    def start_server_session(self) -> None:
        lab = self.http.get(f"{self.prefix}/lab", timeout=60)  # OAuth with the hub: redirects, then the page
        assert lab.status_code == 200 and lab.url.startswith(f"{self.prefix}/lab"), (lab.status_code, lab.url)
        self.lab_page = lab.text

    def stop_server(self) -> None:
        answer = self.hub_api("DELETE", f"/users/{self.name}/server")
        assert answer.status_code in (202, 204), answer.text
        wait_for(f"the server of {self.name} to stop", lambda: "" not in self.hub_api("GET", f"/users/{self.name}").json().get("servers", {}), seconds=90)

    def server_pid(self) -> int:
        """The pid of this user's single-user server (from the hub's admin view of the process table)."""
        for proc in psutil.process_iter(["pid", "username", "cmdline"]):
            cmd = proc.info["cmdline"] or []
            if proc.info["username"] == self.name and ("jupyterhub.singleuser" in cmd[1:3] or any(p.endswith("jupyterhub-singleuser") for p in cmd[:2])):
                return int(proc.info["pid"])
        raise AssertionError(f"no jupyterhub-singleuser process of {self.name}")

    def server(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {**self._xsrf(f"/user/{self.name}/"), **kwargs.pop("headers", {})}
        return self.http.request(method, f"{self.prefix}{path}", headers=headers, timeout=kwargs.pop("timeout", 300), **kwargs)

    def server_json(self, method: str, path: str, **kwargs: Any) -> Any:
        answer = self.server(method, path, **kwargs)
        assert answer.status_code < 300, f"{method} {path} as {self.name}: {answer.status_code}\n{self.hub.log_tail()}"
        return answer.json()

    # --- a kernel, over the server's websocket (what JupyterLab does when a cell runs) -----------------------

    def start_kernel(self) -> str:
        return str(self.server_json("POST", "/api/kernels", json={"name": "python3"})["id"])

    def execute(self, kernel_id: str, code: str, seconds: float = 120.0) -> dict[str, Any]:
        """Run `code`; returns {"status": ok|error|died, "stdout": ..., "error": ...}."""
        cookies = "; ".join(f"{c.name}={c.value}" for c in self.http.cookies)
        ws_url = f"{self.prefix.replace('http://', 'ws://')}/api/kernels/{kernel_id}/channels"
        token = self._xsrf(f"/user/{self.name}/").get("X-XSRFToken")
        if token:
            ws_url += f"?_xsrf={token}"
        ws = websocket.create_connection(ws_url, cookie=cookies, timeout=seconds)
        msg_id = uuid.uuid4().hex
        ws.send(json.dumps({
            "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": self.name, "session": uuid.uuid4().hex, "version": "5.3"},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": False, "user_expressions": {}, "allow_stdin": False, "stop_on_error": True},
        }))
        result: dict[str, Any] = {"status": None, "stdout": "", "error": ""}
        deadline = time.monotonic() + seconds
        try:
            while time.monotonic() < deadline:
                msg = json.loads(ws.recv())
                kind, content = msg.get("msg_type") or msg["header"]["msg_type"], msg.get("content", {})
                if kind == "status" and content.get("execution_state") in ("restarting", "dead"):
                    result["status"] = "died"
                    return result
                if msg.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                if kind == "stream":
                    result["stdout"] += content.get("text", "")
                elif kind == "error":
                    result["error"] = f"{content.get('ename')}: {content.get('evalue')}"
                elif kind == "execute_reply":
                    result["status"] = content.get("status")
                    return result
        finally:
            ws.close()
        raise AssertionError(f"no reply from the kernel of {self.name} within {seconds:.0f}s")


# --- what the tests look at -----------------------------------------------------------------------------

def by_role(roster: dict[str, str], role: str) -> list[str]:
    return sorted(name for name, r in roster.items() if r == role)


def cluster_pid(home: Path) -> int:
    return int(json.loads((home / ".local" / "state" / "svclab" / "default" / "cluster.json").read_text())["pid"])


def gone(pid: int) -> bool:
    """Exited (a zombie nobody reaped counts as exited)."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def requests_ok(browser: Browser) -> bool:
    return browser.server("GET", "/api/status").status_code == 200

def disabled(page: str) -> str:
    """The JupyterLab page config's disabledExtensions, as text."""
    match = re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', page, re.S)
    return json.dumps(json.loads(match.group(1)).get("disabledExtensions")) if match else ""


def server_cgroup(pid: int) -> Any:
    hierarchy = memory_cgroup.memory_hierarchy()
    assert hierarchy is not None
    for line in open(f"/proc/{pid}/cgroup").read().splitlines():
        _, controllers, path = line.split(":", 2)
        if (hierarchy.version == 1 and "memory" in controllers.split(",")) or (hierarchy.version == 2 and controllers == ""):
            return memory_cgroup.UserCgroup(hierarchy.mount / path.lstrip("/"), hierarchy.version)
    return None

