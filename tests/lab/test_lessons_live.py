"""Every lesson runs top to bottom against a cluster started as `make lab` starts it, at the speed a
learner sees (pods take `LAB_POD_START_SECONDS` to start), as "Run All" does in JupyterLab.

nbval (in `make test`) compares the committed outputs on a fresh zero-delay cluster; it cannot see a
cell that runs before what it needs is ready (lesson 03's `exec_in("ordered-1", …)` did, at 1 s). Here
the outputs are not compared (IPs differ on a long-lived cluster): a lesson passes when no cell raises
and nothing reaches stderr. One cluster serves all the lessons, in order, as in a learner's session.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import nbformat
import pytest
from nbclient import NotebookClient

from svclab.cluster import control
from svclab.course import launch

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "notebooks"
LESSONS = sorted(p.name for p in NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))


@pytest.fixture(scope="module")
def lab_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    state = tmp_path_factory.mktemp("lab") / "state"
    started = launch.start_cluster(state)  # what `svclab lab` (so `make lab`) does
    assert started.backend == "embedded"
    assert control.read_info(state) is not None
    yield state
    control.down(state)


def problems(nb: nbformat.NotebookNode) -> list[str]:
    found = []
    for index, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                found.append(f"cell {index}: {out.ename}: {out.evalue}")
            elif out.output_type == "stream" and out.name == "stderr":
                found.append(f"cell {index}: stderr: {out.text[:300]}")
    return found


def test_the_cluster_starts_pods_as_slowly_as_make_lab(lab_cluster: Path) -> None:
    info = control.read_info(lab_cluster)
    assert info is not None
    argv = Path(f"/proc/{info.pid}/cmdline").read_bytes().decode().split("\0")
    assert argv[argv.index("--pod-start-seconds") + 1] == str(launch.LAB_POD_START_SECONDS) == "1.0"


@pytest.mark.parametrize("lesson", LESSONS)
def test_lesson_runs_top_to_bottom_at_the_lab_pod_start_delay(lesson: str, lab_cluster: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the kernel's environment, as `make lab` gives it: this cluster, never a fresh per-kernel one
    for name in ("SVCLAB_FRESH", "SVCLAB_SEED", "NBGRADER_EXECUTION", "SVCLAB_BACKEND"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SVCLAB_STATE_DIR", str(lab_cluster))
    monkeypatch.setenv("KUBECONFIG", str(lab_cluster / "kubeconfig"))
    nb = nbformat.read(NOTEBOOKS / lesson, as_version=4)
    client = NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}, allow_errors=True)
    client.execute()
    assert problems(nb) == []
    assert os.environ["SVCLAB_STATE_DIR"] == str(lab_cluster)
