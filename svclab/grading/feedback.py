"""Feedback for learners: nbgrader's GenerateFeedback, safe against what learners write, off the critical path.

`ClearHiddenTestsInTests` replaces nbgrader's ClearHiddenTests in feedback. nbgrader's strips hidden-test
regions from *every* cell and fails the whole notebook on an answer cell that merely contains the text
``### BEGIN HIDDEN TESTS`` ("No end hidden tests statement found"); this one strips them from test cells only
(whose code comes from the gradebook), where an unterminated region is removed to the end of the cell, and
leaves what learners wrote as they wrote it.

`python -m svclab.grading.feedback CONFIG_JSON` is the grading loop's feedback process: it reads
``{"student": ..., "assignment": ...}`` lines and writes each submission's HTML with GenerateFeedback, at low
CPU priority, while the workers grade; ``grades.csv`` never waits for it.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from typing import Any

from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode
from traitlets import Unicode

from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor

BEGIN, END = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"
FEEDBACK_PREPROCESSORS = [
    "nbgrader.preprocessors.GetGrades",
    "svclab.grading.feedback.ClearHiddenTestsInTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]


def strip_hidden(source: str, begin: str = BEGIN, end: str = END) -> tuple[str, bool]:
    """`source` without its hidden-test regions (marker lines included); an unterminated one runs to the end."""
    kept, inside, removed = [], False, False
    for line in source.splitlines(keepends=True):
        if not inside and begin in line:
            inside, removed = True, True
        elif inside and end in line:
            inside = False
        elif not inside:
            kept.append(line)
    return "".join(kept), removed


class ClearHiddenTestsInTests(NbGraderPreprocessor):  # type: ignore[misc]
    """Remove hidden-test regions from test cells only (see the module's docstring)."""

    begin_test_delimeter = Unicode(BEGIN).tag(config=True)
    end_test_delimeter = Unicode(END).tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict) -> tuple[NotebookNode, ResourcesDict]:
        nb, resources = super().preprocess(nb, resources)
        nb.metadata.pop("celltoolbar", None)
        return nb, resources

    def preprocess_cell(self, cell: NotebookNode, resources: ResourcesDict, cell_index: int) -> tuple[NotebookNode, ResourcesDict]:
        if utils.is_grade(cell) and not utils.is_solution(cell):
            cell.source, _ = strip_hidden(cell.source, self.begin_test_delimeter, self.end_test_delimeter)
        return cell, resources


def generate(root: str, db_url: str, student: str, assignment: str, config_file: str | None = None) -> None:
    """Write feedback/<student>/<assignment>/*.html under `root` from autograded/ and the gradebook."""
    from traitlets.config import Config

    from nbgrader.converters import GenerateFeedback
    from nbgrader.coursedir import CourseDirectory

    config = load_course_config(config_file)
    config.CourseDirectory.root = root
    config.CourseDirectory.db_url = db_url
    config.CourseDirectory.autograded_directory = "autograded"
    config.CourseDirectory.feedback_directory = "feedback"
    config.GenerateFeedback.preprocessors = FEEDBACK_PREPROCESSORS
    coursedir = CourseDirectory(config=config)
    coursedir.student_id = student
    coursedir.assignment_id = assignment
    converter = GenerateFeedback(coursedir=coursedir, config=config)
    converter.force = True
    converter.log.setLevel(logging.WARNING)
    converter.start()


def load_course_config(path: str | None) -> Any:
    """The course's nbgrader_config.py as a traitlets Config (empty without one)."""
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    if not path or not os.path.exists(path):
        return Config()
    loader = PyFileConfigLoader(os.path.basename(path), os.path.dirname(os.path.abspath(path)))
    return loader.load_config()


def main(argv: list[str] | None = None) -> None:
    args = json.loads((argv or sys.argv[1:])[0])
    os.nice(10)  # workers first: feedback fills the CPU they leave
    logging.basicConfig(level=logging.WARNING)
    for line in sys.stdin:
        job = json.loads(line)
        try:
            generate(args["root"], args["db_url"], job["student"], job["assignment"], args.get("config"))
            reply = {"done": job}
        except Exception as exc:  # noqa: BLE001 - one submission's feedback never stops the others
            reply = {"done": job, "error": f"{type(exc).__name__}: {exc}"}
        print(json.dumps(reply), flush=True)


if __name__ == "__main__":
    main()
