"""After a refused apply the cluster keeps the old objects: check() says so, and the checks look at the
cluster rather than the learner's variable (issue 11's ps6 scenario). The thin hints of ps4 q2 and the
capstone's reads requirement teach the step that is missing."""

from __future__ import annotations

from typing import Any, Iterator

import pytest

from svclab import lab
from svclab.grading import answers, ps4, ps6
from svclab.grading.core import CheckFailed

SHOP_DB = """
apiVersion: v1
kind: Service
metadata: {name: db-headless}
spec:
  clusterIP: None
  selector: {app: shop, tier: db}
  ports: [{name: postgres, port: 5432}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: SERVICE
  replicas: 3
  selector: {matchLabels: {app: shop, tier: db}}
  template:
    metadata: {labels: {app: shop, tier: db}}
    spec:
      containers:
      - name: db
        image: registry.k8s.io/e2e-test-images/agnhost:2.52
        args: ["netexec", "--http-port=5432"]
        ports: [{name: postgres, containerPort: 5432}]
---
apiVersion: v1
kind: Service
metadata: {name: db-read}
spec:
  selector: SELECTOR
  ports: [{name: postgres, port: 5432}]
"""
MYSQL = """
apiVersion: v1
kind: Service
metadata: {name: mysql-headless}
spec:
  clusterIP: None
  selector: {app: mysql}
  ports: [{name: mysql, port: 3306}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: mysql}
spec:
  serviceName: mysql-headless
  replicas: 3
  selector: {matchLabels: {app: mysql}}
  template:
    metadata: {labels: {app: mysql}}
    spec:
      containers:
      - {name: mysql, image: registry.k8s.io/e2e-test-images/agnhost:2.52, args: ["netexec", "--http-port=3306"], ports: [{name: mysql, containerPort: 3306}]}
"""
FIRST = SHOP_DB.replace("SERVICE", "db").replace("SELECTOR", "{app: shop, tier: db}")  # two mistakes
FIXED = SHOP_DB.replace("SERVICE", "db-headless").replace("SELECTOR", "{app: shop, tier: db, role: replica}")


@pytest.fixture
def user_ns(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    ns: dict[str, Any] = {}
    monkeypatch.setattr(answers, "_user_namespace", lambda: ns)
    monkeypatch.setenv("SVCLAB_FRESH", "1")
    session = lab.connect("ps6", fresh=True)
    yield ns
    session.close()


NAMES = {"frontend_port": 30080, "api_host": "api", "db_host": "db-headless", "write_host": "db-0.db-headless", "read_host": "db-read",
         "db_hosts": ["db-0.db-headless", "db-1.db-headless", "db-2.db-headless"]}


def test_a_refused_fix_fails_check_with_the_refusal_while_the_cluster_keeps_the_old_objects(user_ns: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    user_ns.update(NAMES)
    lab.apply(FIRST)
    lab.wait_ready("tier=db", 3)
    lab.kubectl("label pod db-0 role=primary --overwrite")
    lab.kubectl("label pod db-1 db-2 role=replica --overwrite")
    capsys.readouterr()
    with pytest.raises(lab.ApplyError, match="updates to statefulset spec for fields other than"):
        lab.apply(FIXED)  # the learner fixes both mistakes; serviceName cannot change
    assert lab.session().core.read_namespaced_service("db-read", "ps6").spec.selector == {"app": "shop", "tier": "db"}

    ps6.check("q6")
    out, err = capsys.readouterr()
    assert err == ""
    lines = out.splitlines()
    assert lines[0] == "q6: 0 of 1 visible checks pass"
    assert lines[1].startswith("  ! your last lab.apply was refused (StatefulSet/db: StatefulSet.apps \"db\" is invalid: spec: Forbidden: updates to statefulset spec")
    assert "`db-read` leads to the primary db-0 too; reads must never reach it" in out  # the checks look at the cluster

    with pytest.raises(CheckFailed) as refused:  # the graded test cell says why the per-pod names do not resolve
        ps6.q4_identity()
    assert "`db-0.db-headless` (replica 0) does not resolve: a StatefulSet pod gets `<pod>.<service>` only when `serviceName` names a headless Service" in refused.value.message


def test_a_design_never_applied_is_named(user_ns: dict[str, Any]) -> None:
    user_ns.update(NAMES)
    with pytest.raises(CheckFailed, match="no StatefulSet runs pods in ps6 yet"):
        ps6.q4_identity()


def test_ps6_reads_name_the_missing_labelling_step(user_ns: dict[str, Any]) -> None:
    user_ns.update(NAMES)
    lab.apply(FIXED)
    lab.wait_ready("tier=db", 3)
    with pytest.raises(CheckFailed) as unlabelled:
        ps6.q6_reads()
    assert "a Service with no ready endpoints: no pod carries every label its selector asks for" in unlabelled.value.message
    lab.kubectl("label pod db-0 role=primary")
    lab.kubectl("label pod db-1 db-2 role=replica")
    ps6.q6_reads()


def test_ps4_q2_teaches_pod_dot_headless_service(monkeypatch: pytest.MonkeyPatch) -> None:
    ns: dict[str, Any] = {}
    monkeypatch.setattr(answers, "_user_namespace", lambda: ns)
    monkeypatch.setenv("SVCLAB_FRESH", "1")
    session = lab.connect("ps4", fresh=True)
    try:
        lab.apply(MYSQL)
        ps4.label_roles()
        for wrong, says in [("mysql-0", "is the pod's name, but DNS has no record for a pod's bare name"),
                            (lab.pods().set_index("name").loc["mysql-0", "ip"], "is an IP address"),
                            ("mysql-0.mysql", "DNS does not know `mysql-0.mysql`")]:
            ns["write_host"] = wrong
            with pytest.raises(CheckFailed) as failed:
                ps4.q2_write()
            assert says in failed.value.message
            assert "`<pod>.<headless service>`" in failed.value.message
        ns["write_host"] = "mysql-0.mysql-headless"
        ps4.q2_write()
    finally:
        session.close()
