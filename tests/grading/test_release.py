"""exercises/ is exactly what `nbgrader generate_assignment` makes from solutions/ (regenerated and compared)."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tools"))

import build_exercises  # noqa: E402


def files(root: Path) -> dict[str, bytes]:
    """The release's files; JupyterLab's checkpoints (git-ignored, made when a learner opens an exercise) are not."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() and ".ipynb_checkpoints" not in p.parts}


def test_exercises_equal_a_fresh_generate_assignment(tmp_path: Path) -> None:
    names = build_exercises.build(tmp_path / "release")
    assert names == sorted(p.name for p in (REPO / "solutions").iterdir() if p.is_dir())
    fresh, committed = files(tmp_path / "release"), files(REPO / "exercises")
    assert sorted(fresh) == sorted(committed)
    stale = [name for name in fresh if fresh[name] != committed[name]]
    assert stale == [], "exercises/ is out of date: run `make exercises`"


def test_the_release_has_no_solutions_or_hidden_tests() -> None:
    for path in sorted((REPO / "exercises").glob("*/*.ipynb")):
        text = path.read_text()
        assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text
        nb = nbformat.read(path, as_version=4)
        answers = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
        assert answers and all("raise NotImplementedError()" in c.source for c in answers)
        tests = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
        assert tests and all(c.metadata.nbgrader["locked"] and c.metadata.nbgrader["points"] > 0 for c in tests)
