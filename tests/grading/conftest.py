"""The class graded once for the grading tests (classroom.py), through the real `svclab grade`."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from tests.grading import classroom

REPO = classroom.REPO
TIMEOUT = 20  # seconds per cell in the class run


def hidden_test_lines(source: str) -> Iterator[str]:
    """The stripped lines of a cell's source inside its BEGIN/END HIDDEN TESTS regions (markers excluded)."""
    inside = False
    for line in source.splitlines():
        if "BEGIN HIDDEN TESTS" in line:
            inside = True
        elif "END HIDDEN TESTS" in line:
            inside = False
        elif inside:
            yield line.strip()


def can_sandbox() -> bool:
    return os.getuid() == 0


@dataclass
class GradedClass:
    course: Path
    submitted: Path
    cases: dict[str, classroom.Case]
    paths: dict[str, str]
    run: subprocess.CompletedProcess[str]
    tmpdir: Path
    install_before: dict[str, str]


def install_files() -> dict[str, str]:
    """Every file of the svclab package (the editable install), by content hash."""
    return {str(p.relative_to(REPO)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((REPO / "svclab").rglob("*")) if p.is_file() and "__pycache__" not in p.parts}


def grade_cli(submitted: Path, course: Path, tmpdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TMPDIR": str(tmpdir)}
    return subprocess.run([sys.executable, "-m", "svclab.cli", "grade", str(submitted), "--out", str(course), "--jobs", "2",
                           "--timeout", str(TIMEOUT), *args], capture_output=True, text=True, timeout=1800, env=env)


@pytest.fixture(scope="session")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GradedClass]:
    if not can_sandbox():
        pytest.skip("grading confines each kernel as a user of its own, which needs root (CI runs as root)")
    course = tmp_path_factory.mktemp("course")
    submitted = course / "submitted"
    tmpdir = tmp_path_factory.mktemp("tmp")
    paths = {
        "solutions/": str(REPO / "solutions"),
        "the solution notebook": str(REPO / "solutions" / "ps1-clusterip" / "ps1-clusterip.ipynb"),
        "the gradebook": str(course / "gradebook.db"),
        "another submission": str(submitted / "solution-ps1" / "ps1-clusterip" / "ps1-clusterip.ipynb"),
        "the submissions": str(submitted),
        "autograded/": str(course / "autograded"),
        "the repository's .git": str(REPO / ".git"),
        "solution": str(REPO / "solutions" / "ps1-clusterip" / "ps1-clusterip.ipynb"),
        "install_module": str(REPO / "svclab" / "grading" / "ps1.py"),
        "repo": str(REPO),
        "site_packages": sysconfig.get_paths()["purelib"],
        "course": str(course),
    }
    cases = classroom.build(submitted, paths)
    before = install_files()
    run = grade_cli(submitted, course, tmpdir)
    yield GradedClass(course, submitted, cases, paths, run, tmpdir, before)
