"""`svclab lab` (what `make lab` runs): the cluster, the course folder and JupyterLab, and three lines
of output: where the cluster is, the URL with its token, and the `export KUBECONFIG=…` line.

`svclab down` undoes it (JupyterLab, its kernels, the cluster); `svclab reset` empties the cluster.
"""

from __future__ import annotations

import os
import webbrowser
from dataclasses import dataclass
from pathlib import Path

from svclab.cluster import control
from svclab.cluster.locate import find_checkout, package_checkout
from svclab.course import folder, server

LAB_POD_START_SECONDS = 1.0  # a pod takes a second to start in the learner's cluster (tests and grading use 0)
COURSE_DIR = "course"


@dataclass(frozen=True)
class Started:
    backend: str
    kubeconfig: Path
    where: str  # one line on the cluster


def course_checkout(cwd: Path | None = None) -> Path:
    """The checkout whose course `svclab lab` serves: the one you are in, else the one svclab is installed from."""
    found = find_checkout((cwd or Path.cwd()).absolute()) or package_checkout()
    if found is None:
        raise RuntimeError("`svclab lab` serves the course from a checkout of svclab (its notebooks/ and exercises/): "
                           "run it inside one (git clone the repository, then `make lab`)")
    return found


def kubeconfig_path(state_dir: Path, backend: str) -> Path:
    if backend == "kind":
        from svclab.cluster.backend import KindBackend

        return KindBackend(state_dir=state_dir).kubeconfig()
    return state_dir / "kubeconfig"


def start_cluster(state_dir: Path, backend: str = "embedded") -> Started:
    """Start (or reuse) the cluster the way `make lab` does."""
    if backend == "kind":
        from svclab.cluster.backend import KindBackend

        kind_backend = KindBackend(state_dir=state_dir)
        kind_backend.ensure_running()
        return Started("kind", kind_backend.kubeconfig(), f"kind cluster {kind_backend.cluster_name!r} (context {kind_backend.context()})")
    info = control.up(state_dir, pod_start_seconds=LAB_POD_START_SECONDS)
    return Started("embedded", info.kubeconfig, f"embedded cluster up: API {info.api}, state in {state_dir}")


def lab_environment(state_dir: Path, kubeconfig: Path, backend: str, port: int) -> dict[str, str]:
    """What JupyterLab, and so every kernel and terminal it starts, inherits: this cluster, and nothing else."""
    env = dict(os.environ)
    env.update(SVCLAB_STATE_DIR=str(state_dir), KUBECONFIG=str(kubeconfig), SVCLAB_BACKEND=backend, LAB_PORT=str(port))
    for name in ("SVCLAB_FRESH", "SVCLAB_SEED", "NBGRADER_EXECUTION"):  # a learner's lab talks to its cluster, never a fresh one
        env.pop(name, None)
    return env


def run(state_dir: Path, port: int, backend: str = "embedded", open_browser: bool = False, cwd: Path | None = None) -> server.LabServer:
    """The course folder, then JupyterLab and the cluster starting side by side; prints three lines."""
    checkout = course_checkout(cwd)
    state_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(state_dir, 0o700)
    kubeconfig = kubeconfig_path(state_dir, backend)
    course_dir = state_dir / COURSE_DIR
    folder.write_course(checkout, course_dir, state_dir, kubeconfig, backend)
    starting = server.start(state_dir, course_dir, port, lab_environment(state_dir, kubeconfig, backend, port))
    try:
        started = start_cluster(state_dir, backend)
    except BaseException:
        if starting.process is not None:
            starting.process.terminate()
        raise
    lab_server = starting.wait()
    print(f"svclab: {started.where}")
    print(f"JupyterLab: {lab_server.url}")
    print(f"export KUBECONFIG={started.kubeconfig}  # for a terminal of your own; `make down` stops it all")
    for line in host_port_warnings(state_dir):
        print(line)
    if open_browser:
        webbrowser.open(lab_server.url)
    return lab_server


def host_port_warnings(state_dir: Path) -> list[str]:
    """The host ports (kind's extraPortMappings) the embedded cluster could not take; the ones it took need no line."""
    from svclab.dataplane.hostports import status_lines

    return [line for line in status_lines(state_dir) if line.startswith("warning: ")]


def down(state_dir: Path) -> list[str]:
    """Stop what `svclab lab` started here: JupyterLab (and its kernels) and the embedded cluster, side by side."""
    stopping = server.signal_stop(state_dir)
    cluster_stopped = control.down(state_dir)
    server.wait_stopped(state_dir, stopping)
    stopped = [f"JupyterLab on port {stopping.port}"] if stopping is not None else []
    if cluster_stopped:
        stopped.append(f"the embedded cluster in {state_dir}")
    return stopped
