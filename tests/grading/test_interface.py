"""The interface for writing checks (svclab/grading/__init__.py, "Writing checks"), held by every source notebook:
test cells use only the grader's names, answers are declared, hidden checks stay out of psN.py, and partial
credit is scored by nbgrader as the docstring says."""

from __future__ import annotations

import ast
import builtins
import re
from pathlib import Path

import nbformat
import pytest
from nbgrader.utils import determine_grade

from svclab.grading import trusted
from svclab.grading.answers import Answers
from svclab.grading.submissions import SOLUTIONS, notebook
from tests.grading.conftest import hidden_test_lines

ASSIGNMENTS = sorted(p.name for p in SOLUTIONS.iterdir() if p.is_dir())
READERS = ("answer", "peek", "objects", "find")


def grade_cells(assignment: str) -> list[nbformat.NotebookNode]:
    nb = nbformat.read(notebook(SOLUTIONS / assignment), as_version=4)
    return [c for c in nb.cells if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")
            and not c.metadata["nbgrader"].get("solution")]


def free_names(source: str) -> set[str]:
    """Names a cell reads that it never binds itself (its own assignments, loop targets, comprehensions, lambdas)."""
    tree = ast.parse(source)
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bound.add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
    read = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return read - bound - set(dir(builtins))


def names_read(source: str) -> set[str]:
    """The answers a test cell reads by name: answer("x"), find("x", ...), ..."""
    tree = ast.parse(source)
    return {call.args[0].value for call in ast.walk(tree) if isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
            and call.func.id in READERS and call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str)}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_test_cells_use_only_the_graders_names_and_declared_answers(assignment: str) -> None:
    module = trusted.assignment_module(assignment)
    module_source = Path(module.__file__).read_text()
    for cell in grade_cells(assignment):
        grade_id = cell.metadata["nbgrader"]["grade_id"]
        assert free_names(cell.source) <= set(trusted.NAMES), f"{assignment} {grade_id}: {free_names(cell.source) - set(trusted.NAMES)}"
        assert names_read(cell.source) <= set(module.A.answers), f"{assignment} {grade_id} reads undeclared answers"
        for called in re.findall(r"\bgrade\.(\w+)\(", cell.source):
            assert hasattr(module, called), f"{assignment} {grade_id}: grade.{called} does not exist"
    for name in re.findall(r"\b(?:answer|peek|objects|find)\(\s*\"(\w+)\"", module_source):
        assert name in module.A.answers, f"{module.__name__} reads `{name}`, which A.answers does not declare"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_hidden_checks_are_not_in_the_module_learners_can_read(assignment: str) -> None:
    module_source = Path(trusted.assignment_module(assignment).__file__).read_text()
    for cell in grade_cells(assignment):
        for line in hidden_test_lines(cell.source):
            if len(line) > 30:
                assert line not in module_source, f"{assignment}: a hidden check's line is in psN.py: {line}"


def score(source: str, points: float, answers: dict[str, object]) -> tuple[float, str]:
    """Run `source` as the trusted host runs a test cell, and score it as nbgrader's SaveAutoGrades does."""
    module = trusted.assignment_module("ps5-service-types")
    outputs = trusted.run_test_cell(source, "t", module, Answers(answers, {}, tuple(module.A.answers)))
    cell = nbformat.v4.new_code_cell(source, outputs=[nbformat.from_dict(o) for o in outputs],
                                     metadata={"nbgrader": {"grade": True, "solution": False, "points": points, "grade_id": "t"}})
    got, most = determine_grade(cell)
    assert most == points
    text = "".join(o.get("text", "") for o in outputs) + "".join(o.get("evalue", "") for o in outputs if o["output_type"] == "error")
    return float(got), text


PARTIAL = """
choices = answer("choices", dict)
partial("q4: each scenario", {s: (lambda s=s, want=want: expect.that(choices.get(s) == want, f"reconsider {s}"))
                              for s, want in zip(grade.SCENARIOS, ["ClusterIP", "Headless", "NodePort", "ExternalName"])}, points=2)
"""


def test_partial_credit_is_points_times_the_parts_passed() -> None:
    from svclab.grading.ps5 import SCENARIOS

    right = dict(zip(SCENARIOS, ["ClusterIP", "Headless", "NodePort", "ExternalName"]))
    assert score(PARTIAL, 2, {"choices": right})[0] == 2.0
    half = {**right, SCENARIOS[0]: "NodePort", SCENARIOS[1]: "ClusterIP"}
    got, text = score(PARTIAL, 2, {"choices": half})
    assert got == 1.0 and "2 of 4" in text and f"reconsider {SCENARIOS[0]}" in text
    assert score(PARTIAL, 2, {"choices": {s: "LoadBalancer" for s in SCENARIOS}})[0] == 0.0  # none passed: the cell fails


def test_a_check_in_a_proving_block_is_all_or_nothing() -> None:
    source = 'with proving("q3: srv"):\n    expect.that(answer("srv_port", int) == 80, "srv_port should be 80")\n'
    assert score(source, 1, {"srv_port": 80}) == (1.0, "✔ q3: srv\n")
    got, text = score(source, 1, {"srv_port": True})  # a bool is not an int
    assert got == 0.0 and "should be a whole number (int), but it is a bool" in text
