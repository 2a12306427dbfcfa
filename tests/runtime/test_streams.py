"""Exec, attach and port-forward streams as the API server serves them (the official Python
client and the real kubectl 1.36)."""

from __future__ import annotations

import re
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

from tests.conftest import kubectl_binary
from tests.runtime.conftest import AGNHOST, BUSYBOX, Lab, eventually


def _core(api_client: object) -> object:
    from kubernetes import client

    return client.CoreV1Api(api_client)


@contextmanager
def _python_client(lab: Lab) -> Iterator[object]:
    from kubernetes import config

    assert lab.cluster.kubeconfig_path is not None
    api = config.new_client_from_config(config_file=str(lab.cluster.kubeconfig_path))
    try:
        yield api
    finally:
        api.close()


def test_exec_stdin_streams_as_it_arrives_text_frames_and_the_status_after_exit(lab: Lab) -> None:
    from kubernetes.stream import stream

    lab.k("run", "box", f"--image={BUSYBOX}", "--", "sleep", "3600")
    lab.k("wait", "--for=condition=Ready", "pod/box")
    with _python_client(lab) as api:
        core = _core(api)
        resp = stream(core.connect_get_namespaced_pod_exec, "box", "default", command=["cat"], stdin=True,
                      stdout=True, stderr=True, tty=False, _preload_content=False)
        try:
            resp.write_stdin("first line\n")   # a str: sent as a TEXT frame
            echoed = eventually(lambda: (resp.update(timeout=0.2), resp.peek_stdout() and resp.read_stdout())[1], timeout=10)
            assert echoed == "first line\n"    # before stdin ends: cat echoes as you type
            resp.write_stdin(b"second\n")
            assert eventually(lambda: (resp.update(timeout=0.2), resp.peek_stdout() and resp.read_stdout())[1], timeout=10) == "second\n"
        finally:
            resp.close()
        failing = stream(core.connect_get_namespaced_pod_exec, "box", "default", command=["sh", "-c", "echo out; echo err >&2; exit 4"],
                         stdin=False, stdout=True, stderr=False, tty=False, _preload_content=False)
        failing.run_forever(timeout=10)
        assert failing.read_stdout() == "out\n"
        assert failing.read_stderr() == ""         # stderr=false: the runtime drops it
        assert failing.returncode == 4               # from the Status on channel 3


def test_exec_with_v5_closes_stdin_and_kubectl_gets_the_exit_code(lab: Lab) -> None:
    lab.k("run", "box", f"--image={BUSYBOX}", "--", "sleep", "3600")
    lab.k("wait", "--for=condition=Ready", "pod/box")
    got = lab.k("exec", "-i", "box", "--", "wc", "-l", stdin="a\nb\nc\n")
    assert got.stdout.split() == ["3"]
    failed = lab.k("exec", "box", "--", "sh", "-c", "exit 7", check=False)
    assert (failed.returncode, failed.stderr) == (7, "command terminated with exit code 7\n")


def test_attach_joins_a_running_command(lab: Lab) -> None:
    lab.k("run", "ticker", f"--image={BUSYBOX}", "--restart=Never", "--", "sh", "-c", "sleep 1; for i in 1 2 3; do echo tick $i; sleep 0.3; done")
    lab.k("wait", "--for=condition=Ready", "pod/ticker")
    attached = lab.k("attach", "ticker", timeout=30)
    assert "tick 3\n" in attached.stdout
    assert lab.k("logs", "ticker").stdout == "tick 1\ntick 2\ntick 3\n"


def test_portforward_without_an_upgrade_is_a_400(lab: Lab) -> None:
    lab.k("run", "web-0", f"--image={AGNHOST}", "--", "netexec", "--http-port=8080")
    got = lab.k("get", "--raw", "/api/v1/namespaces/default/pods/web-0/portforward", check=False)
    assert got.returncode == 1
    assert got.stderr.strip() == "Error from server (BadRequest): Upgrade request required"


@contextmanager
def _forwarding(lab: Lab, target: str, remote: int) -> Iterator[int]:
    proc = subprocess.Popen([kubectl_binary(), "port-forward", target, f":{remote}"], env=lab.k.env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.match(r"Forwarding from 127\.0\.0\.1:(\d+) -> (\d+)", line)
        assert match, line + (proc.stderr.read() if proc.poll() is not None and proc.stderr else "")
        yield int(match.group(1))
    finally:
        proc.terminate()
        proc.communicate(timeout=10)


def _get(port: int, path: str) -> str:
    deadline = time.monotonic() + 10
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as answer:
                return answer.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


WEB = f"""
apiVersion: v1
kind: Service
metadata: {{name: web}}
spec:
  clusterIP: None
  selector: {{app: web}}
  ports: [{{port: 8080, name: http}}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {{name: web}}
spec:
  serviceName: web
  replicas: 1
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers:
      - name: web
        image: {AGNHOST}
        args: ["netexec", "--http-port=8080"]
        ports: [{{containerPort: 8080, name: http}}]
"""


def test_port_forward_to_a_pod_a_service_and_a_deployment(lab: Lab) -> None:
    lab.k("apply", "-f", "-", stdin=WEB)
    lab.k("create", "deployment", "nginx", "--image=nginx:1.27", "--port=80")
    eventually(lambda: lab.k("get", "pods", "-o", "name").stdout.count("pod/") == 2)
    lab.k("wait", "--for=condition=Ready", "pod", "--all", "--timeout=30s")
    with _forwarding(lab, "pod/web-0", 8080) as port:
        assert _get(port, "/hostname") == "web-0"
        assert _get(port, "/hostname") == "web-0"    # a second connection on the same tunnel
    with _forwarding(lab, "svc/web", 8080) as port:
        assert _get(port, "/hostname") == "web-0"
    with _forwarding(lab, "deploy/nginx", 80) as port:
        assert "<title>Welcome to nginx!</title>" in _get(port, "/")


def test_port_forward_to_a_port_nothing_listens_on_reports_the_runtimes_error(lab: Lab) -> None:
    lab.k("run", "idle", f"--image={BUSYBOX}", "--", "sleep", "3600")
    lab.k("wait", "--for=condition=Ready", "pod/idle")
    proc = subprocess.Popen([kubectl_binary(), "port-forward", "pod/idle", ":80"], env=lab.k.env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        port = int(re.findall(r":(\d+) ->", proc.stdout.readline())[0])
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10)
        except OSError:
            pass
        _, err = proc.communicate(timeout=20)   # kubectl gives up on the tunnel after the error
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.communicate(timeout=10)
    assert "an error occurred forwarding" in err and "connect: connection refused" in err
