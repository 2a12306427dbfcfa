"""Reading a learner's answers: variables from the notebook, and the objects in their manifests.

Tests never name a learner's variable directly (a NameError would print a traceback with the test's
code); they ask for it by name here and get a `CheckFailed` that says what to run.
"""

from __future__ import annotations

import ipaddress
import sys
from typing import Any

from svclab.grading.core import CheckFailed
from svclab.lab import manifests as lab_manifests
from svclab.lab.errors import ManifestError

_MISSING = object()


def _user_namespace() -> dict[str, Any]:
    try:
        from IPython import get_ipython

        shell = get_ipython()
        if shell is not None:
            return shell.user_ns
    except ImportError:  # pragma: no cover - IPython comes with Jupyter
        pass
    return vars(sys.modules["__main__"])


def answer(name: str, kind: type | tuple[type, ...] | None = None) -> Any:
    """The value of the learner's variable `name`; fails (teaching) if it is missing or of the wrong type."""
    value = _user_namespace().get(name, _MISSING)
    if value is _MISSING:
        raise CheckFailed(f"`{name}` is not defined: write your answer in the cell that defines `{name}` and run it.")
    if value is Ellipsis or value is None:
        raise CheckFailed(f"`{name}` is still empty ({value!r}): replace it with your answer.")
    if kind is not None and not isinstance(value, kind):
        names = " or ".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))
        raise CheckFailed(f"`{name}` should be a {names}, but it is a {type(value).__name__}: {value!r:.80}")
    return value


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
    if not isinstance(value, str):
        raise CheckFailed(f"{what} should be an IP address as a string like '10.96.12.34', not {type(value).__name__} {value!r:.60}")
    try:
        return ipaddress.IPv4Address(value.strip())
    except ValueError:
        raise CheckFailed(f"{what} should be one IPv4 address like '10.96.12.34'; got {value!r:.80}") from None


SERVICE_CIDR = ipaddress.IPv4Network("10.96.0.0/16")
POD_CIDR = ipaddress.IPv4Network("10.244.0.0/16")
