"""Waiting for what the next cell needs, on a cluster whose pods take a second to start (as `make lab`'s):
`wait_pods` returns only once every counted pod's container runs, and `exec_in` waits for its container
(or says in one line why it cannot), so lesson 03's `exec_in("ordered-1", …)` cannot race the pod."""

from __future__ import annotations

from typing import Iterator

import pytest

from svclab import lab
from svclab.cluster import control
from svclab.cluster.backend import EmbeddedBackend
from svclab.course.launch import LAB_POD_START_SECONDS
from svclab.lab import execution
from svclab.lab.session import open_session

ORDERED = """
apiVersion: v1
kind: Service
metadata: {name: ordered}
spec:
  clusterIP: None
  selector: {app: ordered}
  ports: [{name: http, port: 8080}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: ordered}
spec:
  serviceName: ordered
  replicas: 3
  selector: {matchLabels: {app: ordered}}
  template:
    metadata: {labels: {app: ordered}}
    spec:
      containers:
      - name: web
        image: registry.k8s.io/e2e-test-images/agnhost:2.52
        args: ["netexec", "--http-port=8080"]
        readinessProbe: {exec: {command: ["cat", "/tmp/ready"]}, periodSeconds: 1}
"""


@pytest.fixture(scope="module")
def slow_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[lab.Session]:
    state = tmp_path_factory.mktemp("slow") / "state"
    control.up(state, pod_start_seconds=LAB_POD_START_SECONDS)
    session = open_session("waiting", EmbeddedBackend(state))
    previous, lab._current = lab._current, session  # type: ignore[attr-defined]
    lab.connect("waiting")
    try:
        yield session
    finally:
        lab._current = previous  # type: ignore[attr-defined]
        session.close()
        control.down(state)


def test_wait_pods_returns_when_the_next_pod_runs_not_only_when_the_count_is_right(slow_session: lab.Session) -> None:
    lab.apply(ORDERED)
    lab.wait_pods("app=ordered", ready=0, total=1)
    lab.exec_in("ordered-0", "touch /tmp/ready")
    table = lab.wait_pods("app=ordered", ready=1, total=2)
    assert list(table["phase"]) == ["Running", "Running"]
    # no waiting left to exec_in: the container is running already
    out = execution.exec_in(slow_session, "ordered-1", ["touch", "/tmp/ready"], start_timeout=0)
    assert out.exit_code == 0
    lab.wait_pods("app=ordered", ready=2, total=3)


def test_exec_in_waits_for_a_starting_container(slow_session: lab.Session) -> None:
    lab.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "late", "labels": {"app": "late"}},
               "spec": {"containers": [{"name": "late", "image": "busybox:1.36.1", "command": ["sleep", "infinity"]}]}})
    assert lab.exec_in("late", "hostname").stdout == "late\n"


def test_exec_in_a_pod_that_is_not_there_or_not_started_says_so_in_one_line(slow_session: lab.Session) -> None:
    with pytest.raises(lab.LabError, match=r'^pods "nope" not found in namespace waiting$'):
        lab.exec_in("nope", "true")
    lab.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "never"},  # no node has that label: it stays Pending
               "spec": {"nodeSelector": {"svclab-test": "nowhere"}, "containers": [{"name": "c", "image": "busybox:1.36.1", "command": ["sleep", "infinity"]}]}})
    with pytest.raises(lab.LabError, match=r"^pod never's container is not running after 1s \(Pending\): exec needs a running container$") as failed:
        execution.exec_in(slow_session, "never", ["true"], start_timeout=1)
    assert failed.value._render_traceback_() == [f"LabError: {failed.value}"]


def test_delete_removes_what_a_manifest_names(slow_session: lab.Session) -> None:
    manifest = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "gone"}, "data": {"a": "b"}}
    lab.apply(manifest)
    assert lab.delete(manifest) == ["configmap/gone"]
    assert "gone" not in {c.metadata.name for c in slow_session.core.list_namespaced_config_map("waiting").items}
    assert lab.delete(manifest) == []


def test_upgrade_refusals_read_as_the_servers_words() -> None:
    from svclab.lab.exec_stream import UpgradeRefused

    plain = UpgradeRefused(500, "Internal Server Error", b'container not found ("web")', "text/plain; charset=utf-8")
    assert plain.words() == 'container not found ("web")'
    status = b'{"kind":"Status","apiVersion":"v1","status":"Failure","message":"pods \\"x\\" is forbidden:\\n  no","code":403}'
    assert UpgradeRefused(403, "Forbidden", status, "application/json").words() == 'pods "x" is forbidden: no'
    assert UpgradeRefused(502, "Bad Gateway", b"", "").words() == "502 Bad Gateway"
    assert UpgradeRefused(400, "Bad Request", b"{not json", "application/json").words() == "{not json"


def test_a_wait_looks_again_soon_then_at_its_poll_interval(monkeypatch: pytest.MonkeyPatch) -> None:
    """Backoff: a state reached at once is seen after 10 ms, a long wait costs no more than one look per interval."""
    from svclab.lab import waiting

    slept: list[float] = []
    monkeypatch.setattr(waiting.time, "sleep", slept.append)
    pause = waiting.Backoff(0.25)
    for _ in range(8):
        pause.sleep()
    assert slept == [0.01, 0.02, 0.04, 0.08, 0.16, 0.25, 0.25, 0.25]
