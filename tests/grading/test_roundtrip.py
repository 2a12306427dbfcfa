"""The grading roundtrip on one class (classroom.py), graded once by the real `svclab grade` (conftest.py):

- every solution scores full marks, every untouched release 0, each plausible mistake loses exactly its cells;
- submissions that break or cheat: nbgrader's markers as text, os._exit, a runaway exec, 8 GiB of Python, a loop
  that ignores interrupts, rebinding the grading helpers, reading solutions/ and the gradebook and writing the
  install, an always-equal str — the class run completes, each scores exactly what its correct cells earn,
  none reads or writes what it must not, and each failure is its own row in failed.csv;
- feedback shows the tests' messages, never hidden-test code; grades.csv agrees with the cells; no temp folder
  is left behind.
"""

from __future__ import annotations

import csv
import html
import re
from collections import defaultdict
from pathlib import Path

import nbformat
import pytest

from svclab.grading.submissions import notebook
from tests.grading import classroom
from tests.grading.conftest import GradedClass, hidden_test_lines, install_files

SOLUTIONS = classroom.REPO / "solutions"
CASES = classroom.students()


def cells(course: Path) -> dict[str, dict[str, tuple[float, float]]]:
    table: dict[str, dict[str, tuple[float, float]]] = defaultdict(dict)
    with (course / "cell_grades.csv").open() as f:
        for row in csv.DictReader(f):
            table[row["student"]][row["cell"]] = (float(row["score"]), float(row["max_score"]))
    return table


def test_the_class_run_completes(graded: GradedClass) -> None:
    assert graded.run.returncode == 0, graded.run.stdout + graded.run.stderr
    assert graded.run.stdout.startswith(f"graded {len(graded.cases)} submission(s) with 2 worker(s) in ")
    assert (graded.course / "grades.csv").exists() and (graded.course / "gradebook.db").exists()


@pytest.mark.parametrize("student", CASES)
def test_each_submission_scores_exactly_what_its_correct_cells_earn(graded: GradedClass, student: str) -> None:
    case = graded.cases[student]
    scores = cells(graded.course)[student]
    assert len(scores) >= 5, f"{student} has no grades"
    lost = {cell for cell, (score, most) in scores.items() if score < most}
    assert lost == (set(scores) if case.lost is None else case.lost)
    assert all(scores[cell][0] == 0 for cell in lost)  # each test cell is all or nothing


def failed_rows(course: Path) -> dict[tuple[str, str], str]:
    path = course / "failed.csv"
    if not path.exists():
        return {}
    with path.open(newline="") as f:
        return {(row["student"], row["assignment"]): row["reason"] for row in csv.DictReader(f)}


def test_each_failure_is_its_own_row_in_failed_csv_with_the_reason(graded: GradedClass) -> None:
    rows = failed_rows(graded.course)
    expected = {(student, case.assignment): case.failed for student, case in graded.cases.items() if case.failed}
    assert set(rows) == set(expected)
    for key, reason in expected.items():
        assert reason is not None and reason in rows[key], rows[key]


def test_a_dead_kernel_keeps_the_points_earned_before_it(graded: GradedClass) -> None:
    with (graded.course / "grades.csv").open() as f:
        rows = {(r["student_id"], r["assignment"]): float(r["score"]) for r in csv.DictReader(f)}
    assert rows[("os-exit", "ps4-mixed-pattern")] == 8.0  # 10 points, q3-counts and q3-hidden (2) lost to os._exit
    nb = nbformat.read(notebook(graded.course / "autograded" / "os-exit" / "ps4-mixed-pattern"), as_version=4)
    after = [c for c in nb.cells if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade_id") in ("q3-counts", "q3-hidden")]
    assert after and all(o.get("ename") == "NotRun" for c in after for o in c.outputs)


def test_an_interrupted_cell_costs_that_cell_and_the_next_cells_run(graded: GradedClass) -> None:
    nb = nbformat.read(notebook(graded.course / "autograded" / "ps1-infinite-loop" / "ps1-clusterip"), as_version=4)
    [stuck] = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "q3-answer"]
    assert any(o.output_type == "error" for o in stuck.outputs)
    after = [c for c in nb.cells[nb.cells.index(stuck) + 1:] if c.cell_type == "code"]
    assert after and all(c.get("execution_count") for c in after)  # the cells after it still ran


def learner_cell(graded: GradedClass, student: str, assignment: str, marker: str) -> nbformat.NotebookNode:
    nb = nbformat.read(notebook(graded.course / "autograded" / student / assignment), as_version=4)
    [cell] = [c for c in nb.cells if marker in c.source and not c.metadata.get("nbgrader")]
    return cell


def text_of(cell: nbformat.NotebookNode) -> str:
    return "".join(o.get("text", "") for o in cell.outputs) + "".join(f"{o.get('ename')}: {o.get('evalue')}" for o in cell.outputs if o.output_type == "error")


def test_a_runaway_exec_is_bounded_and_costs_nothing_else(graded: GradedClass) -> None:
    """The exec's CPU budget ends it (10 s of CPU: exit 152); on a machine so busy that 10 s of CPU take longer
    than the cell's timeout, the timeout interrupts the cell first. Either way the kernel lives on, every cell
    after it runs, and the submission keeps all its points (test_each_submission_scores_exactly...)."""
    cell = learner_cell(graded, "runaway-exec", "ps1-clusterip", "seq 1 inf")
    out = text_of(cell)
    assert ("CPU time limit exceeded" in out and "exit code 152" in out) or "CellTimeoutError" in out, out
    nb = nbformat.read(notebook(graded.course / "autograded" / "runaway-exec" / "ps1-clusterip"), as_version=4)
    after = [c for c in nb.cells[nb.cells.index(cell) + 1:] if c.cell_type == "code"]
    assert after and all(c.get("execution_count") for c in after)
    assert not failed_rows(graded.course).get(("runaway-exec", "ps1-clusterip"))


