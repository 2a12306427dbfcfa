"""`svclab doctor`: what this machine has, and whether the chosen backend can run on it."""

from __future__ import annotations

import json
import os
import socket
import sys
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from svclab.cluster import control, kind
from svclab.cluster.backend import BACKENDS, chosen_backend_name
from svclab.cluster.locate import locate
from svclab.version import KIND_VERSION, KUBERNETES_MINOR, KUBERNETES_VERSION

OK, FAIL = "✓", "✗"
DEFAULT_LAB_PORT = 8888


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    needed_by: tuple[str, ...] = ()  # the backends that cannot run while this check fails


@dataclass
class Report:
    backend: str | None  # None when $SVCLAB_BACKEND names no backend
    checks: list[Check] = field(default_factory=list)

    @property
    def blocking(self) -> list[Check]:
        return [c for c in self.checks if not c.ok and (self.backend is None or self.backend in c.needed_by)]

    @property
    def can_run(self) -> bool:
        return self.backend is not None and not self.blocking

    def to_json(self) -> str:
        return json.dumps({"backend": self.backend, "can_run": self.can_run, "checks": [asdict(c) for c in self.checks]}, indent=2)

    def render(self) -> str:
        width = max(len(c.name) for c in self.checks) + 1
        lines = [f"{OK if c.ok else FAIL} {c.name + ':':<{width}} {c.detail}" for c in self.checks]
        if self.backend is None:
            lines.append("no backend can be chosen until SVCLAB_BACKEND is fixed")
        elif self.can_run:
            lines.append(f"the {self.backend} backend can run here")
        else:
            names = ", ".join(c.name for c in self.blocking)
            lines.append(f"the {self.backend} backend cannot run here: fix {names}")
        return "\n".join(lines)


# --- the checks, one function each -------------------------------------------------------------------


def check_python(version: Sequence[int], executable: str) -> Check:
    text = ".".join(str(v) for v in version[:3])
    if tuple(version[:2]) == (3, 11):
        return Check("python", True, f"{text} ({executable})", BACKENDS)
    return Check("python", False, f"{text} ({executable}) — svclab needs Python 3.11; `make setup` builds .venv with python3.11", BACKENDS)


def check_kubectl(runner: kind.Runner) -> Check:
    path = runner.kubectl()
    if path is None:
        return Check("kubectl", False, "not found — `make setup` installs it into .venv/bin; lessons and exercises run it", BACKENDS)
    result = runner.capture(["kubectl", "version", "--client", "-o", "json"])
    try:
        client = json.loads(result.stdout)["clientVersion"]
        version, minor = str(client["gitVersion"]), int(str(client["minor"]).rstrip("+"))
    except (ValueError, KeyError, TypeError):
        return Check("kubectl", False, f"{path} — `kubectl version --client` did not answer (exit code {result.returncode})", BACKENDS)
    note = "" if abs(minor - int(KUBERNETES_MINOR)) <= 1 else f"; outside kubectl's ±1 minor version skew with Kubernetes {KUBERNETES_VERSION}"
    return Check("kubectl", True, f"{path} (client {version}{note})", BACKENDS)


def check_container_engine(runner: kind.Runner) -> Check:
    found = [(binary, path) for binary in ("docker", "podman") if (path := runner.which(binary))]
    if not found:
        return Check("docker", False, "not found — the kind backend needs Docker or podman; the embedded backend works without it", ("kind",))
    codes: list[int] = []
    for binary, path in found:
        codes.append(runner.capture([binary, "info"], timeout=15).returncode)
        if codes[-1] == 0:
            return Check(binary, True, f"{path}, engine answering (`{binary} info` succeeded)", ("kind",))
    binary, path = found[0]
    return Check(
        binary,
        False,
        f"{path} found, but its engine is not answering (`{binary} info` exit code {codes[0]}) — start it for the kind backend; the embedded backend works without it",
        ("kind",),
    )


def check_kind(runner: kind.Runner) -> Check:
    path = runner.which("kind")
    if path is None:
        return Check("kind", False, f"not found — the kind backend needs kind {KIND_VERSION} (https://kind.sigs.k8s.io); the embedded backend works without it", ("kind",))
    result = runner.capture(["kind", "version"])
    words = result.stdout.split()
    version = next((w for w in words if w.startswith("v") and w[1:2].isdigit()), None)
    if result.returncode != 0 or version is None:
        return Check("kind", False, f"{path} — `kind version` did not answer (exit code {result.returncode})", ("kind",))
    note = "" if version == KIND_VERSION else f"; svclab is tested with {KIND_VERSION}"
    return Check("kind", True, f"{path} ({version}{note})", ("kind",))


