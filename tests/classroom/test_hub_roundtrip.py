"""The classroom recipe, started for real: JupyterHub (classroom/jupyterhub_config.py), configurable-http-proxy
from npm, one server per system user in its own memory cgroup, nbgrader's exchange on a shared folder.

An instructor releases ps1 with formgrader; two learners fetch it from their Assignments list, one answers it
and one hands it in blank, both submit; the instructor collects and autogrades both through formgrader and
reads the scores from it. Everything goes through the hub and the servers' handlers, as a browser drives them;
the one terminal step is the instructor's clone of the course.
"""

from __future__ import annotations

import os
import pwd
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import nbformat
import psutil
import pytest

from svclab.grading.submissions import answers_of
from tests.classroom.hub import (REPO, Browser, Hub, SystemUsers, by_role, chown_tree, cluster_pid, disabled, gone, requests_ok, requirements,
                                 running_hub, server_cgroup, server_python, wait_for)

ASSIGNMENT = "ps1-clusterip"
MEM_LIMIT = 1024**3  # the test's limit per learner (the recipe's defaults are sized in classroom/README.md)
INSTRUCTOR_MEM_LIMIT = 2 * 1024**3

why_not = requirements()
pytestmark = pytest.mark.skipif(why_not is not None, reason=why_not or "")


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
    with running_hub(place / "srv", roster, SVCLAB_MEM_LIMIT=str(MEM_LIMIT), SVCLAB_INSTRUCTOR_MEM_LIMIT=str(INSTRUCTOR_MEM_LIMIT),
                     SVCLAB_SERVER_PYTHON=server_python(place)) as running:
        yield running


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

    # Each server runs as its own system user, in a memory cgroup of its own with its role's limit.
    for person, limit in ((teacher, INSTRUCTOR_MEM_LIMIT), (alice, MEM_LIMIT), (bob, MEM_LIMIT)):
        pid = person.server_pid()
        assert psutil.Process(pid).username() == person.name
        group = server_cgroup(pid)
        assert group is not None and group.path.name == person.name and group.limit() == limit

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
    assert scores == {alice.name: (12.0, 12.0), bob.name: (0.0, 12.0)}, scores


def test_a_learner_s_cluster_and_memory_end_with_their_server(hub: Hub, users: tuple[SystemUsers, dict[str, str]]) -> None:
    """Alice's notebook starts her embedded cluster (it runs as her, in her cgroup); a runaway cell is ended
    by her memory limit alone; stopping her server ends the cluster and frees the cgroup."""
    accounts, roster = users
    alice_name, bob_name = by_role(roster, "learner")
    alice, bob = Browser(hub, alice_name), Browser(hub, bob_name)
    for person in (alice, bob):
        person.login()
        if person.hub_api("GET", f"/users/{person.name}").json().get("servers", {}).get("") is None:
            person.start_server()
        else:
            person.start_server_session()
    kernel = alice.start_kernel()
    ran = alice.execute(kernel, "from svclab import lab\nprint(sorted(n.metadata.name for n in lab.connect().core.list_node().items))")
    assert ran["status"] == "ok", ran
    assert "svclab-control-plane" in ran["stdout"]
    daemon = cluster_pid(accounts.homes / alice.name)
    server = alice.server_pid()
    assert psutil.Process(daemon).username() == alice.name
    group = server_cgroup(server)
    assert daemon in group.pids(), "the cluster is charged to Alice's memory limit"

    before = group.oom_kills()
    runaway = alice.execute(kernel, f"hog = b'x' * {MEM_LIMIT + 256 * 1024**2}", seconds=180)
    assert runaway["status"] in ("died", "error"), runaway
    assert group.oom_kills() > before, "the kernel's OOM killer ended a process of Alice's"
    assert not gone(server), "Alice's server survives her kernel"
    assert requests_ok(bob), "Bob's server is untouched"

    alice.stop_server()
    assert wait_for("Alice's cluster to end with her server", lambda: gone(daemon), seconds=60)
    assert not group.path.exists(), "her cgroup is removed once her server stopped"