def test_python_past_the_memory_limit_fails_that_cell_only(graded: GradedClass) -> None:
    assert "MemoryError" in text_of(learner_cell(graded, "memory-hog", "ps2-headless", "bytearray"))


def test_a_kernel_reads_no_secret_and_writes_nothing_of_the_install(graded: GradedClass) -> None:
    out = text_of(learner_cell(graded, "reads-secrets", "ps1-clusterip", "def attempt"))
    tried = [line for line in out.splitlines() if line.startswith(("GOT", "DENIED"))]
    secrets = ("solutions/", "the solution notebook", "the gradebook", "another submission", "the submissions", "autograded/",
               "the repository's .git", "solution", "course", "answers.txt")
    assert [line for line in tried if line.startswith("GOT read") and line.split(" ", 2)[2].startswith(secrets)] == []
    assert [line for line in tried if line.startswith(("GOT write", "GOT kill"))] == []
    assert "GOT read the cluster's environment" not in out
    assert sum(line.startswith("DENIED read") for line in tried) >= len(secrets) and len([t for t in tried if "write" in t]) == 4
    assert install_files() == graded.install_before  # not one byte of svclab changed
    for path in (classroom.REPO / "cheat.txt", graded.course / "cheat.txt"):
        assert not path.exists()


def test_rebound_helpers_change_nothing(graded: GradedClass) -> None:
    nb = nbformat.read(notebook(graded.course / "autograded" / "rebinds-helpers" / "ps1-clusterip"), as_version=4)
    tests = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"]
    assert tests and all(any(o.output_type == "error" for o in c.outputs) for c in tests)
    assert "✔ passed" not in "".join(text_of(c) for c in tests)


def test_an_always_equal_str_is_not_an_answer(graded: GradedClass) -> None:
    nb = nbformat.read(notebook(graded.course / "autograded" / "always-equal" / "ps5-service-types"), as_version=4)
    shape = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "q4-shape")
    assert "Same" in text_of(shape)  # named for what it is
    srv = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "q3-srv")
    assert "should be a whole number (int), but it is a Port" in text_of(srv)


def test_grades_csv_matches_the_cells(graded: GradedClass) -> None:
    table = cells(graded.course)
    with (graded.course / "grades.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(table) == len(graded.cases)
    for row in rows:
        scores = table[row["student_id"]]
        assert float(row["raw_score"]) == pytest.approx(sum(s for s, _ in scores.values()))
        assert float(row["max_score"]) == pytest.approx(sum(m for _, m in scores.values()))


def hidden_lines(assignment: str) -> list[str]:
    """Every code line inside a BEGIN/END HIDDEN TESTS region of the source notebook."""
    nb = nbformat.read(notebook(SOLUTIONS / assignment), as_version=4)
    lines = [line for cell in nb.cells for line in hidden_test_lines(cell.source) if len(line) > 12]
    assert lines, f"{assignment} has no hidden tests"
    return lines


def visible_text(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def page(graded: GradedClass, student: str) -> str:
    [found] = sorted((graded.course / "feedback" / student / graded.cases[student].assignment).glob("*.html"))
    return visible_text(found.read_text())


@pytest.mark.parametrize("assignment", classroom.ASSIGNMENTS)
def test_feedback_shows_messages_but_no_hidden_test_code(graded: GradedClass, assignment: str) -> None:
    students = [s for s, case in graded.cases.items() if case.assignment == assignment]
    secret = hidden_lines(assignment)
    for student in students:
        text = page(graded, student)
        leaked = [line for line in secret if line in text]
        assert leaked == [], f"{student}'s feedback shows hidden test code"
        if student != "markers-as-text":
            assert "HIDDEN TESTS" not in text
    assert "is not defined: write your answer in the cell" in page(graded, f"blank-{assignment[:3]}")
    solved = page(graded, f"solution-{assignment[:3]}")
    assert "✔" in solved and "✘" not in solved


def test_markers_in_an_answer_stay_as_the_learner_wrote_them(graded: GradedClass) -> None:
    text = page(graded, "markers-as-text")
    assert "# notes: ### BEGIN HIDDEN TESTS (the grader's marker)" in text


def test_feedback_for_a_mistake_teaches(graded: GradedClass) -> None:
    text = page(graded, "ps1-wrong-selector")
    assert "your Service `web-service` selects `app=webapp` but the pods are labelled `app=web,tier=frontend`" in text
    assert "serviceName points at `db`, which has a cluster IP" in page(graded, "ps3-servicename-clusterip")
    assert "`db0_lookup` looked up `db-headless`, the Service" in page(graded, "ps3-service-lookup")


def test_no_test_cell_wrote_to_stderr(graded: GradedClass) -> None:
    for path in (graded.course / "autograded").glob("*/*/*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.metadata.get("nbgrader", {}).get("grade"):
                assert not [o for o in cell.get("outputs", []) if o.output_type == "stream" and o.name == "stderr"], path


def test_no_temp_folder_is_left_behind(graded: GradedClass) -> None:
    assert sorted(p.name for p in graded.tmpdir.iterdir()) == []
