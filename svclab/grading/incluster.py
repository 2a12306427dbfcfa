"""Is the object a learner's manifest describes the object the cluster holds?

Checks read a learner's manifest from their variable, but a question about the cluster is answered by
the cluster: after a refused apply (an immutable field changed, say) the variable holds the new manifest
while the cluster still runs the old objects. `matches_cluster` compares the two, field by field, the
way server-side apply leaves them: everything the manifest sets must be in the live object, with the
same value (the API adds defaults, which are not differences). A difference fails the check, and names
the refusal when `lab.apply` recorded one.
"""

from __future__ import annotations

from typing import Any

from svclab import lab
from svclab.grading.core import CheckFailed
from svclab.lab import manifests
from svclab.lab.applied import refusal_note
from svclab.lab.errors import ManifestError

SKIPPED_TOP = {"apiVersion", "kind", "metadata", "status"}
UNCOMPARED = {"resources"}  # quantities come back normalised (0.5 → 500m): not a difference
MISSING = object()


def _empty(value: Any) -> bool:
    return value is None or value == {} or value == []


def differences(wanted: Any, live: Any, path: str = "") -> list[tuple[str, Any, Any]]:
    """(path, live value, manifest value) wherever the manifest sets something the live object does not hold."""
    if isinstance(wanted, dict):
        if not isinstance(live, dict):
            return [] if _empty(wanted) and (live is MISSING or _empty(live)) else [(path, live, wanted)]
        found = []
        for key, value in wanted.items():
            if key in UNCOMPARED:
                continue
            here = live.get(key, MISSING)
            if _empty(value) and (here is MISSING or _empty(here)):
                continue
            found += differences(value, here, f"{path}.{key}" if path else str(key))
        return found
    if isinstance(wanted, list):
        if not isinstance(live, list) or len(live) != len(wanted):
            return [(path, live, wanted)]
        found = []
        for index, (w, l) in enumerate(zip(wanted, live)):
            found += differences(w, l, f"{path}[{index}]")
        return found
    return [] if wanted == live else [(path, live, wanted)]


def _show(value: Any) -> str:
    if value is MISSING or value is None:
        return "nothing"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def live_object(obj: dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
    """The namespace the manifest's object lands in, and the cluster's copy of it (None when absent)."""
    session = lab.session()
    namespace = manifests.namespace_of(session, obj)
    status, body = manifests.request(session.api, "GET", manifests.object_path(manifests.resource_of(obj), namespace or None, obj["metadata"]["name"]))
    return namespace, (body if status == 200 and isinstance(body, dict) else None)


def matches_cluster(var: str, obj: dict[str, Any]) -> None:
    """Fail (teaching) unless the cluster holds `obj` (from the manifest in variable `var`) as written."""
    session = lab.current_session()
    if session is None:
        raise CheckFailed("not connected to the cluster yet: run the setup cell at the top of the notebook first.")
    kind, name = obj.get("kind", "?"), (obj.get("metadata") or {}).get("name", "?")
    try:
        namespace, live = live_object(obj)
    except ManifestError as exc:
        raise CheckFailed(f"`{var}`: {exc}") from None
    note = refusal_note(session.applies.outcome(kind, namespace, name))
    where = f" (namespace {namespace})" if namespace else ""
    if live is None:
        raise CheckFailed(f"{kind} `{name}` is in `{var}` but not in the cluster{where}: "
                          + (f"{note}. Fix that and run the cell again." if note else f"run the cell that applies `{var}`."))
    wanted = {k: v for k, v in obj.items() if k not in SKIPPED_TOP}
    current = {k: v for k, v in live.items() if k not in SKIPPED_TOP}
    wanted_labels = (obj.get("metadata") or {}).get("labels")
    if wanted_labels:
        wanted["metadata.labels"] = wanted_labels
        current["metadata.labels"] = (live.get("metadata") or {}).get("labels") or {}
    found = differences(wanted, current)
    if not found:
        return
    shown = "; ".join(f"{path}: the cluster has {_show(have)}, `{var}` has {_show(want)}" for path, have, want in found[:3])
    more = f" (and {len(found) - 3} more)" if len(found) > 3 else ""
    raise CheckFailed(f"{kind} `{name}` in the cluster is not what `{var}` says{where} — {shown}{more}. "
                      + (f"The checks look at the cluster, and {note}. Fix that and run the cell again." if note
                         else f"The checks look at the cluster: run the cell that applies `{var}` again."))
