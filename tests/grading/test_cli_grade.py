"""`svclab grade` (what `make grade` runs) on a folder with one submission."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

from svclab.grading.submissions import submit


def test_svclab_grade_writes_grades_and_feedback(tmp_path: Path) -> None:
    submitted = tmp_path / "submitted"
    submit(submitted, "ada", "ps4-mixed-pattern", [])
    run = subprocess.run([sys.executable, "-m", "svclab.cli", "grade", str(submitted), "--jobs", "1"], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.startswith("graded 1 submission(s) with 1 worker(s) in ")
    with (tmp_path / "grades.csv").open() as f:
        [row] = list(csv.DictReader(f))
    assert (row["student_id"], row["assignment"], float(row["score"]), float(row["max_score"])) == ("ada", "ps4-mixed-pattern", 8.0, 8.0)
    assert list((tmp_path / "feedback" / "ada" / "ps4-mixed-pattern").glob("*.html"))
