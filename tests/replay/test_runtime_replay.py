"""Containers, logs, exec streams and port-forward, replayed with the real kubectl and the official
Python client against the replay target: the embedded cluster, or kind (``SVCLAB_BACKEND=kind``).
Nothing here reaches inside the embedded cluster; every expectation is what kind shows."""

from __future__ import annotations

import json
import re
import subprocess
import time
import urllib.request
from typing import Any

from tests.conftest import kubectl_binary
from tests.replay.conftest import ReplayTarget

BUSYBOX = "busybox:1.36.1"
AGNHOST = "registry.k8s.io/e2e-test-images/agnhost:2.52"


def _wait(check: Any, timeout: float = 90.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"still {result!r} after {timeout} s")
        time.sleep(0.2)


def _pod(target: ReplayTarget, name: str) -> dict[str, Any]:
    return json.loads(target.kubectl("-n", target.namespace, "get", "pod", name, "-o", "json").stdout)


def _status(target: ReplayTarget, name: str) -> str:
    return target.kubectl("-n", target.namespace, "get", "pod", name, "--no-headers").stdout.split()[2]


def test_run_i_rm_nslookup_prints_the_answer_exits_0_and_removes_the_pod(target: ReplayTarget) -> None:
    ns = target.namespace
    got = target.kubectl("-n", ns, "run", "-i", "--rm", "--restart=Never", "dnscheck", f"--image={BUSYBOX}", "--",
                         "nslookup", "kubernetes.default.svc.cluster.local", timeout=180)
    assert got.returncode == 0
    assert "Name:\tkubernetes.default.svc.cluster.local\nAddress: 10.96.0.1\n" in got.stdout
    assert f'pod "dnscheck" deleted from {ns} namespace' in got.stdout
    assert target.kubectl("-n", ns, "get", "pods", "-o", "name").stdout == ""


def test_a_completed_pods_log_and_a_failed_pod(target: ReplayTarget) -> None:
    ns = target.namespace
    target.kubectl("-n", ns, "run", "hello", f"--image={BUSYBOX}", "--restart=Never", "--", "sh", "-c", "echo hello from the pod")
    target.kubectl("-n", ns, "run", "bad", f"--image={BUSYBOX}", "--restart=Never", "--", "sh", "-c", "echo failing; exit 1")
    _wait(lambda: _pod(target, "hello")["status"]["phase"] == "Succeeded")
    _wait(lambda: _pod(target, "bad")["status"]["phase"] == "Failed")
    assert target.kubectl("-n", ns, "logs", "hello").stdout == "hello from the pod\n"
    assert (_status(target, "hello"), _status(target, "bad")) == ("Completed", "Error")
    terminated = _pod(target, "bad")["status"]["containerStatuses"][0]["state"]["terminated"]
    assert (terminated["exitCode"], terminated["reason"]) == (1, "Error")
    assert target.kubectl("-n", ns, "logs", "bad").stdout == "failing\n"


def test_a_command_that_exits_1_with_restart_always_goes_crashloopbackoff(target: ReplayTarget) -> None:
    ns = target.namespace
    target.kubectl("-n", ns, "run", "crash", f"--image={BUSYBOX}", "--", "sh", "-c", "echo crashing; exit 1")
    _wait(lambda: _status(target, "crash") == "CrashLoopBackOff")

    def backing_off() -> dict[str, Any] | None:   # one read: the state moves on while we look
        status = _pod(target, "crash")["status"]
        waiting = status["containerStatuses"][0]["state"].get("waiting") or {}
        return status if waiting.get("reason") == "CrashLoopBackOff" else None

    status = _wait(backing_off)
    container = status["containerStatuses"][0]
    assert status["phase"] == "Running"
    assert container["restartCount"] >= 1 and container["lastState"]["terminated"]["exitCode"] == 1
    assert re.fullmatch(r"back-off \d+s restarting failed container=crash pod=crash_" + re.escape(ns) + r"\(.+\)",
                        container["state"]["waiting"]["message"])
    assert target.kubectl("-n", ns, "logs", "crash", "--previous").stdout == "crashing\n"


def test_exec_streams_stdin_and_honours_the_stderr_flag(target: ReplayTarget) -> None:
    from kubernetes import client
    from kubernetes.stream import stream

    ns = target.namespace
    target.kubectl("-n", ns, "run", "box", f"--image={BUSYBOX}", "--", "sleep", "3600")
    target.kubectl("-n", ns, "wait", "--for=condition=Ready", "pod/box", "--timeout=120s")
    api = target.api_client()
    try:
        core = client.CoreV1Api(api)
        resp = stream(core.connect_get_namespaced_pod_exec, "box", ns, command=["cat"], stdin=True, stdout=True,
                      stderr=True, tty=False, _preload_content=False)
        try:
            resp.write_stdin("typed\n")
            echoed = _wait(lambda: (resp.update(timeout=0.2), resp.peek_stdout() and resp.read_stdout())[1], timeout=20)
            assert echoed == "typed\n"
        finally:
            resp.close()
        quiet = stream(core.connect_get_namespaced_pod_exec, "box", ns, command=["sh", "-c", "echo out; echo err >&2; exit 3"],
                       stdin=False, stdout=True, stderr=False, tty=False, _preload_content=False)
        quiet.run_forever(timeout=20)
        assert (quiet.read_stdout(), quiet.read_stderr(), quiet.returncode) == ("out\n", "", 3)
    finally:
        api.close()   # type: ignore[attr-defined]


def test_port_forward_reaches_the_pod(target: ReplayTarget) -> None:
    ns = target.namespace
    target.kubectl("-n", ns, "run", "web-0", f"--image={AGNHOST}", "--", "netexec", "--http-port=8080")
    target.kubectl("-n", ns, "wait", "--for=condition=Ready", "pod/web-0", "--timeout=120s")
    argv = [kubectl_binary(), *(["--context", target.context] if target.context else []), "-n", ns, "port-forward", "pod/web-0", ":8080"]
    proc = subprocess.Popen(argv, env=target.kubectl.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        port = int(re.findall(r"127\.0\.0\.1:(\d+) -> 8080", proc.stdout.readline())[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/hostname", timeout=20) as answer:
            assert answer.read() == b"web-0"
    finally:
        proc.terminate()
        proc.communicate(timeout=10)
    refused = target.kubectl("get", "--raw", f"/api/v1/namespaces/{ns}/pods/web-0/portforward", check=False)
    assert refused.stderr.strip() == "Error from server (BadRequest): Upgrade request required"


def test_nginx_answers_with_its_welcome_page_and_a_sleep_pod_refuses(target: ReplayTarget) -> None:
    ns = target.namespace
    target.kubectl("-n", ns, "run", "web", "--image=nginx:1.27")
    target.kubectl("-n", ns, "run", "client", f"--image={BUSYBOX}", "--", "sleep", "3600")
    for name in ("web", "client"):
        target.kubectl("-n", ns, "wait", "--for=condition=Ready", f"pod/{name}", "--timeout=120s")
    ip = _pod(target, "web")["status"]["podIP"]
    page = target.kubectl("-n", ns, "exec", "client", "--", "wget", "-S", "-O", "-", f"http://{ip}/")
    assert "<title>Welcome to nginx!</title>" in page.stdout
    assert "  Server: nginx/1.27.5" in page.stderr.splitlines()
    client_ip = _pod(target, "client")["status"]["podIP"]
    refused = target.kubectl("-n", ns, "exec", "client", "--", "wget", "-T", "5", "-O", "-", f"http://{client_ip}/", check=False)
    assert refused.returncode == 1 and "Connection refused" in refused.stderr
