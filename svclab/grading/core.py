"""The machinery every test cell uses: quiet output, failures that teach, and per-question checks.

A test cell either prints one line saying what it proved, or fails with a `CheckFailed` whose
notebook rendering is the message alone (no traceback, so no test code reaches the feedback).
Any other exception raised while checking (a NameError for an answer never defined, YAML that does
not parse, a manifest the API refused, a query that timed out) becomes a `CheckFailed` too: one test
fails, the others still run.
"""

from __future__ import annotations

import io
import logging
import os
import sys
import threading
import warnings
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

PASS, FAIL = "✔", "✘"


class CheckFailed(AssertionError):
    """A failed check. Jupyter shows only its message (IPython's `_render_traceback_` hook)."""

    def __init__(self, message: str, title: str | None = None) -> None:
        super().__init__(message)
        self.title = title

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""

    def _render_traceback_(self) -> list[str]:
        head = f"{FAIL} {self.title}" if self.title else f"{FAIL} check failed"
        return [head, *(f"  {line}" for line in self.message.splitlines())]


def quiet() -> None:
    """Keep everything off stderr: nbgrader scores a test cell that writes to stderr as 0."""
    warnings.simplefilter("ignore")
    root = logging.getLogger()
    if not any(isinstance(h, logging.NullHandler) for h in root.handlers):
        root.addHandler(logging.NullHandler())  # stops logging's last-resort handler (stderr)
    for name in ("urllib3", "kubernetes", "asyncio", "websocket", "svclab"):
        logging.getLogger(name).setLevel(logging.CRITICAL)

    def _thread_hook(args: Any) -> None:  # a crashed background thread must not print to stderr
        print(f"(background thread {getattr(args.thread, 'name', '?')} stopped: {args.exc_type.__name__})", file=sys.stdout)

    threading.excepthook = _thread_hook
    sys.unraisablehook = lambda unraisable: None


def explain(exc: BaseException) -> str:
    """A learner-facing sentence for an exception raised while checking."""
    if isinstance(exc, CheckFailed):
        return exc.message
    if isinstance(exc, NameError):
        return f"{exc}: run the cell that defines it (and the cells above it) first."
    from svclab.lab.errors import LabError

    if isinstance(exc, LabError):
        return f"{type(exc).__name__}: {exc}"
    status = getattr(exc, "status", None)
    body = getattr(exc, "body", None)
    if status is not None and body:  # kubernetes ApiException
        try:
            import json

            return f"the API server answered {status}: {json.loads(body).get('message', body)}"
        except (TypeError, ValueError):
            return f"the API server answered {status}: {body}"
    return f"{type(exc).__name__}: {exc}"


def last_refusal() -> str | None:
    """A line on the last `lab.apply` of this kernel, if the API refused it (the cluster kept the old objects)."""
    from svclab import lab

    session = lab.current_session()
    refused = session.applies.last_refusal() if session is not None else None
    if refused is None:
        return None
    return (f"your last lab.apply was refused ({refused.label}: {refused.refusal}), so the cluster still holds "
            "what was applied before it; the checks look at the cluster.")


@contextmanager
def proving(title: str) -> Iterator[None]:
    """Run a block of checks as one test: print what was proven, or fail with a teaching message."""
    quiet()
    try:
        yield
    except CheckFailed as exc:
        raise CheckFailed(exc.message, title) from None
    except Exception as exc:  # noqa: BLE001 - a learner's mistake must fail one test, not crash grading
        raise CheckFailed(explain(exc), title) from None
    print(f"{PASS} {title}")


@dataclass
class Check:
    question: str
    title: str
    points: int
    fn: Callable[[], None]

    def __call__(self) -> None:
        with proving(f"{self.question}: {self.title}"):
            self.fn()


def run_each(checks: Iterable[tuple[str, str, Callable[[], None]]]) -> tuple[int, list[str]]:
    """Run each (shown as, proving, check) with its output captured: how many passed, and a report line per
    check (a failure followed by its message, indented)."""
    passed, lines = 0, []
    for shown, label, fn in checks:
        try:
            with redirect_stdout(io.StringIO()), proving(label):
                fn()
        except CheckFailed as exc:
            lines.append(f"  {FAIL} {shown}")
            lines.extend(f"      {line}" for line in exc.message.splitlines())
        else:
            passed += 1
            lines.append(f"  {PASS} {shown}")
    return passed, lines


def partial(title: str, parts: dict[str, Callable[[], None]], points: float) -> float:
    """Partial credit in one test cell: each part is a small check; the cell's value is the points earned,
    `points` × parts passed / parts (nbgrader scores a test cell whose last value is a number by that number).
    `points` must equal the cell's points. Ends the cell's output with that number."""
    quiet()
    passed, lines = run_each((label, label, fn) for label, fn in parts.items())
    if passed == 0:
        raise CheckFailed("\n".join(line.strip() for line in lines), title)
    print(f"{PASS if passed == len(parts) else FAIL} {title}: {passed} of {len(parts)}")
    print("\n".join(lines))
    return round(points * passed / len(parts), 2)


def graded_outside() -> bool:
    """True in a kernel that `svclab grade` runs: the grader runs every test cell itself, outside it."""
    return os.environ.get("SVCLAB_GRADING") == "1"


class Assignment:
    """The visible checks of one assignment, by question; `check("q1")` runs a question's checks.

    `answers` names every variable the assignment's test cells read (`answer`, `find`, `objects`): the
    grader exports exactly these from the notebook, as data, and runs the test cells on them elsewhere."""

    def __init__(self, name: str, namespace: str, answers: tuple[str, ...] = ()) -> None:
        self.name = name
        self.namespace = namespace
        self.answers = tuple(answers)
        self.checks: list[Check] = []

    def visible(self, question: str, title: str, points: int = 1) -> Callable[[Callable[[], None]], Check]:
        def register(fn: Callable[[], None]) -> Check:
            check = Check(question, title, points, fn)
            self.checks.append(check)
            check.__doc__ = fn.__doc__ or title
            return check

        return register

    def questions(self) -> list[str]:
        return list(dict.fromkeys(c.question for c in self.checks))

    def check(self, question: str | None = None) -> None:
        """Run the visible checks of one question (all questions when None) and print a short report."""
        quiet()
        if graded_outside():
            print(f"{question or self.name}: the grader runs the test cells below itself, on your answers and the cluster")
            return
        wanted = [c for c in self.checks if question is None or c.question == question]
        if not wanted:
            print(f"{self.name} has no question {question!r}; questions: {', '.join(self.questions())}")
            return
        refused = last_refusal()  # before the checks: a query's own apply (the client pod) would hide it
        passed, lines = run_each((f"{c.question}: {c.title}", c.title, c.fn) for c in wanted)
        label = question or self.name
        verdict = "all visible checks pass" if passed == len(wanted) else f"{passed} of {len(wanted)} visible checks pass"
        print(f"{label}: {verdict}")
        if refused:
            print(f"  ! {refused}")
        print("\n".join(lines))
        if passed == len(wanted):
            print("  (hidden tests run when your notebook is graded)")
