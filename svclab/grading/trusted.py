"""Test cells run where the learner's code cannot reach: the trusted half of grading.

Under `svclab grade` a test cell's code never runs in the learner's kernel. The worker sends it (restored
from the gradebook, so the learner cannot have changed it) to the submission's trusted host process
(`svclab.grading.host`), which runs it here with a namespace of its own — the grader's `grade`, `answer`,
`expect`, `live`, `proving`, `partial`, `lab`, `pd` — and the answers the kernel exported as data
(`svclab.grading.values`). Rebinding `grade` or `proving` in an answer cell, a `str` whose `==` is always
true, reading the gradebook from the kernel: none of it reaches this namespace. The cell's output is what
nbgrader scores: an error (a failed check) scores 0; a number as the cell's last value is partial credit.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import importlib
import io
import sys
import threading
import traceback
from types import ModuleType
from typing import Any

from svclab.grading import answers as answers_module
from svclab.grading.core import FAIL, CheckFailed, explain

# The names a test cell may use (tests/grading/test_interface.py checks every test cell against this list).
NAMES = ("grade", "check", "answer", "peek", "find", "objects", "expect", "live", "proving", "partial", "lab", "pd")


def assignment_module(assignment: str) -> ModuleType:
    """`svclab.grading.ps1` for `ps1-clusterip`: the module named by the assignment's prefix, whose
    `A = Assignment("ps1-clusterip", ...)` must carry the assignment's full name."""
    prefix = assignment.split("-", 1)[0]
    if not prefix.isidentifier():
        raise LookupError(f"no grading module for assignment {assignment!r}")
    module = importlib.import_module(f"svclab.grading.{prefix}")
    declared = getattr(getattr(module, "A", None), "name", None)
    if declared != assignment:
        raise LookupError(f"svclab.grading.{prefix} grades {declared!r}, not {assignment!r}")
    return module


def namespace(module: ModuleType) -> dict[str, Any]:
    """A fresh namespace for one test cell: the grader's helpers only."""
    import pandas as pd

    from svclab import lab
    from svclab.grading import core, expect, live

    return {
        "__builtins__": builtins, "__name__": "__grading__",
        "grade": module, "check": lambda *args, **kwargs: None,
        "answer": answers_module.answer, "peek": answers_module.peek, "find": answers_module.find,
        "objects": answers_module.objects, "expect": expect, "live": live, "proving": core.proving,
        "partial": core.partial, "lab": lab, "pd": pd,
    }


class ThreadOutput(io.TextIOBase):
    """sys.stdout for the host: each check thread writes to its own buffer, anything else to the log."""

    def __init__(self, fallback: Any) -> None:
        self.fallback = fallback
        self.local = threading.local()

    def capture(self) -> io.StringIO:
        buffer = io.StringIO()
        self.local.buffer = buffer
        return buffer

    def release(self) -> None:
        self.local.buffer = None

    def write(self, text: str) -> int:
        buffer = getattr(self.local, "buffer", None)
        return (buffer or self.fallback).write(text)

    def flush(self) -> None:
        if getattr(self.local, "buffer", None) is None:
            self.fallback.flush()


def _run_source(source: str, filename: str, scope: dict[str, Any]) -> Any:
    """Run the cell like IPython does: its last line, when an expression, is the cell's value."""
    tree = ast.parse(source, filename)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, filename, "exec"), scope)  # noqa: S102 - instructor code from the gradebook, never the learner's
    if last is None:
        return None
    return eval(compile(ast.Expression(last.value), filename, "eval"), scope)  # noqa: S307 - idem


def error_output(name: str, message: str, lines: list[str]) -> dict[str, Any]:
    return {"output_type": "error", "ename": name, "evalue": message, "traceback": lines}


def run_test_cell(source: str, grade_id: str, module: ModuleType, answers: answers_module.Answers, log: Any = None) -> list[dict[str, Any]]:
    """Run one test cell on `answers`; its outputs as nbformat output dicts (stdout, value, error)."""
    output = sys.stdout if isinstance(sys.stdout, ThreadOutput) else None
    buffer = output.capture() if output is not None else io.StringIO()
    outputs: list[dict[str, Any]] = []
    value = None
    failure: dict[str, Any] | None = None
    answers_module.use(answers)
    redirect = contextlib.redirect_stdout(buffer) if output is None else contextlib.nullcontext()
    try:
        with redirect:
            value = _run_source(source, f"<test cell {grade_id}>", namespace(module))
    except CheckFailed as exc:
        failure = error_output("CheckFailed", exc.message, exc._render_traceback_())
    except (Exception, SystemExit, GeneratorExit) as exc:  # noqa: BLE001 - a broken test fails its own cell only
        if log is not None:  # the instructor's log keeps the traceback; the learner sees one sentence
            log.write(f"test cell {grade_id} raised:\n{traceback.format_exc()}\n")
            log.flush()
        message = explain(exc)
        failure = error_output(type(exc).__name__, message, [f"{FAIL} check failed", f"  {message}"])
    finally:
        answers_module.use(None)
        if output is not None:
            output.release()
    text = buffer.getvalue()
    if text:
        outputs.append({"output_type": "stream", "name": "stdout", "text": text})
    if failure is not None:
        outputs.append(failure)
    elif value is not None:
        outputs.append({"output_type": "execute_result", "execution_count": None, "metadata": {}, "data": {"text/plain": repr(value)}})
    return outputs
