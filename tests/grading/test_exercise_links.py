"""The exercises' feedback sends learners to lesson sections that exist, and the exercises ask for understanding:
no question's text hands over the call or the field that holds its answer, and every problem set has a
prediction graded as it was when its cell ran."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from svclab.grading.scoring import LESSONS, lesson
from svclab.grading.submissions import SOLUTIONS, notebook

REPO = Path(__file__).resolve().parents[2]
ASSIGNMENTS = sorted(p.name for p in SOLUTIONS.iterdir() if p.is_dir())
CALL = re.compile(r"""lesson\(\s*["'](\d\d)["']\s*,\s*["']([^"']+)["']\s*\)""")


def headings(number: str) -> set[str]:
    [source] = (REPO / "tools" / "lessons").glob(f"{number}-*.py")
    return {line[5:].strip() for line in source.read_text().splitlines() if line.startswith("# ## ")}


def referenced() -> list[tuple[str, str, str]]:
    """(where, lesson number, section) for every lesson(...) in the grading modules and the source notebooks."""
    found = []
    for path in sorted((REPO / "svclab" / "grading").glob("ps*.py")):
        found += [(path.name, n, s) for n, s in CALL.findall(path.read_text())]
    for assignment in ASSIGNMENTS:
        text = "\n".join(c.source for c in nbformat.read(notebook(SOLUTIONS / assignment), as_version=4).cells)
        found += [(assignment, n, s) for n, s in CALL.findall(text)]
    return found


def test_every_section_the_feedback_links_exists_in_its_lesson() -> None:
    refs = referenced()
    assert len(refs) > 20
    missing = [(where, n, s) for where, n, s in refs if s not in headings(n)]
    assert missing == []


def test_a_link_names_the_lesson_notebook_and_its_heading_anchor() -> None:
    assert lesson("02", "Reading busybox `nslookup`") == \
        "(lesson 02, “Reading busybox nslookup”: notebooks/02-headless.ipynb#Reading-busybox-nslookup)"
    assert all((REPO / "tools" / "lessons" / f"{stem}.py").exists() for stem in LESSONS.values())


HANDED_OVER = [r"\.addresses\[", r"\.misses", r"lab\.count_backends\(", r'lab\.dig\("\+short", "SRV"', r'lab\.kubectl\("delete pod']


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_no_question_text_hands_over_the_call_that_answers_it(assignment: str) -> None:
    nb = nbformat.read(notebook(SOLUTIONS / assignment), as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert [p for p in HANDED_OVER if re.search(p, text)] == []


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_each_problem_set_grades_a_prediction_read_as_it_was_when_its_cell_ran(assignment: str) -> None:
    nb = nbformat.read(notebook(SOLUTIONS / assignment), as_version=4)
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    predict = [i for i in ids if i and i.endswith("-predict")]
    assert predict, f"{assignment} has no prediction cell"
    for cell_id in predict:
        graded = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade") and f'at="{cell_id}"' in c.source]
        assert graded and all("BEGIN HIDDEN TESTS" in c.source for c in graded), f"{assignment}: {cell_id} is not graded, hidden"
        # graded after the prediction ran
        assert ids.index(cell_id) < min(ids.index(c.metadata.nbgrader["grade_id"]) for c in graded)
