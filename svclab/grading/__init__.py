"""Checks for the svclab exercises (nbgrader test cells) and the per-question `check("q1")` learners run.

    from svclab.grading import ps1 as grade
    check = grade.check
    check("q1")            # the visible checks of question 1: what passed, what is wrong
    grade.q1_selector()    # one check, as a test cell runs it

Importing this package keeps warnings and library logs off stderr (nbgrader scores stderr as 0).

Writing checks (the interface `svclab grade` relies on; keep to it)
-------------------------------------------------------------------
An assignment is a source notebook `solutions/psN-name/psN-name.ipynb` and a module `svclab/grading/psN.py`.

1. **Declare the answers.** ``A = Assignment("psN-name", "psN", answers=("web_service", "web_ip", ...))``:
   the assignment's full name (it must equal the folder's), the lesson's namespace, and *every* variable a
   test cell reads. Under `svclab grade` only these leave the learner's kernel, as typed data
   (`svclab.grading.values`: str, int, float, bool, None, list/tuple/set/dict of those, pandas
   Series/DataFrame, numpy scalars, `lab.exec`/`lab.nslookup` results); anything else arrives as an
   opaque value no check accepts. A variable not declared here cannot be read by a test (LookupError).
   They are exported right after each answer cell (a cell with nbgrader ``solution: true``) and before
   each test cell.
2. **Read an answer** in a check with ``answer("web_ip", str)``: the type is compared exactly (a `str`
   subclass, `True` for an `int`, is not accepted). ``answer("p", at="q2-predict")`` is the value as it was
   right after answer cell `q2-predict` ran (a prediction cannot be rewritten later); ``peek(name)`` is the
   value or None, never failing. Manifests: ``objects(var)`` (every object in the YAML text, dict or list),
   ``find(var, "Service", "web")`` (that object, which the *cluster* must hold as written: a refused apply
   fails here, saying so). Never name a learner's variable directly in a test.
3. **A visible check** is a function in psN.py, registered for `check("qN")`:
   ``@A.visible("q1", "what it proves", points=1)`` on a function that returns quietly or raises
   `CheckFailed` (``expect.that(cond, "message that teaches")``, the helpers in `expect` and `live`). Its
   test cell (locked, with the points) is one call: ``grade.q1_selector()``.
4. **A hidden check** lives only in its test cell, between ``### BEGIN HIDDEN TESTS`` and
   ``### END HIDDEN TESTS`` (never in psN.py, which learners can read), as a block
   ``with proving("q1: what it proves"): ...``. The gradebook keeps its code; the release and the feedback
   never show it. A test cell may use only the names in `svclab.grading.trusted.NAMES` (``grade`` is the
   psN module, ``answer``, ``peek``, ``find``, ``objects``, ``expect``, ``live``, ``proving``, ``partial``,
   ``lab``, ``pd``): under `svclab grade` it runs in the grader's trusted process on the exported answers and
   the submission's live cluster, never in the learner's kernel, so nothing the learner rebinds reaches it.
5. **Partial credit** within one test cell: ``partial("q4: each scenario", {"scenario 1": fn1, ...}, points=2)``
   as the cell's last expression: each part is a small check (a callable that raises `CheckFailed`); the
   cell scores ``points × parts passed / parts`` (nbgrader reads a test cell's numeric value as its score) and
   its output lists each part. `points` must equal the cell's points. Otherwise a test cell is all or nothing:
   give separate questions separate cells.
6. **Live checks** (`live`) read the submission's own cluster: under `svclab grade` a fresh embedded cluster
   seeded with ``--seed`` (default 0), on which the learner's cells ran in order; a check must not depend on
   chance (an order DNS does not promise, which pod answered first): ask for what the method guarantees.
"""

from typing import Any

from svclab.grading.core import Assignment, CheckFailed, proving, quiet

quiet()


def __getattr__(name: str) -> Any:
    """`answer`, `find`, `objects` on first use: `svclab grade`'s command line (and so `svclab up`, which shares it)
    imports this package without pulling in svclab.lab, pandas and the kubernetes client."""
    if name in ("answer", "find", "objects"):
        from svclab.grading import answers

        return getattr(answers, name)
    raise AttributeError(f"module 'svclab.grading' has no attribute {name!r}")

__all__ = ["Assignment", "CheckFailed", "answer", "find", "objects", "proving", "quiet"]
