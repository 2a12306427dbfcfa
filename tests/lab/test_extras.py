"""The two lesson helpers in svclab.lab.extras, against a fresh embedded cluster."""

from __future__ import annotations

from typing import Iterator

import pytest

from svclab import lab

STS = """
apiVersion: v1
kind: Service
metadata: {name: web-headless}
spec:
  clusterIP: None
  selector: {app: web}
  ports: [{name: http, port: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: docs}
spec:
  type: ExternalName
  externalName: kubernetes.io
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  serviceName: web-headless
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: registry.k8s.io/e2e-test-images/agnhost:2.52
        args: ["netexec", "--http-port=8080"]
        readinessProbe:
          exec: {command: ["cat", "/tmp/ready"]}
          periodSeconds: 1
"""


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch) -> Iterator[lab.Session]:
    monkeypatch.setenv("SVCLAB_FRESH", "1")
    monkeypatch.setenv("SVCLAB_SEED", "5")
    s = lab.connect("extras", fresh=True)
    yield s
    s.close()


def test_wait_pods_waits_for_counts_quietly(session: lab.Session, capsys: pytest.CaptureFixture[str]) -> None:
    lab.apply(STS)
    # OrderedReady: web-0 never becomes Ready, so web-1 is never created
    table = lab.wait_pods("app=web", ready=0, total=1)
    assert list(table["name"]) == ["web-0"] and not table["ready"].any()
    with pytest.raises(lab.WaitTimeout, match="1 exist and 0 are Ready"):
        lab.wait_pods("app=web", timeout=0.5)
    lab.exec_in("web-0", "touch /tmp/ready")
    lab.wait_pods("app=web", ready=1, total=2)
    lab.exec_in("web-1", "touch /tmp/ready")
    table = lab.wait_pods("app=web", ready=2)
    assert list(table["name"]) == ["web-0", "web-1"] and table["ready"].all()
    assert capsys.readouterr().out == ""  # no progress bar


def test_dns_table_lists_answers_cnames_and_misses(session: lab.Session) -> None:
    lab.apply(STS)
    lab.exec_in("web-0", "touch /tmp/ready")
    pods = lab.wait_pods("app=web", ready=1, total=2)
    lab.client_pod()
    table = lab.dns_table(["web-headless", "docs", "nothing-here", "web-0.web-headless.extras.svc.cluster.local"])
    assert list(table.columns) == ["name", "answer", "records", "kind"]
    rows = table.set_index("name")
    assert rows.loc["web-headless", "answer"] == pods.loc[0, "ip"]  # only the ready pod is published
    assert (rows.loc["docs", "answer"], rows.loc["docs", "kind"]) == ("kubernetes.io", "CNAME")
    assert (rows.loc["nothing-here", "answer"], rows.loc["nothing-here", "records"]) == ("NXDOMAIN", 0)
    assert rows.loc["web-0.web-headless.extras.svc.cluster.local", "kind"] == "A"


def test_dns_table_follows_an_in_cluster_cname(session: lab.Session) -> None:
    lab.apply(STS)
    lab.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "alias"},
               "spec": {"type": "ExternalName", "externalName": "web-headless.extras.svc.cluster.local"}})
    lab.exec_in("web-0", "touch /tmp/ready")
    pods = lab.wait_pods("app=web", ready=1, total=2)
    lab.client_pod()
    row = lab.dns_table(["alias"]).iloc[0]
    assert (row["answer"], row["kind"]) == (pods.loc[0, "ip"], "CNAME + A")
