"""Submissions made from the release: untouched, or with answer cells filled from the solutions
(optionally edited) — what the roundtrip tests and the grading benchmarks feed the grading loop."""

from __future__ import annotations

from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[2]
SOLUTIONS = REPO / "solutions"
EXERCISES = REPO / "exercises"
Edit = tuple[str, str, str]  # (answer cell grade_id, old text, new text)


def notebook(folder: Path) -> Path:
    [path] = sorted(folder.glob("*.ipynb"))
    return path


def answers_of(assignment: str, solutions: Path = SOLUTIONS) -> dict[str, str]:
    nb = nbformat.read(notebook(solutions / assignment), as_version=4)
    return {c.metadata.nbgrader["grade_id"]: c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")}


def submit(submitted: Path, student: str, assignment: str, edits: list[Edit] | None, exercises: Path = EXERCISES, solutions: Path = SOLUTIONS,
           extra: list[tuple[str, str]] | None = None) -> Path:
    """Write `submitted/<student>/<assignment>/<notebook>`: the release with answers filled from the
    solution and then edited, or (edits None) the release untouched. An edit that no longer applies fails.
    `extra` adds cells of the learner's own: (grade_id of the cell to put it after, its code)."""
    release = notebook(exercises / assignment)
    nb = nbformat.read(release, as_version=4)
    if edits is not None:
        answers = answers_of(assignment, solutions)
        for grade_id, old, new in edits:
            assert old in answers[grade_id], f"edit for {student} no longer applies: {old!r} not in {grade_id}"
            answers[grade_id] = answers[grade_id].replace(old, new)
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id in answers:
                cell.source = answers[grade_id]
    for after, code in extra or []:
        index = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == after)
        nb.cells.insert(index + 1, nbformat.v4.new_code_cell(code))
    target = submitted / student / assignment / release.name
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, target)
    return target
