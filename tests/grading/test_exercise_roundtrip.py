"""The exercises graded as the grader grades them (`svclab grade`, confined kernels, trusted test cells): alternative
correct designs score full marks, predictions are graded as predictions, scenario questions give partial credit.

One class (exercise_cases.py), graded once per session. Issue 12, acceptance 5: an alternative correct answer for
ps5 q4 and ps6 q1 scores full marks; a learner who believes "ClusterIP DNS returns pod IPs" loses points in ps1;
ps7 perfect, blank and partial submissions, its other correct designs and its plausible mistakes.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from pathlib import Path
from typing import Iterator

import nbformat
import pytest

from svclab.grading.submissions import SOLUTIONS, notebook, submit
from tests.grading import exercise_cases
from tests.grading.conftest import can_sandbox, grade_cli

CASES = exercise_cases.cases()


def cell_scores(course: Path) -> dict[str, dict[str, tuple[float, float]]]:
    table: dict[str, dict[str, tuple[float, float]]] = defaultdict(dict)
    with (course / "cell_grades.csv").open() as f:
        for row in csv.DictReader(f):
            table[row["student"]][row["cell"]] = (float(row["score"]), float(row["max_score"]))
    return table


@pytest.fixture(scope="module")
def exercise_class(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    if not can_sandbox():
        pytest.skip("grading confines each kernel as a user of its own, which needs root (CI runs as root)")
    course = tmp_path_factory.mktemp("exercise-course")
    submitted = course / "submitted"
    for student, case in CASES.items():
        submit(submitted, student, case.assignment, case.edits)
    run = grade_cli(submitted, course, tmp_path_factory.mktemp("exercise-tmp"))
    assert run.returncode == 0, run.stdout + run.stderr
    yield course


def test_the_test_cells_are_the_solutions(exercise_class: Path) -> None:
    """Every case was graded on every test cell of its assignment."""
    scores = cell_scores(exercise_class)
    for student, case in CASES.items():
        nb = nbformat.read(notebook(SOLUTIONS / case.assignment), as_version=4)
        tests = {c.metadata.nbgrader["grade_id"] for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")}
        assert set(scores[student]) == tests, student


@pytest.mark.parametrize("student", sorted(CASES))
def test_each_case_scores_what_it_should_cell_by_cell(exercise_class: Path, student: str) -> None:
    case = CASES[student]
    scores = cell_scores(exercise_class)[student]
    if case.total is not None:
        assert sum(s for s, _ in scores.values()) == pytest.approx(case.total), scores
        return
    got = {cell: score for cell, (score, most) in scores.items() if score < most}
    assert got == pytest.approx(case.scores), scores


def test_a_learner_who_believes_clusterip_dns_returns_pod_ips_loses_points_in_ps1(exercise_class: Path) -> None:
    scores = cell_scores(exercise_class)
    full = sum(m for _, m in scores["ps1-predicts-pod-ips"].values())
    for student in ("ps1-predicts-pod-ips", "ps1-believes-pod-ips"):
        assert scores[student]["q2-prediction"][0] == 0
        assert sum(s for s, _ in scores[student].values()) < full


def test_alternative_correct_designs_score_full_marks(exercise_class: Path) -> None:
    scores = cell_scores(exercise_class)
    for student in ("ps5-alternatives", "ps6-loadbalancer", "ps6-own-design", "ps7-perfect", "ps7-alternatives"):
        assert all(s == m for s, m in scores[student].values()), (student, scores[student])


def feedback(course: Path, student: str) -> str:
    [page] = sorted((course / "feedback" / student).glob("*/*.html"))
    return re.sub(r"<[^>]+>", "", page.read_text())


def test_partial_feedback_says_which_scenario_failed_and_why(exercise_class: Path) -> None:
    text = feedback(exercise_class, "ps7-partial")
    assert "3 of 5" in text
    assert "the pods run but their readiness probe checks port 8081, where nothing listens" in text
    assert "grade.q2_settled()" not in text and "HIDDEN TESTS" not in text  # hidden tests stay out of feedback
    text = feedback(exercise_class, "ps5-one-scenario-wrong")
    assert "you chose ClusterIP: a client that must reach one replica needs a name per pod" in text


def test_ps7_predictions_are_graded_with_feedback_that_says_why(exercise_class: Path) -> None:
    text = feedback(exercise_class, "ps7-mistakes")
    assert "A namespace scopes names, not packets" in text  # q3: "the cluster IP does not answer another namespace"
    assert "you predicted 2; the client pod sends 8: www.example.com has 2 dots, fewer than ndots:5" in text
    assert "grade.from_auditor()" not in text and "HIDDEN TESTS" not in text
