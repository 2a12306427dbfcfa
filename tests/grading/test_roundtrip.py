"""The nbgrader roundtrip, through the real grading loop (nbgrader generate/autograde/feedback/export):

- every solution scores full marks, every untouched release scores 0;
- each plausible wrong answer (made by editing a solution's answer cell) loses exactly the cells it should;
- an infinite loop is interrupted by the per-cell timeout, only its question loses points, grading goes on;
- feedback shows the tests' messages but never hidden-test code; grades.csv agrees with the cells.

One loop run (two workers) grades all submissions; the tests below read its outputs.
"""

from __future__ import annotations

import csv
import html
import re
from collections import defaultdict
from pathlib import Path
from typing import Iterator

import nbformat
import pytest

from svclab.grading import loop
from svclab.grading.submissions import notebook, submit

REPO = Path(__file__).resolve().parents[2]
SOLUTIONS = REPO / "solutions"
EXERCISES = REPO / "exercises"
ASSIGNMENTS = sorted(p.name for p in SOLUTIONS.iterdir() if p.is_dir())

# student -> (assignment, [(answer cell grade_id, old text, new text)], cells that must lose their points)
DNS_SVC = 'db_manifests = """\napiVersion: v1\nkind: Service\nmetadata:\n  name: db\nspec:\n  selector:\n    app: db\n  ports:\n  - name: http\n    port: 8080\n---'
MISTAKES: dict[str, tuple[str, list[tuple[str, str, str]], set[str]]] = {
    "ps1-wrong-selector": ("ps1-clusterip", [("q1-answer", "    app: web\n  ports:", "    app: webapp\n  ports:")], {"q1-selector", "q1-hidden"}),
    "ps1-pod-ip": ("ps1-clusterip", [("q2-answer", "web_ip = found.addresses[0]", 'web_ip = lab.pods("app=web")["ip"][0]')], {"q2-range", "q2-now", "q2-hidden"}),
    "ps1-no-affinity": ("ps1-clusterip", [("q3-answer", "  sessionAffinity: ClientIP\n  sessionAffinityConfig:\n    clientIP:\n      timeoutSeconds: 600\n", "")],
                        {"q3-manifest", "q3-counts", "q3-hidden"}),
    "ps1-infinite-loop": ("ps1-clusterip", [("q3-answer", "web_sticky = ", "while True:\n    pass\nweb_sticky = ")], {"q3-manifest", "q3-counts", "q3-hidden"}),
    "ps2-no-cluster-ip-none": ("ps2-headless", [("q1-answer", "  clusterIP: None\n  selector:\n    app: cache", "  selector:\n    app: cache")],
                               {"q1-headless", "q1-hidden-a", "q1-hidden-srv", "q2-hidden"}),
    "ps2-slice-unlabelled": ("ps2-headless", [("q3-answer", "  labels:\n    kubernetes.io/service-name: legacy-db\n", "")], {"q3-slice", "q3-hidden"}),
    "ps2-unnamed-port": ("ps2-headless", [("q1-answer", "  - name: redis\n    port: 6379", "  - port: 6379")], {"q1-port", "q1-hidden-srv"}),
    "ps3-servicename-clusterip": ("ps3-statefulset-dns", [("q1-answer", 'db_manifests = """', DNS_SVC), ("q1-answer", "serviceName: db-headless", "serviceName: db")],
                                  {"q1-servicename", "q2-ip", "q2-hidden", "q3-after", "q3-hidden"}),
    "ps3-unnamed-port": ("ps3-statefulset-dns", [("q1-answer", "        - name: http\n          containerPort: 8080", "        - containerPort: 8080")], {"q1-ports"}),
    "ps4-read-selects-primary": ("ps4-mixed-pattern", [("q1-answer", "    app: mysql\n    role: replica\n", "    app: mysql\n")],
                                 {"q1-selector", "q1-hidden", "q3-counts", "q3-hidden"}),
    "ps4-writes-to-read-service": ("ps4-mixed-pattern", [("q2-answer", 'write_host = "mysql-0.mysql-headless"', 'write_host = "mysql-read"')], {"q2-write", "q2-hidden"}),
    "ps5-not-nodeport": ("ps5-service-types", [("q1-answer", "  type: NodePort\n", ""), ("q1-answer", "    nodePort: 30080\n", "")], {"q1-type", "q1-hidden"}),
    "ps5-short-externalname": ("ps5-service-types", [("q2-answer", '"web-nodeport.ps5.svc.cluster.local"', '"web-nodeport"')], {"q2-alias", "q2-hidden"}),
    "ps5-wrong-choice": ("ps5-service-types", [("q4-answer", '"Headless",', '"ClusterIP",')], {"q4-hidden"}),
    "ps6-read-selects-primary": ("ps6-capstone", [("manifests-answer", "{app: shop, tier: db, role: replica}", "{app: shop, tier: db}")], {"q4-read", "q4-hidden", "q5-hidden"}),
    "ps6-api-no-affinity": ("ps6-capstone", [("manifests-answer", "  sessionAffinity: ClientIP\n", "")], {"q2-api", "q2-hidden"}),
    "ps6-servicename-read": ("ps6-capstone", [("manifests-answer", "serviceName: db-headless", "serviceName: db-read")], {"q3-identity", "q3-hidden", "q5-primary-ip"}),
}


KERNEL_KILLER = "ps1-kernel-killer"


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    course = tmp_path_factory.mktemp("course")
    submitted = course / "submitted"
    for assignment in ASSIGNMENTS:
        submit(submitted, "solution", assignment, [])
        submit(submitted, "blank", assignment, None)
    for student, (assignment, edits, _) in MISTAKES.items():
        submit(submitted, student, assignment, edits)
    submit(submitted, KERNEL_KILLER, "ps1-clusterip", [("q3-answer", "web_sticky = ", "import os\nos._exit(1)\nweb_sticky = ")])
    loop.grade(submitted, course, jobs=2, timeout=20)
    yield course


