"""What the README, lesson 00 and the start page tell a learner is true and the same in each: the
terminal example works as written (on a real terminal), every `make` target and `svclab` command they
name exists, the reset story is told the same way, and the busybox cheat-sheet comes from the toolbox."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import time
from pathlib import Path
from typing import Iterator

import nbformat
import pytest

from svclab.cli import build_parser
from svclab.cluster import control
from svclab.course import folder, launch
from svclab.network import tools
from tests.conftest import Kubectl, kubectl_binary
from tests.conformance.conftest import seed_block, wait_ready

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text()
LESSON_00 = (REPO / "tools" / "lessons" / "00-setup.py").read_text()
MAKEFILE = (REPO / "Makefile").read_text()
RESET_COMMANDS = ("lab.reset()", "make reset", "svclab reset", "make down", "svclab kind down")


def terminal_example() -> str:
    section = README.split("### In a terminal", 1)[1].split("###", 1)[0]
    return re.search(r"```bash\n(kubectl run [^\n]+)\n```", section).group(1)  # type: ignore[union-attr]


def read_until(fd: int, marker: bytes, after: bytes = b"", timeout: float = 60) -> str:
    """Read the terminal until `marker` shows (after `after`, when given); returns all that was read."""
    seen = b""
    deadline = time.monotonic() + timeout
    while after not in seen or marker not in seen[seen.index(after) + len(after):]:
        if time.monotonic() > deadline:
            raise AssertionError(f"no {marker!r} on the terminal; it shows: {seen.decode(errors='replace')[-500:]!r}")
        if select.select([fd], [], [], 0.5)[0]:
            try:
                seen += os.read(fd, 4096)
            except OSError:
                break
    return seen.decode(errors="replace")


def settle(fd: int, quiet: float = 0.5) -> None:
    """Read until the terminal has been quiet for `quiet` seconds."""
    while select.select([fd], [], [], quiet)[0]:
        try:
            os.read(fd, 4096)
        except OSError:
            return


@pytest.fixture
def lab_kubectl(tmp_path: Path) -> Iterator[Kubectl]:
    """A terminal's kubectl against a cluster started as `make lab` starts it (a daemon, pods start in 1 s)."""
    state = tmp_path / "state"
    started = launch.start_cluster(state)
    try:
        yield Kubectl(started.kubeconfig, tmp_path / "kubecache")
    finally:
        control.down(state)


def test_the_readme_terminal_example_works_as_written(lab_kubectl: Kubectl) -> None:
    """In lesson 01's namespace (where `web-service` lives), on a real terminal, as a learner types it."""
    kubectl = lab_kubectl
    kubectl("create", "namespace", "clusterip")
    kubectl("apply", "-n", "clusterip", "-f", "-", stdin=seed_block("web-service", "nginx"))
    wait_ready(kubectl, "clusterip", "app=nginx")
    cluster_ip = kubectl("get", "service", "web-service", "-n", "clusterip", "-o", "jsonpath={.spec.clusterIP}").stdout
    command = terminal_example()
    assert command.startswith("kubectl run test -n clusterip --rm -it ")
    main, child = pty.openpty()
    process = subprocess.Popen([kubectl_binary(), *command.split()[1:]], stdin=child, stdout=child, stderr=child, env=kubectl.env(), start_new_session=True)
    os.close(child)
    try:
        read_until(main, b"/ # ")
        settle(main)  # the shell may draw its prompt again as kubectl's terminal attaches
        os.write(main, b"nslookup web-service\r")
        answer = read_until(main, b"/ # ", after=f"Address: {cluster_ip}".encode())
        assert "Name:\tweb-service.clusterip.svc.cluster.local" in answer
        os.write(main, b"exit\r")
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
        os.close(main)
    assert "test" not in kubectl("get", "pods", "-n", "clusterip", "-o", "name").stdout  # --rm removed it


def make_targets() -> set[str]:
    return set(re.findall(r"^([a-z][\w-]*):", MAKEFILE, re.M))


def commands() -> set[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    return set(sub.choices)  # type: ignore[union-attr]


@pytest.mark.parametrize("text", [README, LESSON_00], ids=["README", "lesson 00"])
def test_every_make_target_and_svclab_command_named_exists(text: str) -> None:
    for target in re.findall(r"`make ([a-z][\w-]*)", text):
        assert target in make_targets(), f"`make {target}` is not a Makefile target"
    for command in re.findall(r"`svclab ([a-z][\w-]*)", text):
        assert command in commands(), f"`svclab {command}` is not a command"


def reset_rows(text: str) -> dict[str, str]:
    """The rows of the "Starting over" table: the command each names, and what it says that does."""
    section = re.split(r"^(?:# )?##+ ", text.split("Starting over", 1)[1], maxsplit=1, flags=re.M)[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().lstrip("#").strip().strip("|").split("|")]
        if len(cells) == 3:
            for command in RESET_COMMANDS:
                if f"`{command}" in cells[1]:
                    rows.setdefault(command, cells[2])
    return rows


def test_readme_lesson_00_and_the_start_page_tell_the_same_reset_story(tmp_path: Path) -> None:
    start = "\n".join(c.source for c in folder.start_page(REPO, tmp_path, tmp_path / "kubeconfig").cells)
    stories = {"README": reset_rows(README), "lesson 00": reset_rows(LESSON_00), "start page": reset_rows(start)}
    for name, rows in stories.items():
        assert {"lab.reset()", "make reset", "make down"} <= set(rows), f"{name} lacks a reset step: {sorted(rows)}"
        assert "namespace" in rows["lab.reset()"] and "empty" in rows["lab.reset()"]
        assert "every namespace you made" in rows["make reset"] and "keeps running" in rows["make reset"]
        assert "kept" in rows["make down"] and "come back" in rows["make down"] and "JupyterLab" in rows["make down"]
    assert "restarts empty" not in LESSON_00


def test_the_start_page_cheat_sheet_comes_from_the_toolbox(tmp_path: Path) -> None:
    page = folder.start_page(REPO, tmp_path, tmp_path / "kubeconfig")
    sheet = next(c.source for c in page.cells if c.source.startswith("## What the cluster's busybox can run"))
    applets = re.search(r"\*\*applets\*\*: (.+)", sheet).group(1)  # type: ignore[union-attr]
    assert re.findall(r"`([^`]+)`", applets) == sorted(tools.EMULATED)
    assert "nslookup" in tools.EMULATED and "`dig`" not in applets  # dig is not a busybox applet
    assert "`vi`" not in applets and "vi" in tools.BUSYBOX   # in the image, but not emulated
    lessons = next(c.source for c in page.cells if c.source.startswith("## Lessons and exercises"))
    for lesson, namespace in [("notebooks/01-clusterip.ipynb", "clusterip"), ("notebooks/03-statefulset-dns.ipynb", "statefulset")]:
        assert re.search(rf"\({re.escape(lesson)}\) \| `{namespace}` \|", lessons)
    assert "[ps6-capstone](exercises/ps6-capstone/ps6-capstone.ipynb) (namespace `ps6`)" in lessons
    nbformat.validate(page)
