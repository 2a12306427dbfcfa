"""ps7-debugging: five Services that do not work; find out why (graded on the finding) and fix them
(graded on what clients get afterwards), one scenario at a time.

Each scenario breaks one step of the official checklist (https://kubernetes.io/docs/tasks/debug/debug-application/debug-service/):
the selector matches no pod, `targetPort` is a port the pods do not listen on, a named `targetPort` the pods do
not declare, pods that never become Ready, a Service that lives in another namespace than its clients.
A fix is judged by the cluster's behaviour only, whatever way the learner chose: the client pod in `ps7`
reaches every pod of the app through the name it already uses, and nothing was cheated away (the readiness
probe is still there, inventory still lives in its own namespace).
"""

from __future__ import annotations

from typing import Any

from kubernetes.client.exceptions import ApiException

from svclab import lab
from svclab.grading import expect, live
from svclab.grading.answers import answer
from svclab.grading.core import Assignment, CheckFailed, proving
from svclab.grading.scoring import all_of, lesson, normal, scenario_map

A = Assignment("ps7-debugging", "ps7", answers=("diagnosis",))
check = A.check
STORE = "ps7-store"  # where inventory runs; its clients live in ps7
APPS = ("shop-web", "catalog", "orders", "payments", "inventory")
IMAGE = "registry.k8s.io/e2e-test-images/agnhost:2.52"

# What a learner may write for each finding (compared loosely), and the checklist step that reveals it.
FINDINGS = {
    "selector": "the Service's selector matches no pod",
    "targetPort": "targetPort is a port the pods do not listen on",
    "named port": "targetPort names a port the pods do not declare",
    "readiness": "the pods never become Ready",
    "namespace": "the Service is in another namespace than its clients",
    "dns": "cluster DNS is down",
    "kube-proxy": "kube-proxy is not running",
}
SEE = lesson("06", "The checklist as one function")

def _app(name: str, namespace: str, service: dict[str, Any], probe: dict[str, Any] | None = None, port_name: str = "http") -> list[dict[str, Any]]:
    container: dict[str, Any] = {"name": name, "image": IMAGE, "args": ["netexec", "--http-port=8080"],
                                 "ports": [{"name": port_name, "containerPort": 8080}]}
    if probe:
        container["readinessProbe"] = probe
    labels = {"app": name}
    return [
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": namespace},
         "spec": {"replicas": 2, "selector": {"matchLabels": labels},
                  "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}}}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": namespace}, "spec": service},
    ]


def broken(namespace: str = "ps7") -> list[dict[str, Any]]:
    """The five broken scenarios, as manifests (what the setup cell applies)."""
    return [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": STORE}},
        *_app("shop-web", namespace, {"selector": {"app": "shopweb"}, "ports": [{"port": 80, "targetPort": 8080}]}),
        *_app("catalog", namespace, {"selector": {"app": "catalog"}, "ports": [{"port": 80, "targetPort": 9376}]}),
        *_app("orders", namespace, {"selector": {"app": "orders"}, "ports": [{"port": 80, "targetPort": "http-api"}]}),
        *_app("payments", namespace, {"selector": {"app": "payments"}, "ports": [{"port": 80, "targetPort": "http"}]},
              probe={"tcpSocket": {"port": 8081}, "periodSeconds": 1}),
        *_app("inventory", STORE, {"selector": {"app": "inventory"}, "ports": [{"port": 80, "targetPort": 8080}]}),
    ]


def deploy_broken() -> None:
    """Empty ps7-store (the lesson's own namespace is reset by the setup cell), apply the scenarios, and wait for the
    pods to run."""
    lab.reset(STORE)
    lab.apply(broken(lab.session().namespace))
    lab.wait_ready("app in (shop-web,catalog,orders)", 6)
    lab.wait_ready("app=inventory", 2, namespace=STORE)
    lab.client_pod()


# ---- question 1: the diagnosis ---------------------------------------------------------------------------

