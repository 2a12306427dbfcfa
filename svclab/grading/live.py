"""Checks against the running cluster: what exists, what DNS answers, which pods serve requests.

Every function raises `CheckFailed` with a sentence a learner can act on. They work on whatever
cluster `lab.connect()` opened: the learner's (kind or embedded) while they work, a fresh embedded
cluster under the autograder.
"""

from __future__ import annotations

from typing import Any, Iterable

from kubernetes.client.exceptions import ApiException

from svclab import lab
from svclab.grading.answers import labels_text, selects
from svclab.grading.core import CheckFailed


def namespace() -> str:
    return lab.session().namespace


def fqdn(name: str) -> str:
    """`name` (a Service, or `pod.service`) completed with the lesson's namespace: the name DNS serves."""
    return f"{name}.{namespace()}.svc.cluster.local"


def service(name: str) -> Any:
    """The live Service `name` (kubernetes client object)."""
    try:
        return lab.session().core.read_namespaced_service(name, namespace())
    except ApiException as exc:
        if exc.status == 404:
            raise CheckFailed(f"there is no Service `{name}` in namespace {namespace()}: apply your manifest (run its cell) first.") from None
        raise


def pods(selector: str | None = None) -> list[Any]:
    items = lab.session().core.list_namespaced_pod(namespace(), label_selector=selector or "").items
    return sorted((p for p in items if p.metadata.deletion_timestamp is None), key=lambda p: p.metadata.name)


def ready(pod: Any) -> bool:
    return any(c.type == "Ready" and c.status == "True" for c in (pod.status.conditions or []))


def pod(name: str) -> Any:
    try:
        return lab.session().core.read_namespaced_pod(name, namespace())
    except ApiException as exc:
        if exc.status == 404:
            raise CheckFailed(f"there is no pod `{name}` in namespace {namespace()}.") from None
        raise


def ready_pods(selector: str) -> list[Any]:
    found = [p for p in pods(selector) if ready(p)]
    if not found:
        raise CheckFailed(f"no Ready pods match `{selector}` in namespace {namespace()}: run the setup cell (and your apply cell) again.")
    return found


def selector_matches_pods(selector: dict[str, str] | None, expected: str, owner: str = "your Service") -> None:
    """The selector (from a manifest) selects exactly the pods `expected` (a label selector) selects, live."""
    targets = pods(expected)
    if not targets:
        raise CheckFailed(f"no pods match `{expected}`: run the setup cell first.")
    if not selector:
        raise CheckFailed(f"{owner} has no selector, so it selects no pods; the pods to select are labelled {labels_text(targets[0].metadata.labels)}.")
    missed = [p for p in targets if not selects(selector, p.metadata.labels)]
    if missed:
        raise CheckFailed(f"{owner} selects `{labels_text(selector)}` but the pods are labelled `{labels_text(_common_labels(missed))}`: "
                          f"every key=value in the selector must appear on the pods, so it selects none of {', '.join(p.metadata.name for p in missed)}.")
    extra = [p for p in pods() if selects(selector, p.metadata.labels) and p.metadata.name not in {t.metadata.name for t in targets}]
    if extra:
        raise CheckFailed(f"{owner} selects `{labels_text(selector)}`, which also matches {', '.join(p.metadata.name for p in extra)} "
                          f"(labelled `{labels_text(_common_labels(extra))}`); narrow it so it matches only the pods selected by `{expected}`.")


def _common_labels(items: Iterable[Any]) -> dict[str, str]:
    hidden = {"pod-template-hash", "controller-revision-hash", "statefulset.kubernetes.io/pod-name", "apps.kubernetes.io/pod-index"}
    sets = [{k: v for k, v in (p.metadata.labels or {}).items() if k not in hidden} for p in items]
    if not sets:
        return {}
    common = dict(sets[0])
    for s in sets[1:]:
        common = {k: v for k, v in common.items() if s.get(k) == v}
    return common


def lookup(name: str) -> list[str]:
    """The addresses busybox nslookup prints for `name` from the `client` pod."""
    return lab.nslookup(name).addresses


def resolves_to(name: str, expected: Iterable[str], what: str) -> None:
    got = sorted(lookup(name))
    want = sorted(expected)
    if not got:
        raise CheckFailed(f"`{name}` does not resolve (NXDOMAIN or no answer); it should resolve to {what} ({', '.join(want)}).")
    if got != want:
        raise CheckFailed(f"`{name}` resolves to {', '.join(got)} but should resolve to {what}: {', '.join(want)}.")


def resolves_to_ready_pods(name: str, selector: str) -> None:
    """DNS answers `name` with one A record per Ready pod matching `selector`, and nothing else."""
    resolves_to(fqdn(name) if "." not in name else name, [p.status.pod_ip for p in ready_pods(selector)], f"the Ready pods matching `{selector}`")


def hostname_of(url: str) -> str:
    out = lab.http_get(url)
    if out.exit_code != 0 or not out.stdout.strip():
        raise CheckFailed(f"fetching {url} from the client pod failed: {str(out).strip() or 'no answer'}")
    return out.stdout.strip()


def backends(url: str, requests: int) -> dict[str, int]:
    """Which pod answered each of `requests` fetches of `url` (from the client pod)."""
    counts = {str(k): int(v) for k, v in lab.count_backends(url, requests).items()}
    failed = counts.pop("FAILED", 0)
    if sum(counts.values()) == 0:
        raise CheckFailed(f"none of {requests} requests to {url} got an answer: does the Service exist and select Ready pods on the right port?")
    if failed:
        raise CheckFailed(f"{failed} of {requests} requests to {url} failed: check the Service's port and targetPort.")
    return counts


def service_ports(svc: Any) -> list[dict[str, Any]]:
    return [{"name": p.name, "port": p.port, "targetPort": p.target_port, "nodePort": p.node_port} for p in (svc.spec.ports or [])]
