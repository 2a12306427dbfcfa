"""Containers run their command: phase, exit code, reason, restarts with the kubelet's back-off,
and the command's output kept as the container log (`kubectl logs`)."""

from __future__ import annotations

import os
import pty
import select
import time

from tests.conftest import kubectl_binary
from tests.runtime.conftest import BUSYBOX, Lab, eventually


def test_a_command_that_exits_0_completes_and_its_output_is_the_log(lab: Lab) -> None:
    lab.k("run", "hello", f"--image={BUSYBOX}", "--restart=Never", "--", "sh", "-c", "echo hi; echo oops >&2")
    eventually(lambda: lab.pod("hello")["status"]["phase"] == "Succeeded")
    terminated = lab.state("hello")["state"]["terminated"]
    assert (terminated["exitCode"], terminated["reason"]) == (0, "Completed")
    assert lab.status_column("hello") == "Completed"
    assert lab.k("logs", "hello").stdout == "hi\noops\n"


def test_a_command_that_exits_1_fails_with_restart_never(lab: Lab) -> None:
    lab.k("run", "bad", f"--image={BUSYBOX}", "--restart=Never", "--", "sh", "-c", "echo boom; exit 1")
    eventually(lambda: lab.pod("bad")["status"]["phase"] == "Failed")
    terminated = lab.state("bad")["state"]["terminated"]
    assert (terminated["exitCode"], terminated["reason"]) == (1, "Error")
    assert lab.status_column("bad") == "Error"
    assert lab.k("logs", "bad").stdout == "boom\n"
    refused = lab.k("logs", "bad", "--previous", check=False)
    assert refused.returncode == 1
    assert refused.stderr.strip() == 'Error from server (BadRequest): previous terminated container "bad" in pod "bad" not found'


def test_a_missing_program_is_a_start_error(lab: Lab) -> None:
    lab.k("run", "typo", f"--image={BUSYBOX}", "--restart=Never", "--", "nslookupp", "web")
    eventually(lambda: lab.pod("typo")["status"]["phase"] == "Failed")
    terminated = lab.state("typo")["state"]["terminated"]
    assert (terminated["exitCode"], terminated["reason"]) == (128, "StartError")
    assert "nslookupp" in terminated["message"]


def test_restart_always_crash_loops_with_the_kubelets_back_off_on_the_cluster_clock(start) -> None:
    lab = start(manual_clock=True)
    lab.k("run", "crash", f"--image={BUSYBOX}", "--", "sh", "-c", "echo attempt; exit 1")
    # the first exit restarts at once (doBackOff has no entry yet); the second waits 10 s
    state = eventually(lambda: (s := lab.state("crash"))["restartCount"] == 1 and "waiting" in s["state"] and s)
    waiting = state["state"]["waiting"]
    uid = lab.pod("crash")["metadata"]["uid"]
    assert waiting == {"reason": "CrashLoopBackOff",
                       "message": f"back-off 10s restarting failed container=crash pod=crash_default({uid})"}
    assert state["lastState"]["terminated"]["exitCode"] == 1
    assert lab.status_column("crash") == "CrashLoopBackOff"
    assert lab.pod("crash")["status"]["phase"] == "Running"
    lab.cluster.advance(9)
    assert lab.state("crash")["restartCount"] == 1
    lab.cluster.advance(1)
    state = eventually(lambda: (s := lab.state("crash"))["restartCount"] == 2 and "waiting" in s["state"] and s)
    assert state["state"]["waiting"]["message"].startswith("back-off 20s ")
    for seconds, expected in ((20, "40s"), (40, "1m20s"), (80, "2m40s"), (160, "5m0s"), (300, "5m0s")):
        count = state["restartCount"]
        lab.cluster.advance(seconds)
        state = eventually(lambda: (s := lab.state("crash"))["restartCount"] == count + 1 and "waiting" in s["state"] and s)
        assert state["state"]["waiting"]["message"].startswith(f"back-off {expected} ")
    backoffs = [e for e in lab.events("crash") if e["reason"] == "BackOff"]
    assert backoffs and backoffs[0]["type"] == "Warning"
    assert backoffs[0]["message"] == f"Back-off restarting failed container crash in pod crash_default({uid})"
    assert lab.k("logs", "crash").stdout == "attempt\n"
    assert lab.k("logs", "crash", "--previous").stdout == "attempt\n"


