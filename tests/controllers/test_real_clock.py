"""Time-based work on a learner's cluster (real clock, `svclab up`'s delays): pods start after the
start delay and stop after the stop delay, through delayed requeues on the cluster clock."""

from __future__ import annotations


def test_pods_start_and_stop_after_their_delays(start) -> None:
    run = start(pod_start_seconds=3.0, pod_stop_seconds=0.5)
    run.k("run", "slow", "--image=nginx:1.27")
    first = run.get("pod", "slow")["status"]
    assert first["phase"] == "Pending"  # the write was answered before the start delay ran out
    run.k("wait", "--for=condition=Ready", "pod/slow", "--timeout=30s")
    assert run.get("pod", "slow")["status"]["phase"] == "Running"
    deleted = run.k("delete", "pod", "slow", "--timeout=30s")  # kubectl waits until it is gone
    assert deleted.stdout == 'pod "slow" deleted from default namespace\n'
    assert run.k("get", "pod", "slow", check=False).returncode == 1
    assert run.messages("Pod", "slow", "Killing") == ["Stopping container slow"]
