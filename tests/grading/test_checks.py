"""The grading library in process: teaching failures, no stderr, learner mistakes that never crash a test."""

from __future__ import annotations

from typing import Any, Iterator

import pytest

from svclab import lab
from svclab.grading import answers, ps1
from svclab.grading.core import CheckFailed, proving

WEB = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web, tier: frontend}}
    spec:
      containers:
      - {name: web, image: registry.k8s.io/e2e-test-images/agnhost:2.52, args: ["netexec", "--http-port=8080"]}
"""


@pytest.fixture
def user_ns(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    ns: dict[str, Any] = {}
    monkeypatch.setattr(answers, "_user_namespace", lambda: ns)
    monkeypatch.setenv("SVCLAB_FRESH", "1")
    session = lab.connect("ps1", fresh=True)
    lab.apply(WEB)
    lab.wait_ready("app=web", 3)
    yield ns
    session.close()


def test_a_wrong_selector_fails_with_a_message_that_teaches(user_ns: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    user_ns["web_service"] = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web-service"},
                              "spec": {"selector": {"app": "webapp"}, "ports": [{"port": 80, "targetPort": 8080}]}}
    lab.apply(user_ns["web_service"])  # the answer cell applies what it defines
    with pytest.raises(CheckFailed) as failed:
        ps1.q1_selector()
    assert "selects `app=webapp` but the pods are labelled `app=web,tier=frontend`" in failed.value.message
    assert failed.value._render_traceback_()[0] == "✘ q1: web-service selects the web pods, and only them"
    ps1.q1_kind()
    assert capsys.readouterr() == ("✔ q1: web_service is a ClusterIP Service named web-service\n", "")


def test_missing_variables_bad_yaml_and_refused_manifests_fail_one_check(user_ns: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(CheckFailed, match="`web_service` is not defined"):
        ps1.q1_kind()
    user_ns["web_service"] = "kind: Service\n  metadata: ["
    with pytest.raises(CheckFailed, match="not valid YAML"):
        ps1.q1_kind()
    with pytest.raises(CheckFailed, match="Required value"):
        with proving("applying a refused manifest"):
            lab.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "two"}, "spec": {"ports": [{"port": 80}, {"port": 81}]}})
    with pytest.raises(CheckFailed, match="name .undefined_name. is not defined: run the cell"):
        with proving("a typo in a test"):
            undefined_name  # type: ignore[name-defined]  # noqa: F821
    assert capsys.readouterr().err == ""


def test_check_reports_each_visible_check(user_ns: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    user_ns["web_service"] = WEB.replace("kind: Deployment", "kind: Deployment") + "---\n" + (
        "apiVersion: v1\nkind: Service\nmetadata: {name: web-service}\nspec:\n  selector: {app: web}\n  ports: [{port: 80, targetPort: 9090}]\n")
    lab.apply(user_ns["web_service"])
    ps1.check("q1")
    out, err = capsys.readouterr()
    assert err == ""
    assert out.splitlines()[:4] == [
        "q1: 2 of 3 visible checks pass",
        "  ✔ q1: web_service is a ClusterIP Service named web-service",
        "  ✔ q1: web-service selects the web pods, and only them",
        "  ✘ q1: web-service listens on port 80 and forwards to the pods' port 8080",
    ]
    assert "forwards to targetPort 9090, but the pods listen on 8080" in out
    user_ns["web_ips"] = lab.nslookup("web-service").addresses
    ps1.check("q2")
    assert capsys.readouterr().out.startswith("q2: all visible checks pass")
