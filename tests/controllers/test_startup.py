"""Start-up: the store is restored (or bootstrapped), then the controllers start and catch up with
a full resync of their informers, as a controller manager restart does. Nothing they do can fail
or delay the start."""

from __future__ import annotations

from svclab.resources import PODS


def test_a_restart_catches_up_with_what_happened_while_controllers_were_down(start) -> None:
    run = start()
    run.k("create", "deployment", "web", "--image=nginx:1.27", "--replicas=2")
    names = [p["metadata"]["name"] for p in run.get("pods", "-l", "app=web")["items"]]

    def lose_pods() -> None:  # the controllers are gone; the pods vanish behind their backs
        run.cluster.manager.stop()
        for name in names:
            run.cluster.store.delete(PODS, "default", name)

    run.cluster.call(lose_pods)
    assert run.get("pods", "-l", "app=web")["items"] == []
    run.cluster.stop()
    again = start()
    pods = again.get("pods", "-l", "app=web")["items"]
    assert len(pods) == 2 and all(p["status"]["phase"] == "Running" for p in pods)
    assert not {p["metadata"]["name"] for p in pods} & set(names)


def test_start_up_is_not_held_up_by_a_broken_object(start) -> None:
    run = start()
    run.k("create", "deployment", "web", "--image=nginx:1.27", "--replicas=1")

    def corrupt() -> None:  # a pod status no controller expects, as an old state file could hold
        pod = next(p for p in run.cluster.store.list(PODS, "default"))
        pod["status"] = {**pod["status"], "phase": "Bogus", "podIP": "not-an-ip", "podIPs": [{"ip": "not-an-ip"}]}
        run.cluster.store.update(PODS, pod)

    run.cluster.call(corrupt)
    run.cluster.stop()
    again = start()
    assert again.k("create", "configmap", "after").returncode == 0
    assert again.k("get", "pods").returncode == 0