def cells(course: Path) -> dict[tuple[str, str], dict[str, tuple[float, float]]]:
    table: dict[tuple[str, str], dict[str, tuple[float, float]]] = defaultdict(dict)
    with (course / "cell_grades.csv").open() as f:
        for row in csv.DictReader(f):
            table[(row["student"], row["assignment"])][row["cell"]] = (float(row["score"]), float(row["max_score"]))
    return table


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solutions_score_full_marks(graded: Path, assignment: str) -> None:
    scores = cells(graded)[("solution", assignment)]
    assert len(scores) >= 5
    assert {cell: s for cell, s in scores.items() if s[0] != s[1]} == {}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_untouched_release_scores_zero(graded: Path, assignment: str) -> None:
    scores = cells(graded)[("blank", assignment)]
    assert scores and all(score == 0 for score, _ in scores.values())


@pytest.mark.parametrize("student", sorted(MISTAKES))
def test_a_mistake_loses_exactly_its_points(graded: Path, student: str) -> None:
    assignment, _, expected = MISTAKES[student]
    scores = cells(graded)[(student, assignment)]
    lost = {cell for cell, (score, most) in scores.items() if score < most}
    assert lost == expected
    assert all(scores[cell][0] == 0 for cell in lost)  # each test cell is all or nothing
    full = cells(graded)[("solution", assignment)]
    assert sum(s for s, _ in scores.values()) == sum(s for s, _ in full.values()) - sum(scores[c][1] for c in expected)


def test_an_infinite_loop_is_cut_by_the_timeout_and_grading_goes_on(graded: Path) -> None:
    nb = nbformat.read(notebook(graded / "autograded" / "ps1-infinite-loop" / "ps1-clusterip"), as_version=4)
    [stuck] = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "q3-answer"]
    assert any(o.output_type == "error" for o in stuck.outputs)
    after = [c for c in nb.cells[nb.cells.index(stuck) + 1:] if c.cell_type == "code"]
    assert after and all(c.get("execution_count") for c in after)  # the cells after it still ran


def test_grades_csv_matches_the_cells(graded: Path) -> None:
    table = cells(graded)
    with (graded / "grades.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(table) == 2 * len(ASSIGNMENTS) + len(MISTAKES) + 1  # + the kernel killer
    for row in rows:
        scores = table[(row["student_id"], row["assignment"])]
        assert float(row["raw_score"]) == pytest.approx(sum(s for s, _ in scores.values()))
        assert float(row["max_score"]) == pytest.approx(sum(m for _, m in scores.values()))


def hidden_lines(assignment: str) -> list[str]:
    """Every code line inside a BEGIN/END HIDDEN TESTS region of the source notebook."""
    nb = nbformat.read(notebook(SOLUTIONS / assignment), as_version=4)
    lines: list[str] = []
    for cell in nb.cells:
        inside = False
        for line in cell.source.splitlines():
            if "BEGIN HIDDEN TESTS" in line:
                inside = True
            elif "END HIDDEN TESTS" in line:
                inside = False
            elif inside and len(line.strip()) > 12:
                lines.append(line.strip())
    assert lines, f"{assignment} has no hidden tests"
    return lines


def visible_text(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", page))


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_feedback_shows_messages_but_no_hidden_test_code(graded: Path, assignment: str) -> None:
    pages = sorted((graded / "feedback").glob(f"*/{assignment}/*.html"))
    students = {p.parts[-3] for p in pages}
    assert {"solution", "blank"} <= students
    secret = hidden_lines(assignment)
    for page in pages:
        text = visible_text(page.read_text())
        assert "HIDDEN TESTS" not in text
        leaked = [line for line in secret if line in text]
        assert leaked == [], f"{page} shows hidden test code"
    blank = visible_text(notebook_html(graded, "blank", assignment))
    assert "is not defined: write your answer in the cell" in blank  # failures explain themselves
    solved = visible_text(notebook_html(graded, "solution", assignment))
    assert "✔" in solved and "✘" not in solved


def notebook_html(course: Path, student: str, assignment: str) -> str:
    [page] = sorted((course / "feedback" / student / assignment).glob("*.html"))
    return page.read_text()


def test_feedback_for_a_mistake_teaches(graded: Path) -> None:
    text = visible_text(notebook_html(graded, "ps1-wrong-selector", "ps1-clusterip"))
    assert "your Service `web-service` selects `app=webapp` but the pods are labelled `app=web,tier=frontend`" in text
    text = visible_text(notebook_html(graded, "ps3-servicename-clusterip", "ps3-statefulset-dns"))
    assert "serviceName points at `db`, which has a cluster IP" in text


def test_no_test_cell_wrote_to_stderr(graded: Path) -> None:
    for path in (graded / "autograded").glob("*/*/*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.metadata.get("nbgrader", {}).get("grade"):
                assert not [o for o in cell.get("outputs", []) if o.output_type == "stream" and o.name == "stderr"], path


def test_a_submission_that_kills_its_kernel_scores_zero_and_grading_goes_on(graded: Path) -> None:
    failed = (graded / "failed.csv").read_text().splitlines()
    assert [line.split(",")[:2] for line in failed] == [[KERNEL_KILLER, "ps1-clusterip"]]
    with (graded / "grades.csv").open() as f:
        rows = {(r["student_id"], r["assignment"]): float(r["score"]) for r in csv.DictReader(f)}
    assert rows[(KERNEL_KILLER, "ps1-clusterip")] == 0.0
    assert rows[("solution", "ps1-clusterip")] == 10.0  # graded in the same worker run
