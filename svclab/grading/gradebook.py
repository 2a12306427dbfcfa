"""The course gradebook: the one nbgrader database formgrader shows, and where every grade lands.

- `ensure_assignments` records the assignments being graded (cells, points, test code) from the sources, with
  nbgrader's GenerateAssignment (its release goes to a scratch folder, never to `exercises/`).
- `record` puts one autograded submission into the gradebook, as nbgrader's own autograde would (student,
  submission and timestamp, then SaveAutoGrades and AssignLatePenalties on the autograded notebook), keeping any
  score an instructor entered by hand in formgrader. The grading loop records each submission as its worker
  finishes it; `--merge` records the shards' autograded notebooks the same way.
- `export` writes `grades.csv` (nbgrader's CSV export: a submission's score is its manual score where an
  instructor gave one, else the autograder's) and `cell_grades.csv` (one row per test cell), from the gradebook.
"""

from __future__ import annotations

import csv
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

CELL_COLUMNS = ["student", "assignment", "notebook", "cell", "score", "max_score"]


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def db_path(db_url: str) -> Path | None:
    return Path(db_url[len("sqlite:///"):].split("?", 1)[0]) if db_url.startswith("sqlite:///") else None


def _quiet(component: Any) -> Any:
    component.log.setLevel(logging.WARNING)
    return component


def create(db_url: str) -> None:
    """The gradebook's database, made (empty) when missing."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url):
        pass


def ensure_assignments(db_url: str, solutions: Path, names: list[str], config: Any, scratch: Path) -> None:
    """GenerateAssignment for each of `names` into the gradebook (release into `scratch`)."""
    from nbgrader.converters import GenerateAssignment
    from nbgrader.coursedir import CourseDirectory

    config = config.copy()
    config.CourseDirectory.root = str(scratch)
    config.CourseDirectory.source_directory = str(solutions.resolve())
    config.CourseDirectory.release_directory = str(scratch / "release")
    config.CourseDirectory.db_url = db_url
    for name in names:
        coursedir = CourseDirectory(config=config)
        coursedir.assignment_id = name
        converter = _quiet(GenerateAssignment(coursedir=coursedir, config=config))
        converter.force = True
        converter.start()


def record(db_url: str, folder: Path, student: str, assignment: str, needs_review: bool = False) -> None:
    """Record the autograded submission in `folder` (autograded/<student>/<assignment>) in the gradebook.

    A notebook of the assignment that is not there (the submission could not be graded at all) scores 0 and
    is marked for manual review, as is every cell of a submission with `needs_review` (its kernel died)."""
    import nbformat

    from nbgrader.api import Gradebook
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.preprocessors import AssignLatePenalties, SaveAutoGrades

    timestamp = CourseDirectory().get_existing_timestamp(str(folder)) if folder.is_dir() else None
    with Gradebook(db_url) as gb:
        gb.update_or_create_student(student)
        if timestamp:
            gb.update_or_create_submission(assignment, student, timestamp=timestamp)
        else:
            gb.update_or_create_submission(assignment, student)
        notebooks = [nb.name for nb in gb.find_assignment(assignment).notebooks]
    for name in notebooks:
        path = folder / f"{name}.ipynb"
        if path.is_file():
            nb = nbformat.read(path, as_version=4)
            resources = {"nbgrader": {"notebook": name, "assignment": assignment, "student": student, "db_url": db_url}}
            nb, resources = _quiet(SaveAutoGrades()).preprocess(nb, resources)
            _quiet(AssignLatePenalties()).preprocess(nb, resources)
        with Gradebook(db_url) as gb:
            submitted = gb.find_submission_notebook(name, assignment, student)
            for grade in submitted.grades:
                if not path.is_file():
                    grade.auto_score = 0.0
                if not path.is_file() or needs_review:
                    grade.needs_manual_grade = True
            gb.db.commit()


def submitted_pairs(db_url: str) -> set[tuple[str, str]]:
    from nbgrader.api import Gradebook

    with Gradebook(db_url) as gb:
        return {(s.student.id, a.name) for a in gb.assignments for s in a.submissions}


def export(db_url: str, grades_csv: Path, cells_csv: Path) -> None:
    """grades.csv (nbgrader's CSV export, one row per submission) and cell_grades.csv, from the gradebook."""
    from nbgrader.api import Gradebook
    from nbgrader.plugins import CsvExportPlugin

    pairs = submitted_pairs(db_url)
    with tempfile.TemporaryDirectory(prefix="svclab-export-") as tmp:
        raw = Path(tmp) / "grades.csv"
        with Gradebook(db_url) as gb:
            _quiet(CsvExportPlugin(to=str(raw))).export(gb)
        with raw.open(newline="") as f:
            reader = csv.DictReader(f)
            header = list(reader.fieldnames or [])
            rows = [r for r in reader if (r["student_id"], r["assignment"]) in pairs]
    rows.sort(key=lambda r: (r["student_id"], r["assignment"]))
    _write_csv(grades_csv, header, rows)
    cells: list[dict[str, Any]] = []
    with Gradebook(db_url) as gb:
        for assignment in gb.assignments:
            for submission in gb.assignment_submissions(assignment.name):
                for nb in submission.notebooks:
                    for grade in nb.grades:
                        if grade.cell.cell_type != "code" or grade.max_score == 0:
                            continue
                        cells.append({"student": submission.student.id, "assignment": assignment.name, "notebook": nb.name,
                                      "cell": grade.name, "score": grade.score, "max_score": grade.max_score})
    cells.sort(key=lambda r: (str(r["student"]), str(r["assignment"]), str(r["notebook"]), str(r["cell"])))
    _write_csv(cells_csv, CELL_COLUMNS, cells)


def _write_csv(path: Path, header: list[str], rows: list[dict[str, Any]]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    os.replace(tmp, path)


def copy_for_worker(db_url: str, target: Path) -> str:
    """A private copy of the gradebook (SQLite backup) for a worker's nbgrader Autograde; its URL."""
    import sqlite3

    source = db_path(db_url)
    if source is None:
        raise ValueError(f"the grading loop needs an SQLite gradebook, not {db_url}")
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    return sqlite_url(target)