def check_lab_port(env: Mapping[str, str], state_dir: Path | None = None) -> Check:
    """The port `make lab` serves on: $LAB_PORT, else the port this checkout's JupyterLab runs on, else 8888."""
    from svclab.course import server

    running = server.read(state_dir) if state_dir is not None else None
    raw = env.get("LAB_PORT") or str(running.port if running else DEFAULT_LAB_PORT)
    try:
        port = int(raw)
        if not 0 < port < 65536:
            raise ValueError(raw)
    except ValueError:
        return Check("lab port", False, f"LAB_PORT={raw!r} is not a TCP port number")
    if running is not None and running.port == port:
        return Check("lab port", True, f"{port}: this checkout's JupyterLab serves the course there (pid {running.pid}; `make down` stops it)")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return Check("lab port", False, f"{port} is in use — JupyterLab needs it; stop what holds it or run `make lab LAB_PORT={port + 11}`")
    return Check("lab port", True, f"{port} is free for JupyterLab")


def check_embedded(state_dir: Path, chosen_by: str = "--state-dir", ignored_kubeconfig: str | None = None) -> Check:
    note = f" (chosen by {chosen_by}; README: 'Which cluster')"
    if ignored_kubeconfig:
        note += f"; KUBECONFIG={ignored_kubeconfig} names no svclab cluster, so kubectl in this shell talks to that one, not to this"
    info = control.read_info(state_dir)
    if info is not None and control.answers(info):
        return Check("embedded cluster", True, f"running: API {info.api}, kubeconfig {info.kubeconfig}{note}")
    return Check("embedded cluster", False, f"not running in {state_dir} — `make lab` (or `svclab up`) starts it{note}")


def check_kind_cluster(runner: kind.Runner, name: str = kind.DEFAULT_NAME) -> Check:
    try:
        found = kind.find_context(name, runner.env)
    except kind.KindError as exc:
        return Check("kind cluster", False, f"{exc}")
    if kind.answers(name, runner):
        return Check("kind cluster", True, f"context {found.name} answers at {found.server} ({found.path})")
    return Check("kind cluster", False, f"context {found.name} is in {found.path} but {found.server} does not answer — `svclab kind up` starts it again")


def check_backend(env: Mapping[str, str]) -> tuple[str | None, Check]:
    raw = env.get("SVCLAB_BACKEND")
    try:
        chosen = chosen_backend_name(env)
    except RuntimeError as exc:
        return None, Check("backend", False, str(exc), BACKENDS)
    how = f"SVCLAB_BACKEND={raw}" if raw else "the default; SVCLAB_BACKEND=kind picks kind"
    return chosen, Check("backend", True, f"{chosen} ({how})", BACKENDS)


# --- the report ----------------------------------------------------------------------------------------


def diagnose(
    env: Mapping[str, str] | None = None,
    python_executable: str = sys.executable,
    python_version: Sequence[int] = tuple(sys.version_info[:3]),
    state_dir: Path | None = None,
    cwd: Path | None = None,
) -> Report:
    """Run every check; ``env`` (PATH, SVCLAB_*, KUBECONFIG, LAB_PORT) defaults to this process's, and the
    cluster looked at follows svclab's one rule (:mod:`svclab.cluster.locate`) unless ``state_dir`` names one."""
    env = dict(os.environ if env is None else env)
    runner = kind.Runner(env=env, python_executable=python_executable)
    backend, backend_check = check_backend(env)
    located = locate(env, cwd)
    chosen = state_dir if state_dir is not None else located.state_dir
    checks = [
        check_python(python_version, python_executable),
        check_kubectl(runner),
        check_container_engine(runner),
        check_kind(runner),
        check_lab_port(env, chosen),
        check_embedded(chosen, "--state-dir" if state_dir is not None else located.source, located.ignored_kubeconfig),
    ]
    if backend == "kind" or runner.which("kind"):
        checks.append(check_kind_cluster(runner))
    checks.append(backend_check)
    return Report(backend, checks)
