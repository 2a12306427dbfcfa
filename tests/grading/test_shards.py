"""Beyond one machine: `svclab grade --shard I/3` three times (side by side, as an Indexed Job runs them) and
`--merge` give the same grades.csv, cell grades and failures as the one run of the class — which also shows
that grading the same submissions twice gives identical grades, and identical test-cell outputs."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tests.grading.conftest import TIMEOUT, GradedClass

# A part of the class (the slow ones, runaway loops and timeouts, are left out): every solution, every kind of
# cheat, a dead kernel, mistakes.
SUBSET = ["solution-ps1", "solution-ps2", "solution-ps3", "solution-ps4", "solution-ps5", "solution-ps6", "blank-ps2", "markers-as-text",
          "os-exit", "rebinds-helpers", "reads-secrets", "always-equal", "ps3-service-lookup", "ps6-read-selects-primary"]
KEEP = {"grades.csv": ("student_id", "assignment"), "cell_grades.csv": ("student", "assignment"), "failed.csv": ("student", "assignment")}


def rows(path: Path, students: set[str]) -> list[dict[str, str]]:
    if not path.exists():
        return []
    key = KEEP[path.name][0]
    with path.open(newline="") as f:
        return [r for r in csv.DictReader(f) if r[key] in students]


@pytest.fixture(scope="module")
def merged(graded: GradedClass, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """SUBSET graded again, as three shards side by side, merged into one course folder."""
    tmp_path = tmp_path_factory.mktemp("shards")
    submitted = tmp_path / "submitted"
    for student in SUBSET:
        shutil.copytree(graded.submitted / student, submitted / student, symlinks=True)
    env = {**os.environ, "TMPDIR": str(graded.tmpdir)}
    shards = [tmp_path / f"shard-{i}" for i in range(3)]
    runs = [subprocess.Popen([sys.executable, "-m", "svclab.cli", "grade", str(submitted), "--shard", f"{i}/3", "--out", str(out), "--jobs", "1",
                              "--timeout", str(TIMEOUT)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
            for i, out in enumerate(shards)]
    outputs = [run.communicate(timeout=1200)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], outputs
    counts = [len(rows(out / "grades.csv", set(SUBSET))) for out in shards]
    assert sum(counts) == len(SUBSET) and min(counts) >= 1  # every submission in exactly one shard

    merged = tmp_path / "merged"
    run = subprocess.run([sys.executable, "-m", "svclab.cli", "grade", "--merge", *map(str, shards), "--out", str(merged)],
                         capture_output=True, text=True, timeout=600, env=env)
    assert run.returncode == 0, run.stdout + run.stderr
    assert sorted(p.name for p in graded.tmpdir.iterdir()) == []
    return merged


def test_three_shards_merged_equal_one_run(graded: GradedClass, merged: Path) -> None:
    for name in KEEP:
        assert rows(merged / name, set(SUBSET)) == rows(graded.course / name, set(SUBSET)), name
    for student in SUBSET:
        assignment = graded.cases[student].assignment
        assert sorted(p.name for p in (merged / "feedback" / student / assignment).glob("*.html"))


def test_grading_twice_gives_identical_grades_and_outputs(graded: GradedClass, merged: Path) -> None:
    """The shards graded every submission of SUBSET a second time: the same scores, and the same outputs cell by
    cell (what each test printed or failed with), so nothing in a grade depends on timing or scheduling."""
    assert rows(merged / "cell_grades.csv", set(SUBSET)) == rows(graded.course / "cell_grades.csv", set(SUBSET))
    for student in SUBSET:
        assignment = graded.cases[student].assignment
        assert outputs_of(merged, student, assignment) == outputs_of(graded.course, student, assignment), student


def outputs_of(course: Path, student: str, assignment: str) -> list[list[str]]:
    [path] = sorted((course / "autograded" / student / assignment).glob("*.ipynb"))
    nb = nbformat.read(path, as_version=4)
    return [[o.get("text") or o.get("evalue") or str(o.get("data", {}).get("text/plain")) for o in c.outputs]
            for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"]
