"""`make lab`, `make down` and `make reset` as a learner runs them: the course served (start page,
lessons, exercises; not the solutions), three lines of output, kernels on this checkout's cluster,
`make down` stopping JupyterLab, its kernels and the cluster (so the next `make lab` gets the same
port, and the objects come back), `make reset` emptying the cluster; two checkouts side by side each
with a cluster of their own."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
from pathlib import Path

import pytest

from tests.labserver import VENV, Lab, alive, clone, lab_env, run

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_make_lab_serves_the_course_and_make_down_stops_everything_it_started(tmp_path: Path) -> None:
    lab = Lab(REPO, tmp_path / "state", free_port(), lab_env(tmp_path))
    try:
        started = lab.make("lab")
        lines = [line for line in started.stdout.splitlines() if not line.startswith("warning: ")]  # a host port another cluster holds
        assert len(lines) == 3 and started.stderr == "", started.stdout + started.stderr
        assert lines[0] == f"svclab: embedded cluster up: API {json.loads((lab.state_dir / 'cluster.json').read_text())['api']}, state in {lab.state_dir}"
        assert re.fullmatch(rf"JupyterLab: http://127\.0\.0\.1:{lab.port}/lab/tree/START\.ipynb\?token=[0-9a-f]{{48}}", lines[1])
        assert lines[2].startswith(f"export KUBECONFIG={lab.state_dir}/kubeconfig  #")
        assert started.stdout.count("export KUBECONFIG=") == 1

        # the course: a start page, the lessons and the exercises; the instructor's solutions are not there
        top = {item["name"] for item in lab.api("GET", "/api/contents/")["content"]}
        assert top == {"START.ipynb", "notebooks", "exercises", "README.md", "docs"}
        assert "ps1-clusterip.ipynb" in {i["name"] for i in lab.api("GET", "/api/contents/exercises/ps1-clusterip")["content"]}
        assert "01-clusterip.ipynb" in {i["name"] for i in lab.api("GET", "/api/contents/notebooks")["content"]}
        with pytest.raises(urllib.error.HTTPError, match="404"):
            lab.api("GET", "/api/contents/solutions")
        page = lab.api("GET", "/lab")
        config = json.loads(re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', page, re.S).group(1))
        for plugin in ("@jupyter/nbgrader:course-list", "@jupyter/nbgrader:assignment-list", "@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment"):
            assert plugin in config["disabledExtensions"]
        assert "@jupyter/nbgrader:validate-assignment" not in config["disabledExtensions"]
        with pytest.raises(urllib.error.HTTPError, match="404"):  # no exchange here, so no course list to fail
            lab.api("GET", "/courses")

        # a notebook's kernel talks to this cluster, and `doctor` there checks the port make lab serves on
        kernel = lab.kernel("notebooks/00-setup.ipynb")
        said = run(kernel, "import os\nfrom svclab import lab, doctor\ns = lab.connect('kept')\n"
                           "lab.apply({'apiVersion': 'v1', 'kind': 'ConfigMap', 'metadata': {'name': 'before-down'}})\n"
                           "print(s.kubeconfig); print(os.getpid()); print(doctor.check_lab_port(os.environ, s.kubeconfig.parent).detail)")
        kubeconfig, kernel_pid, port_check = said.splitlines()
        assert kubeconfig == str(lab.state_dir / "kubeconfig")
        assert port_check.startswith(f"{lab.port}: this checkout's JupyterLab serves the course there")
        kernel.stop_channels()
        jupyter_pid, cluster_pid = lab.record["pid"], json.loads((lab.state_dir / "cluster.json").read_text())["pid"]

        stopped = lab.make("down")
        assert stopped.stdout.strip() == f"stopped JupyterLab on port {lab.port} and the embedded cluster in {lab.state_dir}"
        deadline = time.monotonic() + 20
        while any(alive(pid) for pid in (jupyter_pid, int(kernel_pid), cluster_pid)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not alive(jupyter_pid) and not alive(int(kernel_pid)) and not alive(cluster_pid)

        again = lab.make("lab")  # the same port, and the objects made before `make down` are back
        assert f"http://127.0.0.1:{lab.port}/lab/tree/START.ipynb?token=" in again.stdout
        kernel = lab.kernel("exercises/ps1-clusterip/ps1-clusterip.ipynb")
        assert run(kernel, "from svclab import lab\nlab.connect('kept')\nprint(lab.kubectl('get configmap before-down -o name'))").startswith("configmap/before-down")
        run(kernel, "lab.connect('default'); lab.apply({'apiVersion': 'v1', 'kind': 'Service', 'metadata': {'name': 'mine'}, 'spec': {'ports': [{'port': 80}]}})")

        emptied = lab.make("reset")
        assert re.fullmatch(r"svclab: the cluster is empty again: deleted 1 namespace\(s\) \(kept\) and \d+ object\(s\) in default\n", emptied.stdout), emptied.stdout
        left = run(kernel, "print(sorted(n.metadata.name for n in lab.session().core.list_namespace().items));"
                           "print(sorted(s.metadata.name for s in lab.session().core.list_namespaced_service('default').items))").splitlines()
        assert left == ["['default', 'kube-node-lease', 'kube-public', 'kube-system', 'local-path-storage']", "['kubernetes']"]
        kernel.stop_channels()
    finally:
        lab.make("down", check=False)


def test_make_lab_on_a_taken_port_says_so_and_never_moves_to_another(tmp_path: Path) -> None:
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        lab = Lab(REPO, tmp_path / "state", held.getsockname()[1], lab_env(tmp_path))
        try:
            refused = lab.make("lab", check=False)
            assert refused.returncode != 0 and "Traceback" not in refused.stderr
            assert f"svclab: JupyterLab cannot serve on port {lab.port}: something else holds it" in refused.stderr
            assert f"make lab LAB_PORT={lab.port + 1}" in refused.stderr
        finally:
            lab.make("down", check=False)


def test_svclab_up_works_from_a_folder_that_holds_a_svclab_directory(tmp_path: Path) -> None:
    (tmp_path / "svclab").mkdir()  # e.g. the folder a learner cloned svclab into
    (tmp_path / "svclab" / "README.md").write_text("a clone's root is not the package\n")
    svclab = str(VENV / "bin" / "svclab")
    state = tmp_path / "state"
    try:
        up = subprocess.run([svclab, "up", "--state-dir", str(state), "--pod-start-seconds", "0"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
        assert up.returncode == 0, up.stdout + up.stderr
        status = subprocess.run([svclab, "status", "--state-dir", str(state)], cwd=tmp_path, capture_output=True, text=True)
        assert status.returncode == 0 and "is running" in status.stdout
    finally:
        subprocess.run([svclab, "down", "--state-dir", str(state)], capture_output=True)


def test_two_checkouts_side_by_side_each_get_their_own_cluster(tmp_path: Path) -> None:
    """Two clones, `make lab` in each (their default state dir, as a learner runs it; one shared venv):
    each kernel and each `svclab status` sees only its own checkout's cluster."""
    labs = []
    for name in ("first", "second"):
        checkout = clone(tmp_path / name / "svclab")
        labs.append(Lab(checkout, checkout / ".svclab" / "lab", free_port(), lab_env(tmp_path / name), explicit_state=False))
    try:
        for lab in labs:
            lab.make("lab")
        apis = [json.loads((lab.state_dir / "cluster.json").read_text())["api"] for lab in labs]
        assert apis[0] != apis[1]
        for index, lab in enumerate(labs):
            kernel = lab.kernel("notebooks/00-setup.ipynb")
            said = run(kernel, "from svclab import lab\ns = lab.connect('side')\n"
                               f"lab.apply({{'apiVersion': 'v1', 'kind': 'ConfigMap', 'metadata': {{'name': 'from-{index}'}}}})\n"
                               "print(s.kubeconfig); print(s.api.configuration.host)\n"
                               "print(sorted(c.metadata.name for c in s.core.list_namespaced_config_map('side').items if c.metadata.name.startswith('from-')))")
            kubeconfig, host, names = said.splitlines()
            assert kubeconfig == str(lab.state_dir / "kubeconfig") and host == apis[index]
            assert names == f"['from-{index}']"  # the other checkout's object is not in this cluster
            kernel.stop_channels()
            env = {k: v for k, v in lab.env.items() if k not in ("SVCLAB_STATE_DIR", "KUBECONFIG")}
            status = subprocess.run([str(VENV / "bin" / "svclab"), "status"], cwd=lab.checkout / "notebooks", env=env, capture_output=True, text=True)
            assert status.returncode == 0 and apis[index] in status.stdout and f"chosen by the checkout you are in ({lab.checkout})" in status.stdout
    finally:
        for lab in labs:
            lab.make("down", check=False)
