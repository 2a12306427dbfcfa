"""Graceful pod deletion as the kubelet does it: SIGTERM at once, the pod Terminating until its
containers have stopped or its grace period is over (capped by the cluster's pod stop delay, here
the full 30 s on a manual clock)."""

from __future__ import annotations

from tests.runtime.conftest import BUSYBOX, Lab, eventually


def _gone(lab: Lab, name: str) -> bool:
    return lab.k("get", "pod", name, "--ignore-not-found", "-o", "name").stdout == ""


def test_a_sleep_pod_ignores_sigterm_and_takes_its_grace_period(start) -> None:
    lab = start(manual_clock=True, pod_stop_seconds=30)
    lab.k("run", "sleeper", f"--image={BUSYBOX}", "--", "sleep", "3600")
    lab.k("wait", "--for=condition=Ready", "pod/sleeper")
    lab.k("delete", "pod", "sleeper", "--wait=false")
    assert lab.status_column("sleeper") == "Terminating"
    assert lab.pod("sleeper")["metadata"]["deletionGracePeriodSeconds"] == 30
    killing = [e for e in lab.events("sleeper") if e["reason"] == "Killing"]
    assert killing[0]["message"] == "Stopping container sleeper"
    lab.cluster.advance(29)
    assert not _gone(lab, "sleeper")
    lab.cluster.advance(1)
    eventually(lambda: _gone(lab, "sleeper"))


def test_nginx_exits_on_its_stop_signal_and_goes_at_once(start) -> None:
    lab = start(manual_clock=True, pod_stop_seconds=30)
    lab.k("run", "web", "--image=nginx:1.27")
    lab.k("wait", "--for=condition=Ready", "pod/web")
    lab.k("delete", "pod", "web", "--wait=false")
    eventually(lambda: _gone(lab, "web"))


def test_a_shorter_grace_period_and_a_forced_deletion(start) -> None:
    lab = start(manual_clock=True, pod_stop_seconds=30)
    for name in ("a", "b"):
        lab.k("run", name, f"--image={BUSYBOX}", "--", "sleep", "3600")
        lab.k("wait", "--for=condition=Ready", f"pod/{name}")
    lab.k("delete", "pod", "a", "--grace-period=5", "--wait=false")
    lab.cluster.advance(4)
    assert not _gone(lab, "a")
    lab.cluster.advance(1)
    eventually(lambda: _gone(lab, "a"))
    forced = lab.k("delete", "pod", "b", "--grace-period=0", "--force")
    assert forced.stderr.startswith("Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated.")
    assert _gone(lab, "b")


def test_the_stop_delay_caps_the_grace_period_so_lessons_stay_fast(start) -> None:
    lab = start(manual_clock=True, pod_stop_seconds=2)
    lab.k("run", "sleeper", f"--image={BUSYBOX}", "--", "sleep", "3600")
    lab.k("wait", "--for=condition=Ready", "pod/sleeper")
    lab.k("delete", "pod", "sleeper", "--wait=false")
    lab.cluster.advance(2)
    eventually(lambda: _gone(lab, "sleeper"))
