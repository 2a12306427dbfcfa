"""`kubectl create deployment big --image=nginx --replicas=100000` on a learner's cluster (no request
gate, pod delays as `svclab up` has them): the API keeps answering while the controllers make the
pods, 500 at a time. Behaviour only; the benchmark in bench/ measures how fast it answers."""

from __future__ import annotations

from svclab.resources import PODS, REPLICASETS
from svclab.state.store import WatchEvent


def test_a_hundred_thousand_replicas_do_not_freeze_the_api(start) -> None:
    run = start(pod_start_seconds=1.0, pod_stop_seconds=0.5)
    assert not run.cluster.config.settles
    trail: list[str] = []

    def watch(event: WatchEvent) -> None:
        if event.resource_key == PODS.key and event.type == "ADDED" and event.obj["metadata"].get("namespace") == "default":
            trail.append("p")
        elif event.resource_key == REPLICASETS.key and event.type == "MODIFIED":
            trail.append("|")

    run.cluster.call(lambda: run.cluster.store.subscribe(watch))
    created = run.k("create", "deployment", "big", "--image=nginx", "--replicas=100000")
    assert created.stdout == "deployment.apps/big created\n"
    answers = []
    while trail.count("p") < 1500:
        answer = run.k("get", "ns", "default", "-o", "name", timeout=30)
        answers.append(answer.stdout)
        assert run.k("create", "configmap", f"during-{len(answers)}").returncode == 0
    assert set(answers) == {"namespace/default\n"} and len(answers) >= 2
    runs = [len(chunk) for chunk in "".join(trail).split("|") if chunk]
    assert max(runs) <= 500, runs  # burstReplicas per sync, the ReplicaSet's status written in between
    rs = run.get("replicasets", "-l", "app=big")["items"][0]
    assert 0 < rs["status"]["replicas"] < 100000
