"""Reading a learner's answers: variables from the notebook, and the objects in their manifests.

Tests never name a learner's variable directly (a NameError would print a traceback with the test's
code); they ask for it by name here and get a `CheckFailed` that says what to run.
"""

from __future__ import annotations

import ipaddress
import sys
from typing import Any

from svclab.grading.core import CheckFailed
from svclab.grading.values import Missing, Opaque
from svclab.lab import manifests as lab_manifests
from svclab.lab.errors import ManifestError

_MISSING = object()


class Answers:
    """The answers the grader read from a notebook's kernel (`svclab.grading.values`): the latest, and as they
    were right after each answer cell ran (by that cell's grade_id), for questions graded on a prediction."""

    def __init__(self, latest: dict[str, Any], after: dict[str, dict[str, Any]] | None = None, declared: tuple[str, ...] = ()) -> None:
        self.latest = latest
        self.after = after or {}
        self.declared = declared


_source: Answers | None = None  # set by the trusted grader (svclab.grading.trusted); None in a learner's kernel


def use(answers: Answers | None) -> None:
    """Take answers from `answers` (the grader) instead of the notebook's namespace (None: back to it)."""
    global _source
    _source = answers


def _user_namespace() -> dict[str, Any]:
    if _source is not None:
        return _source.latest
    try:
        from IPython import get_ipython

        shell = get_ipython()
        if shell is not None:
            return shell.user_ns
    except ImportError:  # pragma: no cover - IPython comes with Jupyter
        pass
    return vars(sys.modules["__main__"])


def _lookup(name: str, at: str | None) -> Any:
    if _source is None:
        return _user_namespace().get(name, _MISSING)
    if _source.declared and name not in _source.declared:
        raise LookupError(f"the answer `{name}` is not declared: add it to Assignment(..., answers=...) in the assignment's module")
    if at is None:
        value = _source.latest.get(name, _MISSING)
    elif at not in _source.after:
        raise CheckFailed(f"the cell `{at}` did not run, so `{name}` as it was then is unknown: run every cell from the top.")
    else:
        value = _source.after[at].get(name, _MISSING)
    return _MISSING if isinstance(value, Missing) else value


def _type_names(kind: type | tuple[type, ...]) -> str:
    names = {"str": "string", "int": "whole number (int)", "float": "number (float)", "list": "list", "dict": "dict",
             "tuple": "tuple", "bool": "True or False", "Series": "pandas Series", "Lookup": "lab.nslookup(...) result"}
    return " or ".join(names.get(k.__name__, k.__name__) for k in (kind if isinstance(kind, tuple) else (kind,)))


def answer(name: str, kind: type | tuple[type, ...] | None = None, at: str | None = None) -> Any:
    """The value of the learner's variable `name`; fails (teaching) if it is missing or not exactly of `kind`.

    Types are compared exactly: a subclass (a `str` whose `==` is always true, `True` for an `int`) is not
    the type asked for. `at="q2-predict"` gives the value as it was right after that answer cell ran (when
    the grader ran the notebook; in a learner's kernel, the value now)."""
    value = _lookup(name, at)
    if value is _MISSING:
        raise CheckFailed(f"`{name}` is not defined: write your answer in the cell that defines `{name}` and run it.")
    if value is Ellipsis or value is None:
        raise CheckFailed(f"`{name}` is still empty ({value!r}): replace it with your answer.")
    if kind is not None and type(value) not in (kind if isinstance(kind, tuple) else (kind,)):
        got, shown = (value.type_name, value.text) if isinstance(value, Opaque) else (type(value).__name__, repr(value))
        raise CheckFailed(f"`{name}` should be a {_type_names(kind)}, but it is a {got}: {shown:.80}")
    if isinstance(value, Opaque):
        raise CheckFailed(f"`{name}` is a {value.type_name} ({value.text:.80}), which the grader cannot take as an answer: "
                          "use plain values (text, numbers, lists, dicts) or what the lab functions return.")
    return value


def peek(name: str) -> Any:
    """The value of `name` if the learner defined it, else None (never fails)."""
    try:
        value = _lookup(name, None)
    except (CheckFailed, LookupError):
        return None
    return None if value is _MISSING or isinstance(value, Opaque) else value


def objects(name: str) -> list[dict[str, Any]]:
    """The Kubernetes objects in the manifest held by variable `name` (YAML text, a dict or a list of dicts)."""
    value = answer(name, (str, dict, list, tuple))
    try:
        return lab_manifests.load(value)
    except ManifestError as exc:
        raise CheckFailed(f"`{name}`: {exc}") from None


def _describe(objs: list[dict[str, Any]]) -> str:
    return ", ".join(f"{o.get('kind')}/{(o.get('metadata') or {}).get('name')}" for o in objs) or "nothing"


def find(name: str, kind: str, obj_name: str | None = None) -> dict[str, Any]:
    """The one object of `kind` (named `obj_name`, if given) in the manifest `name`, which the cluster
    must hold as written (a refused or forgotten apply fails here, saying so)."""
    objs = objects(name)
    matches = [o for o in objs if o.get("kind") == kind and (obj_name is None or (o.get("metadata") or {}).get("name") == obj_name)]
    if not matches:
        wanted = f"a {kind} named `{obj_name}`" if obj_name else f"a {kind}"
        raise CheckFailed(f"`{name}` should contain {wanted}; it contains {_describe(objs)}.")
    if len(matches) > 1 and obj_name is None:
        raise CheckFailed(f"`{name}` contains {len(matches)} objects of kind {kind}; expected exactly one.")
    from svclab.grading.incluster import matches_cluster  # the checks judge what the cluster holds

    matches_cluster(name, matches[0])
    return matches[0]


def spec(obj: dict[str, Any]) -> dict[str, Any]:
    return obj.get("spec") or {}


def labels_text(labels: dict[str, str] | None) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted((labels or {}).items())) or "(no labels)"


def selects(selector: dict[str, str] | None, labels: dict[str, str] | None) -> bool:
    """Does an equality selector (a Service's, or a matchLabels) select these labels? An empty selector selects nothing here."""
    if not selector:
        return False
    labels = labels or {}
    return all(labels.get(k) == str(v) for k, v in selector.items())


def is_headless(service: dict[str, Any]) -> bool:
    return spec(service).get("clusterIP") in ("None",)


def ipv4(value: Any, what: str) -> ipaddress.IPv4Address:
    if type(value) is not str:
        raise CheckFailed(f"{what} should be an IP address as a string like '10.96.12.34', not {type(value).__name__} {value!r:.60}")
    try:
        return ipaddress.IPv4Address(value.strip())
    except ValueError:
        raise CheckFailed(f"{what} should be one IPv4 address like '10.96.12.34'; got {value!r:.80}") from None


SERVICE_CIDR = ipaddress.IPv4Network("10.96.0.0/16")
POD_CIDR = ipaddress.IPv4Network("10.244.0.0/16")