def test_on_failure_restarts_a_failure_and_completes_on_success(lab: Lab) -> None:
    script = "if [ -e /tmp/second ]; then echo done; exit 0; fi; touch /tmp/second; echo fail; exit 3"
    lab.k("run", "retry", f"--image={BUSYBOX}", "--restart=OnFailure", "--", "sh", "-c", script)
    eventually(lambda: lab.pod("retry")["status"]["phase"] == "Succeeded")
    state = lab.state("retry")
    assert state["restartCount"] == 1
    assert state["lastState"]["terminated"]["exitCode"] == 3
    assert lab.k("logs", "retry").stdout == "done\n"
    assert lab.k("logs", "retry", "--previous").stdout == "fail\n"


def test_a_busybox_pod_with_no_command_completes_and_crash_loops(lab: Lab) -> None:
    """The image's CMD is `sh`; without stdin it reads end of file and exits 0 (Completed), which
    restartPolicy Always restarts: the familiar CrashLoopBackOff of `kubectl run x --image=busybox`."""
    lab.k("run", "bare", f"--image={BUSYBOX}")
    state = eventually(lambda: (s := lab.state("bare"))["restartCount"] >= 1 and "waiting" in s["state"] and s)
    assert state["lastState"]["terminated"]["reason"] == "Completed"
    assert lab.status_column("bare") == "CrashLoopBackOff"


def test_logs_options_tail_timestamps_limit_and_follow(lab: Lab) -> None:
    lab.k("run", "count", f"--image={BUSYBOX}", "--restart=Never", "--", "seq", "1", "5")
    eventually(lambda: lab.pod("count")["status"]["phase"] == "Succeeded")
    assert lab.k("logs", "count", "--tail=2").stdout == "4\n5\n"
    assert lab.k("logs", "count", "--limit-bytes=3").stdout == "1\n2"
    stamped = lab.k("logs", "count", "--timestamps", "--tail=1").stdout
    stamp, line = stamped.rstrip("\n").split(" ")
    assert line == "5" and stamp.endswith("Z") and stamp[10] == "T"
    lab.k("run", "ticker", f"--image={BUSYBOX}", "--restart=Never", "--", "sh", "-c", "for i in 1 2 3; do echo tick $i; sleep 0.2; done")
    eventually(lambda: lab.pod("ticker")["status"]["phase"] in ("Running", "Succeeded"))
    followed = lab.k("logs", "-f", "ticker", timeout=30)
    assert followed.stdout == "tick 1\ntick 2\ntick 3\n"


def test_logs_of_a_multi_container_pod_need_a_container(lab: Lab) -> None:
    manifest = f"""
apiVersion: v1
kind: Pod
metadata: {{name: two}}
spec:
  restartPolicy: Never
  containers:
  - {{name: a, image: "{BUSYBOX}", command: [echo, from-a]}}
  - {{name: b, image: "{BUSYBOX}", command: [echo, from-b]}}
"""
    lab.k("apply", "-f", "-", stdin=manifest)
    eventually(lambda: lab.pod("two")["status"]["phase"] == "Succeeded")
    assert lab.k("logs", "two", "-c", "b").stdout == "from-b\n"
    # kubectl may fetch the containers' logs concurrently: each line carries its prefix, the order between containers is kubectl's
    assert sorted(lab.k("logs", "two", "--all-containers", "--prefix").stdout.splitlines()) == ["[pod/two/a] from-a", "[pod/two/b] from-b"]
    raw = lab.k("get", "--raw", "/api/v1/namespaces/default/pods/two/log", check=False)
    assert "a container name must be specified for pod two, choose one of: [a b]" in raw.stderr


def test_the_log_is_bounded(lab: Lab) -> None:
    lab.k("run", "chatty", f"--image={BUSYBOX}", "--restart=Never", "--", "seq", "1", "400000")
    eventually(lambda: lab.pod("chatty")["status"]["phase"] == "Succeeded", timeout=60)
    out = lab.k("logs", "chatty").stdout
    assert out.endswith("399999\n400000\n")
    assert len(out) <= 1024 * 1024 and not out.startswith("1\n")


