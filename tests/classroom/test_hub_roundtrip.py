"""The classroom recipe, started for real: JupyterHub (classroom/jupyterhub_config.py), configurable-http-proxy
from npm, one server per system user in its own memory cgroup, nbgrader's exchange on a shared folder.

An instructor releases ps1 with formgrader; two learners fetch it from their Assignments list, one answers it
and one hands it in blank, both submit; the instructor collects and autogrades both through formgrader and
reads the scores from it. Everything goes through the hub and the servers' handlers, as a browser drives them;
the one terminal step is the instructor's clone of the course.
"""

from __future__ import annotations

import json
import os
import pwd
import re
import secrets
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import psutil
import pytest

from svclab.grading.submissions import answers_of
from tests.classroom.hub import REPO, memory_cgroup, Browser, Hub, SystemUsers, chown_tree, readable_by_others, requirements, running_hub, server_python, wait_for

ASSIGNMENT = "ps1-clusterip"
MEM_LIMIT = 1024**3  # the test's limit per user (the recipe's default is sized in classroom/README.md)

why_not = requirements()
pytestmark = pytest.mark.skipif(why_not is not None, reason=why_not or "")


@pytest.fixture(scope="module")
def place() -> Iterator[Path]:
    """A folder every test user can enter (pytest's tmp_path is private to root)."""
    blocked = readable_by_others(REPO)
    if blocked is not None:
        pytest.skip(f"other users cannot enter {blocked}, so learners' servers could not import svclab from this checkout")
    folder = Path(tempfile.mkdtemp(prefix="svclab-classroom-"))
    os.chmod(folder, 0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def users(place: Path) -> Iterator[tuple[SystemUsers, dict[str, str]]]:
    tag = secrets.token_hex(2)
    accounts = SystemUsers(place / "home")
    accounts.homes.mkdir(mode=0o755)
    roster = {f"sl{tag}-teacher": "instructor", f"sl{tag}-alice": "learner", f"sl{tag}-bob": "learner"}
    try:
        for name in roster:
            accounts.add(name)
        yield accounts, roster
    finally:
        accounts.remove_all()


@pytest.fixture(scope="module")
def hub(place: Path, users: tuple[SystemUsers, dict[str, str]]) -> Iterator[Hub]:
    accounts, roster = users
    teacher = next(name for name, role in roster.items() if role == "instructor")
    # The instructor's one terminal step: the course (a clone of this repository) in their home.
    course = accounts.homes / teacher / "svclab"
    (course / "solutions").mkdir(parents=True)
    shutil.copy(REPO / "nbgrader_config.py", course)
    shutil.copytree(REPO / "solutions" / ASSIGNMENT, course / "solutions" / ASSIGNMENT)
    chown_tree(course, teacher)
    with running_hub(place / "srv", roster, SVCLAB_MEM_LIMIT=str(MEM_LIMIT), SVCLAB_SERVER_PYTHON=server_python(place)) as running:
        yield running


def by_role(roster: dict[str, str], role: str) -> list[str]:
    return sorted(name for name, r in roster.items() if r == role)


def test_release_fetch_submit_collect_grade(hub: Hub, users: tuple[SystemUsers, dict[str, str]]) -> None:
    accounts, roster = users
    [teacher_name] = by_role(roster, "instructor")
    alice_name, bob_name = by_role(roster, "learner")
    teacher, alice, bob = Browser(hub, teacher_name), Browser(hub, alice_name), Browser(hub, bob_name)
    for person in (teacher, alice, bob):
        person.login()
        person.start_server()

    # The exchange: a shared folder anyone may add to but nobody may clear of others' entries.
    exchange = hub.root / "exchange"
    assert stat.S_IMODE(exchange.stat().st_mode) == 0o1777

    # Each server runs as its own system user, in a memory cgroup of its own with the hub's limit.
    for person in (teacher, alice, bob):
        pid = person.server_pid()
        assert psutil.Process(pid).username() == person.name
        group = server_cgroup(pid)
        assert group is not None and group.path.name == person.name and group.limit() == MEM_LIMIT

    # Learners see no formgrader: neither its handlers nor its JupyterLab panels.
    assert alice.server("GET", "/formgrader/api/assignments").status_code == 404
    assert "@jupyter/nbgrader:formgrader" in disabled(alice.lab_page)
    assert "@jupyter/nbgrader:formgrader" not in disabled(teacher.lab_page)

    # 1. The instructor generates and releases ps1 with formgrader.
    listed = {a["name"] for a in teacher.server_json("GET", "/formgrader/api/assignments")}
    assert ASSIGNMENT in listed, listed
    generated = teacher.server_json("POST", f"/formgrader/api/assignment/{ASSIGNMENT}/assign")
    assert generated["success"], generated
    released = teacher.server_json("POST", f"/formgrader/api/assignment/{ASSIGNMENT}/release")
    assert released["success"], released
    inbound = exchange / "svclab" / "inbound"
    assert inbound.stat().st_uid == pwd.getpwnam(teacher_name).pw_uid

    # 2. Both learners fetch it from their Assignments list.
    for learner in (alice, bob):
        listing = learner.server_json("GET", "/assignments", params={"course_id": "svclab"})
        assert listing["success"] and [(a["assignment_id"], a["status"]) for a in listing["value"]] == [(ASSIGNMENT, "released")], listing
        fetched = learner.server_json("POST", "/assignments/fetch", data={"course_id": "svclab", "assignment_id": ASSIGNMENT})
        assert [(a["assignment_id"], a["status"]) for a in fetched["value"]] == [(ASSIGNMENT, "fetched")], fetched

    # 3. Alice answers every question (saved from her browser through the contents API); Bob hands it in blank.
    path = f"/api/contents/{ASSIGNMENT}/{ASSIGNMENT}.ipynb"
    model = alice.server_json("GET", path, params={"content": "1"})
    nb = nbformat.from_dict(model["content"])
    answers = answers_of(ASSIGNMENT, REPO / "solutions")
    filled = 0
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
            filled += 1
    assert filled >= 3
    alice.server_json("PUT", path, json={"type": "notebook", "format": "json", "content": nb})
    for learner in (alice, bob):
        submitted = learner.server_json("POST", "/assignments/submit", data={"course_id": "svclab", "assignment_id": ASSIGNMENT})
        assert submitted["success"] is not False, submitted

    # Learners cannot list the inbound, so neither can find the other's submission.
    assert stat.S_IMODE(inbound.stat().st_mode) == 0o2733
    refused = accounts.run_as(bob.name, "ls", str(inbound))
    assert refused.returncode != 0 and "Permission denied" in refused.stderr
    assert len(os.listdir(inbound)) == 2

    # 4. The instructor collects and autogrades both submissions with formgrader, then reads the scores.
    collected = teacher.server_json("POST", f"/formgrader/api/assignment/{ASSIGNMENT}/collect")
    assert collected["success"], collected
    for learner in (alice, bob):
        graded = teacher.server_json("POST", f"/formgrader/api/submission/{ASSIGNMENT}/{learner.name}/autograde")
        assert graded["success"], graded.get("log", graded)
    scores = {s["student"]: (s["score"], s["max_score"]) for s in teacher.server_json("GET", f"/formgrader/api/submissions/{ASSIGNMENT}")}
    assert scores == {alice.name: (10.0, 10.0), bob.name: (0.0, 10.0)}, scores


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