@A.visible("q1", "diagnosis names one finding for each of the five Services")
def q1_shape() -> None:
    given = scenario_map("diagnosis", APPS)
    known = {normal(k) for k in FINDINGS}
    unknown = {k: v for k, v in given.items() if k in APPS and (type(v) is not str or normal(v) not in known)}
    expect.that(not unknown, f"use one of {', '.join(repr(k) for k in FINDINGS)} for each Service; these are not among them: {unknown}.")


def finding(app: str) -> str:
    """The finding `diagnosis` gives for `app`, as written in FINDINGS (compared loosely)."""
    given = answer("diagnosis", dict).get(app)
    if type(given) is not str:
        raise CheckFailed("no finding for this Service.")
    return {normal(k): k for k in FINDINGS}.get(normal(given), given)


# ---- question 2: the fixes, judged live ------------------------------------------------------------------

def _pods(app: str, namespace: str) -> dict[str, str]:
    items = lab.session().core.list_namespaced_pod(namespace, label_selector=f"app={app}").items
    return {p.metadata.name: p.status.pod_ip for p in items if p.metadata.deletion_timestamp is None and live.ready(p)}


def _reached(app: str, requests: int, why: str | None = None) -> dict[str, int]:
    """Which pods answered `requests` fetches of the app through its name. Only the graded (hidden) check says
    what was wrong (`why`): a visible check that named the cause would answer question 1."""
    namespace = STORE if app == "inventory" else live.namespace()
    pods = _pods(app, namespace)
    url = f"http://{app}/hostname"
    counts = {str(k): int(v) for k, v in lab.count_backends(url, requests).items()}
    failed = counts.pop("FAILED", 0)
    if not counts:
        cause = why if why else f"go through the checklist {SEE}"
        raise CheckFailed(f"none of {requests} requests to {url} from the client pod got an answer: {cause}.")
    strangers = sorted(set(counts) - set(pods))
    expect.that(not strangers, f"{url} was answered by {', '.join(strangers)}, which is not a Ready {app} pod"
                               + (f" of namespace {namespace}" if app == "inventory" else "") + ".")
    expect.that(not failed, f"{failed} of {requests} requests to {url} failed: some endpoints do not answer"
                            + (f" ({why})." if why else "."))
    return counts


def _works(app: str) -> None:
    _reached(app, 4)


def settled(app: str, why: str) -> None:
    """The fix holds for every pod of the app, and took nothing away that the app needs (the notebook says so);
    `why` (from the hidden test) says what was wrong, with its lesson section."""
    namespace = STORE if app == "inventory" else live.namespace()
    pods = _pods(app, namespace)
    expect.that(len(pods) == 2, f"{len(pods)} {app} pod(s) are Ready; the Deployment runs 2, and both should serve"
                                + (f": {why}." if len(pods) < 2 else "."))
    counts = _reached(app, 30, why)
    expect.that(set(counts) == set(pods), f"30 requests to http://{app}/hostname reached {sorted(counts)}; every Ready pod "
                                          f"({', '.join(sorted(pods))}) should get some.")
    if app == "payments":
        deployment = lab.session().apps.read_namespaced_deployment("payments", namespace)
        probes = [c.readiness_probe for c in deployment.spec.template.spec.containers if c.readiness_probe]
        expect.that(probes, "the payments pods no longer have a readiness probe: without one, a pod that cannot serve yet still gets "
                            "traffic. Fix the probe (it checks the wrong port) instead of removing it.")
    if app == "inventory":
        try:
            service = lab.session().core.read_namespaced_service("inventory", STORE)
        except ApiException:
            raise CheckFailed("the Service inventory is gone from ps7-store: the other teams' clients there still need it; "
                              "give ps7's clients a way to the Service where it lives.") from None
        expect.that((service.spec.selector or {}).get("app") == "inventory", "the Service inventory in ps7-store no longer selects the inventory pods.")


@A.visible("q2", "the client pod in ps7 reaches each app through its Service's name")
def q2_all() -> None:
    all_of({app: (lambda app=app: _works(app)) for app in APPS})


def q2_works(app: str) -> None:
    """Visible (1 point each): the client pod reaches the app through its Service's name."""
    with proving(f"q2: http://{app}/hostname is answered by a {app} pod"):
        _works(app)
