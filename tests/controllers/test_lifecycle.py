"""The namespace controller and the garbage collector, driven by informers: deletions cascade to
what was owned, and a namespace goes once everything in it has gone."""

from __future__ import annotations


def test_deleting_a_deployment_collects_its_replicasets_and_pods(start) -> None:
    run = start()
    run.k("create", "deployment", "web", "--image=nginx:1.27", "--replicas=3")
    run.k("create", "deployment", "kept", "--image=nginx:1.27", "--replicas=2")
    run.k("delete", "deployment", "web")
    assert run.get("replicasets", "-l", "app=web")["items"] == []
    assert run.get("pods", "-l", "app=web")["items"] == []
    run.k("delete", "deployment", "kept", "--cascade=orphan")
    orphans = run.get("replicasets", "-l", "app=kept")["items"]
    assert len(orphans) == 1 and "ownerReferences" not in orphans[0]["metadata"]
    assert len(run.get("pods", "-l", "app=kept")["items"]) == 2


def test_a_deleted_namespace_empties_then_goes(start) -> None:
    run = start()
    run.k("create", "namespace", "gone")
    run.k("-n", "gone", "create", "deployment", "web", "--image=nginx:1.27", "--replicas=2", "--port=80")
    run.k("-n", "gone", "expose", "deployment", "web", "--port=80")
    run.k("-n", "gone", "create", "configmap", "settings", "--from-literal=a=b")
    run.k("delete", "namespace", "gone")
    assert run.k("get", "namespace", "gone", check=False).returncode == 1
    assert all(p["metadata"]["namespace"] != "gone" for p in run.get("pods", "-A")["items"])
    assert all(s["metadata"]["namespace"] != "gone" for s in run.get("endpointslices", "-A")["items"])