def test_mysql_without_a_password_crash_loops_with_the_entrypoints_error(lab: Lab) -> None:
    lab.k("run", "db", "--image=mysql:8.0")
    eventually(lambda: lab.status_column("db") == "CrashLoopBackOff")
    log = lab.k("logs", "db").stdout.splitlines()
    assert log[0].endswith("[Note] [Entrypoint]: Entrypoint script for MySQL Server 8.0.46-1.el9 started.")
    assert log[3].endswith("[ERROR] [Entrypoint]: Database is uninitialized and password option is not specified")
    assert log[4:] == ["    You need to specify one of the following as an environment variable:",
                       "    - MYSQL_ROOT_PASSWORD", "    - MYSQL_ALLOW_EMPTY_PASSWORD", "    - MYSQL_RANDOM_ROOT_PASSWORD"]
    assert lab.state("db")["lastState"]["terminated"]["exitCode"] == 1


def test_kubectl_run_i_rm_streams_the_answer_and_deletes_the_pod(lab: Lab) -> None:
    result = lab.k("run", "-i", "--rm", "--restart=Never", "dnscheck", f"--image={BUSYBOX}", "--",
                   "nslookup", "kubernetes.default.svc.cluster.local", timeout=60)
    assert result.stdout.startswith("Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\nName:\tkubernetes.default.svc.cluster.local\nAddress: 10.96.0.1\n")
    assert 'pod "dnscheck" deleted' in result.stdout
    assert lab.k("get", "pods", "-o", "name").stdout == ""


def test_kubectl_run_i_feeds_stdin_to_the_command(lab: Lab) -> None:
    result = lab.k("run", "-i", "--rm", "--restart=Never", "upper", f"--image={BUSYBOX}", "--", "tr", "a-z", "A-Z",
                   stdin="hello\nworld\n", timeout=60)
    assert result.stdout.startswith("HELLO\nWORLD\n")


def test_kubectl_run_i_reports_the_commands_exit_code(lab: Lab) -> None:
    result = lab.k("run", "-i", "--rm", "--restart=Never", "fails", f"--image={BUSYBOX}", "--", "sh", "-c", "echo no; exit 3",
                   check=False, timeout=60)
    assert result.returncode == 3
    assert "no\n" in result.stdout
    assert "pod default/fails terminated (Error)" in result.stderr


def _on_a_terminal(lab: Lab, args: list[str], keys: list[bytes]) -> tuple[str, int]:
    pid, fd = pty.fork()
    if pid == 0:   # the child: kubectl on the pty
        os.execve(kubectl_binary(), [kubectl_binary(), *args], lab.k.env())
    out = bytearray()

    def read(seconds: float, until: bytes | None = None) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not (until and until in out):
            ready, _, _ = select.select([fd], [], [], 0.05)
            if ready:
                try:
                    out.extend(os.read(fd, 4096))
                except OSError:
                    return

    read(20, b"/ # ")
    for key in keys:
        os.write(fd, key)
        read(5, key.strip()[-4:] if key.strip() else None)
    read(20, b"deleted")
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return out.decode(errors="replace"), os.waitstatus_to_exitcode(status)


def test_kubectl_run_it_rm_sh_and_exit(lab: Lab) -> None:
    out, code = _on_a_terminal(lab, ["run", "--rm", "-it", "--restart=Never", "shell", f"--image={BUSYBOX}", "--", "sh"],
                               [b"echo hi there\r", b"exit\r"])
    assert code == 0, out
    assert "hi there\r\n" in out
    assert 'pod "shell" deleted' in out
    assert lab.k("get", "pods", "-o", "name").stdout == ""


def test_a_restarted_cluster_starts_its_running_containers_again(start) -> None:
    lab = start("node")
    lab.k("run", "worker", f"--image={BUSYBOX}", "--", "sh", "-c", "echo started; sleep 3600")
    eventually(lambda: lab.k("logs", "worker").stdout == "started\n")
    lab.cluster.stop()
    again = start("node")
    eventually(lambda: again.k("logs", "worker").stdout == "started\n")
    assert again.pod("worker")["status"]["phase"] == "Running"
