"""Kernel side of grading: export the answer variables as typed JSON (`svclab.grading.values`).

The grader calls `snapshot` through the Jupyter protocol (an execute request's ``user_expressions``) after an
answer cell runs and before each group of test cells; the text it returns is all the grader takes from the
kernel. This runs in the learner's kernel, so the grader trusts nothing about it: a kernel that lies here only
reports other values for its own answers, which the checks then judge against the live cluster.
"""

from __future__ import annotations

import json
from typing import Any

from svclab.grading import values


def _namespace() -> dict[str, Any]:
    from IPython import get_ipython

    shell = get_ipython()
    return shell.user_ns if shell is not None else {}


def _applies() -> dict[str, list[dict[str, Any]]]:
    """What each `lab.apply` did (svclab.lab.applied), so a check can say an apply was refused."""
    from svclab import lab

    session = lab.current_session()
    if session is None:
        return {"objects": [], "last": []}

    def row(outcome: Any) -> dict[str, Any]:
        return {"kind": str(outcome.kind), "namespace": str(outcome.namespace), "name": str(outcome.name),
                "refusal": None if outcome.refusal is None else str(outcome.refusal)[:2000],
                "blocked_by": None if outcome.blocked_by is None else str(outcome.blocked_by)[:200]}

    log = session.applies
    return {"objects": [row(o) for o in list(log.by_object.values())[-500:]], "last": [row(o) for o in log.last_call[:500]]}


def snapshot(names: list[str]) -> str:
    """JSON: {"answers": {name: tagged value}, "applies": {...}} for the given variable names."""
    namespace = _namespace()
    budget = values._Budget()
    answers: dict[str, Any] = {}
    for name in names:
        if name not in namespace:
            answers[name] = ["missing"]
            continue
        try:
            answers[name] = values.encode(namespace[name], budget)
        except values.TooLarge:
            answers[name] = ["opaque", values._type_name(namespace[name]), "too large to grade"]
            budget = values._Budget()
        except Exception as exc:  # noqa: BLE001 - a learner's object may fail in any way
            answers[name] = ["opaque", values._type_name(namespace[name]), f"could not be read ({type(exc).__name__})"]
    try:
        applies = _applies()
    except Exception:  # noqa: BLE001 - never let the record of applies cost the answers
        applies = {"objects": [], "last": []}
    return json.dumps({"answers": answers, "applies": applies}, ensure_ascii=False)


def expression(names: list[str]) -> str:
    """The user expression the grader sends: calls `snapshot` without touching the learner's namespace."""
    return f"__import__('svclab.grading.export', fromlist=['snapshot']).snapshot({json.dumps(list(names))})"
