"""nbgrader configuration for the svclab course.

Sources (with solutions and hidden tests) live in solutions/<assignment>/; `nbgrader generate_assignment`
writes the student release into exercises/<assignment>/. The course root is this folder, so running nbgrader
here (or `make exercises` / `make grade`) needs no exchange. The grading loop (svclab/grading/loop.py) loads
this file and overrides the root, the gradebook, the timeout and how cells are executed (solutions/README.md).
"""

import os

c = get_config()  # noqa: F821 - provided by traitlets when nbgrader loads this file

c.CourseDirectory.course_id = "svclab"
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}

# Autograding is `svclab grade` (solutions/README.md): each submission's kernel is confined as a user of its
# own, and the test cells run in a trusted process beside its own fresh, seeded embedded cluster. Plain
# `nbgrader autograde` (and formgrader's Autograde button) runs everything in one unconfined kernel that starts
# its own cluster (NBGRADER_EXECUTION is set): fine for your own test notebooks, not for a class. A cell that
# runs longer than this (an infinite loop) is interrupted and marked failed; grading goes on with the next cell.
c.Execute.timeout = 120
c.Execute.interrupt_on_timeout = True

# Feedback shows every test's result and message but never the code of hidden tests. Hidden regions are
# removed from test cells only: an answer that merely contains the marker text stays as the learner wrote it
# (nbgrader's own ClearHiddenTests fails the whole notebook on it).
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "svclab.grading.feedback.ClearHiddenTestsInTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
