"""The lab facade against a fresh embedded cluster: every function a lesson or exercise calls."""

from __future__ import annotations

from typing import Iterator

import pandas as pd
import pytest
from matplotlib.figure import Figure

from svclab import lab
from tests.conformance.conftest import seed_block

HEADLESS_STS = seed_block("mysql-headless", "mysql")
# the seed's web-service with pods that say who answered (every nginx pod serves the same page)
WEB = seed_block("web-service", "nginx").replace(
    "        image: nginx:latest\n",
    '        image: registry.k8s.io/e2e-test-images/agnhost:2.52\n        args: ["netexec", "--http-port=80"]\n')


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch) -> Iterator[lab.Session]:
    monkeypatch.setenv("SVCLAB_FRESH", "1")
    monkeypatch.setenv("SVCLAB_SEED", "11")
    s = lab.connect("lesson", fresh=True)
    yield s
    s.close()


def test_connect_makes_the_namespace_and_uses_a_fresh_cluster(session: lab.Session) -> None:
    assert session.backend == "embedded" and session.embedded is not None
    assert "lesson" in {n.metadata.name for n in session.core.list_namespace().items}
    assert session.namespace == "lesson"


def test_apply_wait_and_tables(session: lab.Session) -> None:
    assert lab.apply(WEB) == ["service/web-service", "deployment/nginx"]
    assert lab.wait_ready("app=nginx") == 3
    pods = lab.pods("app=nginx")
    assert list(pods.columns) == ["name", "ip", "node", "phase", "ready", "labels"]
    assert len(pods) == 3 and pods["ready"].all() and set(pods["node"]) == {"svclab-worker", "svclab-worker2"}
    services = lab.services()
    assert services.loc[0, "name"] == "web-service" and services.loc[0, "cluster_ip"].startswith("10.96.")
    slices = lab.endpoint_slices("web-service")
    assert sorted(slices["address"]) == sorted(pods["ip"])
    # applying again is an update, not an error
    assert lab.apply(WEB) == ["service/web-service", "deployment/nginx"]


def test_apply_errors_carry_the_api_message(session: lab.Session) -> None:
    with pytest.raises(lab.ApplyError) as refused:
        lab.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "two"}, "spec": {"ports": [{"port": 80}, {"port": 81}]}})
    assert str(refused.value) == 'Service "two" is invalid: [spec.ports[0].name: Required value, spec.ports[1].name: Required value]'
    assert refused.value.status["reason"] == "Invalid"
    assert refused.value._render_traceback_() == [f"ApplyError: {refused.value}"]
    with pytest.raises(lab.ManifestError, match="not valid YAML"):
        lab.apply("kind: Service\n  metadata: [")
    assert lab.services().empty


def test_nslookup_dig_http_and_exec_from_a_pod(session: lab.Session) -> None:
    lab.apply(HEADLESS_STS)
    lab.wait_ready("app=mysql")
    ips = sorted(lab.pods("app=mysql")["ip"])
    found = lab.nslookup("mysql-headless")
    assert sorted(found.addresses) == ips
    assert set(found.records["name"]) == {"mysql-headless.lesson.svc.cluster.local"}
    assert ("mysql-headless.svc.cluster.local", "NXDOMAIN") in found.misses
    assert found.output.exit_code == 1  # busybox exits 1 when any search suffix missed
    assert found.text.startswith("Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n")
    pod0 = lab.pods("statefulset.kubernetes.io/pod-name=mysql-0").loc[0, "ip"]
    assert lab.nslookup("mysql-0.mysql-headless.lesson.svc.cluster.local").addresses == [pod0]
    assert lab.dig("+short", "mysql-0.mysql-headless.lesson.svc.cluster.local").stdout.split() == [pod0]
    mysql = lab.http_get("http://mysql-0.mysql-headless.lesson.svc.cluster.local:3306/hostname")
    assert (mysql.stdout, mysql.exit_code) == ("", 1) and "wget: bad header line: 8.0.46" in mysql.stderr   # MySQL is not HTTP
    out = lab.exec_in("client", "echo hello from $(hostname); exit 3")
    assert (out.stdout, out.exit_code) == ("hello from client\n", 3)


def test_count_backends_and_plot(session: lab.Session) -> None:
    lab.apply(WEB)
    lab.wait_ready("app=nginx")
    counts = lab.count_backends("http://web-service/hostname", 90)
    assert isinstance(counts, pd.Series) and counts.sum() == 90
    assert set(counts.index) == set(lab.pods("app=nginx")["name"])
    fig = lab.plot_backends({"ClusterIP": counts})
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    assert [int(p.get_height()) for p in fig.axes[0].patches] == list(counts.values)


def test_kubectl_and_reset(session: lab.Session, capsys: pytest.CaptureFixture[str]) -> None:
    lab.apply(WEB)
    text = lab.kubectl("get svc web-service -o name")
    assert text == "service/web-service\n" and capsys.readouterr().out == text
    with pytest.raises(lab.LabError, match='services "nope" not found'):
        lab.kubectl("get svc nope")
    lab.reset()
    assert lab.services().empty and lab.pods().empty
    assert "lesson" in {n.metadata.name for n in session.core.list_namespace().items}


def test_grading_and_nbval_always_get_a_fresh_cluster() -> None:
    from svclab.lab.session import fresh_cluster_wanted

    assert fresh_cluster_wanted({"NBGRADER_EXECUTION": "autograde"})
    assert fresh_cluster_wanted({"SVCLAB_FRESH": "1", "SVCLAB_BACKEND": "kind"})
    assert not fresh_cluster_wanted({"SVCLAB_BACKEND": "kind"})
    assert not fresh_cluster_wanted({})
