"""Checks for the svclab exercises (nbgrader test cells) and the per-question `check("q1")` learners run.

    from svclab.grading import ps1 as grade
    check = grade.check
    check("q1")            # the visible checks of question 1: what passed, what is wrong
    grade.q1_selector()    # one check, as a test cell runs it

Importing this package keeps warnings and library logs off stderr (nbgrader scores stderr as 0).
"""

from svclab.grading.answers import answer, find, objects
from svclab.grading.core import Assignment, CheckFailed, proving, quiet

quiet()

__all__ = ["Assignment", "CheckFailed", "answer", "find", "objects", "proving", "quiet"]
