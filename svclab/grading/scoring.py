"""What the exercises' checks share beyond `expect`: predictions, one-of answers, scenarios, lesson links.

A *prediction* is an answer cell the learner runs before looking: the grader reads its variables as they were
right after that cell ran (`answer(..., at=cell)`) and compares them with what the cluster does now, so the
prediction is graded, not a transcription of output. A *scenario* question scores each scenario on its own
(`partial`), so one wrong scenario costs its share, not the question.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

from svclab.grading.answers import answer
from svclab.grading.core import CheckFailed

LESSONS = {
    "00": "00-setup", "01": "01-clusterip", "02": "02-headless", "03": "03-statefulset-dns",
    "04": "04-mixed-pattern", "05": "05-service-types-and-dns", "06": "06-debugging-services", "07": "07-traffic-policies-and-dns-clients",
}


def lesson(number: str, section: str) -> str:
    """Where a message sends the learner: the lesson notebook and the section (a Jupyter heading anchor)."""
    anchor = section.replace("`", "").replace(" ", "-")  # JupyterLab's heading anchors
    return f"(lesson {number}, “{section.replace('`', '')}”: notebooks/{LESSONS[number]}.ipynb#{anchor})"


def normal(text: str) -> str:
    """A free-text choice compared loosely: case, spaces, dashes and quotes do not matter."""
    return " ".join(text.lower().replace("-", " ").replace("_", " ").replace("`", "").split())


def choice(name: str, options: Iterable[str], at: str | None = None) -> str:
    """The learner's `name`, which must be one of `options` (compared loosely); returns the option as written."""
    options = list(options)
    value = answer(name, str, at=at)
    found = {normal(o): o for o in options}.get(normal(value))
    if found is None:
        raise CheckFailed(f"`{name}` is {value!r:.60}; write one of: {', '.join(repr(o) for o in options)}.")
    return found


def whole_number(name: str, at: str | None = None) -> int:
    value = answer(name, int, at=at)
    return int(value)


def all_of(parts: dict[str, Callable[[], None]]) -> None:
    """Every part must pass (a visible check over a scenario question): one message listing what failed."""
    failed = []
    for label, fn in parts.items():
        try:
            fn()
        except CheckFailed as exc:
            failed.append(f"{label}: {exc.message}")
    if failed:
        raise CheckFailed("\n".join(failed))


def scenario_map(name: str, keys: Iterable[str]) -> dict[str, Any]:
    """The learner's dict `name`, which must have an entry for each key (the scenarios' names)."""
    value = answer(name, dict)
    missing = [k for k in keys if k not in value]
    if missing:
        raise CheckFailed(f"`{name}` has no entry for {', '.join(repr(k) for k in missing)}.")
    return value
