"""Stopping `svclab grade` (SIGTERM, or Ctrl-C's SIGINT) mid-run: it cleans up after itself and keeps what it graded.

Each test starts the real command on a few submissions with a TMPDIR of its own, signals it, and then finds no temp
folder, no process of the run (workers, zygotes, kernels, clusters, feedback: every one carries the run's TMPDIR in
its environment) and no process of a sandbox user left; `grades.csv` holds what finished and `failed.csv` names what
was not graded, or the message says nothing was written.
"""

from __future__ import annotations

import csv
import fcntl
import os
import pwd
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from svclab.grading import sandbox
from svclab.grading.submissions import submit
from tests.grading.conftest import can_sandbox

pytestmark = pytest.mark.skipif(not can_sandbox(), reason="svclab grade confines kernels as sandbox users, which needs root (CI runs as root)")

ASSIGNMENTS = ("ps1-clusterip", "ps3-statefulset-dns")


def default_signals() -> None:
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_DFL)


def start(tmp_path: Path, students: int) -> tuple[subprocess.Popen[str], Path, Path]:
    submitted, course, tmpdir = tmp_path / "submitted", tmp_path / "course", tmp_path / "tmp"
    tmpdir.mkdir()
    for i in range(students):
        for assignment in ASSIGNMENTS:
            submit(submitted, f"student{i}", assignment, [])
    env = {**os.environ, "TMPDIR": str(tmpdir)}
    # As a terminal's foreground job has them: a test run started in the background (`make test &`) ignores SIGINT,
    # and svclab grade keeps ignoring a signal it was started ignoring.
    process = subprocess.Popen([sys.executable, "-m", "svclab.cli", "grade", str(submitted), "--out", str(course), "--jobs", "2",
                                "--timeout", "30"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                               preexec_fn=default_signals)
    return process, course, tmpdir


def processes_with(marker: str) -> list[str]:
    """Every live process whose environment holds `marker` (the run's TMPDIR): pid and command line."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker.encode() in (entry / "environ").read_bytes():
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                found.append(f"{entry.name}: {command[:200]}")
        except OSError:  # gone meanwhile, or a kernel thread
            continue
    return found


def sandbox_processes() -> list[str]:
    """Processes of a sandbox user that no grading worker holds now (a held one belongs to another run, still grading)."""
    found = []
    free_uids = set()
    for entry in pwd.getpwall():
        suffix = entry.pw_name[len(sandbox.USER_PREFIX):]
        if not entry.pw_name.startswith(sandbox.USER_PREFIX) or not suffix.isdigit():
            continue
        lock = sandbox.LOCKS / "svclab-grade" / f"{suffix}.lock"
        try:
            fd = os.open(lock, os.O_RDWR)
        except OSError:
            free_uids.add(entry.pw_uid)
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            free_uids.add(entry.pw_uid)
        except BlockingIOError:
            pass
        finally:
            os.close(fd)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid in free_uids:
                    found.append(f"{entry.name} (uid {entry.stat().st_uid})")
            except OSError:
                continue
    return found


def assert_clean(tmpdir: Path) -> None:
    deadline = time.monotonic() + 10  # a parent-death signal is delivered at once, but reaping takes a moment
    while True:
        left = processes_with(str(tmpdir)) + sandbox_processes()
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert not left, f"processes left behind: {left}"
    assert sorted(p.name for p in tmpdir.iterdir()) == [], "temp folders left behind"


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_run_stopped_mid_class_cleans_up_and_keeps_what_it_graded(tmp_path: Path, signum: int) -> None:
    process, course, tmpdir = start(tmp_path, students=3)
    deadline = time.monotonic() + 300
    while not list((course / "autograded").glob("*/*/*.ipynb")):  # one submission graded, the next ones in hand
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "no submission was graded within 300 s"
        time.sleep(0.1)
    process.send_signal(signum)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 128 + signum, stdout + stderr
    assert f"stopped by {signal.Signals(signum).name}" in stderr, stderr
    graded = {(r["student_id"], r["assignment"]) for r in rows(course / "grades.csv")}
    not_graded = {(r["student"], r["assignment"]) for r in rows(course / "failed.csv") if r["reason"].startswith("not graded")}
    assert graded and not_graded, (graded, not_graded)
    assert graded | not_graded == {(f"student{i}", a) for i in range(3) for a in ASSIGNMENTS}
    assert not graded & not_graded
    for student, assignment in graded:  # what finished was graded in full: a solution scores every point
        row = next(r for r in rows(course / "grades.csv") if (r["student_id"], r["assignment"]) == (student, assignment))
        assert float(row["score"]) == float(row["max_score"]) > 0, row
    assert_clean(tmpdir)


def test_a_run_stopped_while_starting_writes_nothing_and_says_so(tmp_path: Path) -> None:
    process, course, tmpdir = start(tmp_path, students=1)
    deadline = time.monotonic() + 120
    while not (course / "logs" / "worker-0.log").exists():  # a worker has started: it imports, proves its sandbox
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()
        time.sleep(0.02)
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 128 + signal.SIGTERM, stdout + stderr
    assert "stopped by SIGTERM" in stderr, stderr
    assert not (course / "grades.csv").exists() or "after 0 of 2" in stderr, stderr
    assert_clean(tmpdir)
