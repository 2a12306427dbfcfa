"""One gradebook: what `svclab grade` recorded is what formgrader shows, through its HTTP API on a real Jupyter
server, and a score an instructor changes there is in grades.csv after `svclab grade --export`."""

from __future__ import annotations

import csv
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import pytest

from svclab.grading import gradebook, loop
from tests.grading.conftest import REPO, GradedClass

TOKEN = "formgrader-test-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, port: int) -> None:
        self.port = port

    def api(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", method=method,
                                         data=json.dumps(body).encode() if body is not None else None,
                                         headers={"Authorization": f"token {TOKEN}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            text = response.read().decode()
            return json.loads(text) if response.headers.get_content_type() == "application/json" or text[:1] in "[{" else text


@pytest.fixture
def course(graded: GradedClass, tmp_path: Path) -> Path:
    """A copy of the graded course (the other tests read the original), as formgrader opens it."""
    course = tmp_path / "course"
    course.mkdir()
    for name in ("autograded", "feedback", "submitted"):
        shutil.copytree(graded.course / name, course / name, symlinks=True)
    shutil.copy(graded.course / "gradebook.db", course / "gradebook.db")
    loop.write_course_config(course, REPO / "solutions", gradebook.sqlite_url(course / "gradebook.db"))
    return course


@pytest.fixture
def formgrader(course: Path, tmp_path: Path) -> Iterator[Server]:
    port = free_port()
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"), "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
           "JUPYTER_DATA_DIR": str(tmp_path / "data")}
    log = open(tmp_path / "server.log", "w")
    process = subprocess.Popen([sys.executable, "-m", "jupyter_server", "--no-browser", f"--port={port}", f"--IdentityProvider.token={TOKEN}",
                                f"--ServerApp.root_dir={course}", "--ServerApp.port_retries=0", "--allow-root"], cwd=course, env=env, stdout=log, stderr=log)
    server = Server(port)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                server.api("GET", "/api/status")
                break
            except (urllib.error.URLError, ConnectionError):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError((tmp_path / "server.log").read_text()) from None
                time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def test_formgrader_lists_the_loops_grades_and_an_override_reaches_grades_csv(formgrader: Server, course: Path, graded: GradedClass) -> None:
    assert "ps1-clusterip" in {a["name"] for a in formgrader.api("GET", "/formgrader/api/assignments")}
    submissions = {s["student"]: s for s in formgrader.api("GET", "/formgrader/api/submissions/ps1-clusterip")}
    assert {s for s, case in graded.cases.items() if case.assignment == "ps1-clusterip"} <= set(submissions)
    mine = submissions["ps1-wrong-selector"]
    assert (mine["score"], mine["max_score"], mine["autograded"]) == (8.0, 10.0, True)

    notebooks = {n["student"]: n for n in formgrader.api("GET", "/formgrader/api/submitted_notebooks/ps1-clusterip/ps1-clusterip")}
    submission_id = notebooks["ps1-wrong-selector"]["id"]
    grades = {g["name"]: g for g in formgrader.api("GET", f"/formgrader/api/grades?submission_id={submission_id}")}
    assert (grades["q1-selector"]["auto_score"], grades["q1-kind"]["auto_score"]) == (0.0, 1.0)
    review = formgrader.api("GET", f"/formgrader/submissions/{submission_id}/")  # the notebook, as an instructor reviews it
    assert "web_service" in review and "selects `app=webapp`" in review

    # The instructor decides the selector deserves its point after all.
    changed = formgrader.api("PUT", f"/formgrader/api/grade/{grades['q1-selector']['id']}", {"manual_score": 1.0})
    assert (changed["manual_score"], changed["auto_score"]) == (1.0, 0.0)
    run = subprocess.run([sys.executable, "-m", "svclab.cli", "grade", "--export", "--out", str(course)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    with (course / "grades.csv").open() as f:
        rows = {(r["student_id"], r["assignment"]): float(r["score"]) for r in csv.DictReader(f)}
    assert rows[("ps1-wrong-selector", "ps1-clusterip")] == 9.0
    with (course / "cell_grades.csv").open() as f:
        cell = next(r for r in csv.DictReader(f) if (r["student"], r["cell"]) == ("ps1-wrong-selector", "q1-selector"))
    assert float(cell["score"]) == 1.0
