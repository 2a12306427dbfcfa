"""Issue 10, bounded exec, with the real kubectl: the commands that broke the old toolbox.

- `kubectl exec bb -- sh -c 'seq 1 15000000 | wc -l'` stalled every API client: now another
  client's request is answered while the exec still runs;
- `seq 1 inf | wc -l` grew the cluster to gigabytes: now it streams in constant memory until its
  CPU budget ends it, with a non-zero exit and a message;
- `echo $((1<<100000))` lost its output and exited 0: now it prints what busybox prints;
- on a terminal (`kubectl exec -it … sh`) a loop runs until Ctrl-C, which interrupts it and gives
  the prompt back.
"""

from __future__ import annotations

import resource
import subprocess
import time
from collections.abc import Callable

from svclab.network.budget import MIB, Limits
from svclab.network.session import Session
from tests.conftest import kubectl_binary
from tests.network_e2e.conftest import TERMINATED, Lab
from tests.network_e2e.test_interactive import terminal

WAIT_SECONDS = 60.0
CPU_SECONDS = 0.5


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.02)


def exec_sessions(lab: Lab) -> list[Session]:
    assert lab.cluster.network is not None
    return lab.cluster.network.sessions.running()


def test_a_long_exec_does_not_stall_other_clients(lab: Lab) -> None:
    ns = lab.namespace()
    lab.client(ns)
    command = [kubectl_binary(), "-n", ns, "exec", "client", "--", "sh", "-c", "seq 1 15000000 | wc -l"]
    proc = subprocess.Popen(command, env=lab.k.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: len(exec_sessions(lab)) == 1, "the exec never started")
        answered_while_running = 0
        while proc.poll() is None and answered_while_running < 3:
            assert lab.k("get", "ns", "default", "-o", "name").stdout == "namespace/default\n"
            if exec_sessions(lab):   # the exec had not finished when the answer came
                answered_while_running += 1
        out, err = proc.communicate(timeout=WAIT_SECONDS * 4)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert (out, err, proc.returncode) == ("15000000\n", "", 0)
    assert answered_while_running >= 1


def test_seq_inf_streams_until_its_cpu_budget_ends_it(start_lab: Callable[..., Lab]) -> None:
    lab = start_lab(manual_clock=True, exec_limits=Limits(cpu_seconds=CPU_SECONDS))
    ns = lab.namespace()
    lab.client(ns)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    result = lab.exec(ns, "client", "sh", "-c", "seq 1 inf | wc -l")
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - before
    assert (result.stdout, result.stderr, result.returncode) == (
        "", "CPU time limit exceeded\n" + TERMINATED.format(code=152), 152)
    assert grown < 64 * MIB   # the old toolbox buffered the whole output: gigabytes
    # the same budget stops a direct exec; the pod and the API carry on
    direct = lab.exec(ns, "client", "wc", "-l", "/dev/zero")
    assert (direct.stdout, direct.stderr, direct.returncode) == (
        "", "CPU time limit exceeded\n" + TERMINATED.format(code=152), 152)
    assert lab.exec(ns, "client", "sh", "-c", "seq 1 inf | head -3").stdout == "1\n2\n3\n"
    assert lab.k("get", "ns", "default", "-o", "name").stdout == "namespace/default\n"


def test_arithmetic_is_busybox_64_bit(lab: Lab) -> None:
    ns = lab.namespace()
    lab.client(ns)
    result = lab.exec(ns, "client", "sh", "-c", "echo $((1<<100000))")
    assert (result.stdout, result.stderr, result.returncode) == ("4294967296\n", "", 0)
    result = lab.exec(ns, "client", "sh", "-c", "echo $((1/0))")
    assert (result.stdout, result.stderr, result.returncode) == ("", "sh: divide by zero\n" + TERMINATED.format(code=2), 2)


def test_ctrl_c_interrupts_a_loop_on_the_terminal(start_lab: Callable[..., Lab]) -> None:
    lab = start_lab(manual_clock=True, exec_limits=Limits(cpu_seconds=CPU_SECONDS))
    ns = lab.namespace()
    lab.client(ns)
    lab.k("-n", ns, "create", "deployment", "web", "--image=registry.k8s.io/e2e-test-images/agnhost:2.52", "--replicas=2",
          "--", "/agnhost", "netexec", "--http-port=80")   # answers /hostname (nginx would not)
    lab.k("-n", ns, "expose", "deployment", "web", "--port=80")
    lab.wait_ready(ns, "app=web")
    # without a terminal, a busy loop is stopped by the CPU budget
    busy = lab.exec(ns, "client", "sh", "-c", "while true; do :; done")
    assert (busy.stderr, busy.returncode) == ("CPU time limit exceeded\n" + TERMINATED.format(code=152), 152)

    with terminal(lab.k, "-n", ns, "exec", "-it", "client", "--", "sh") as term:
        term.read_until("/ # ")
        term.type("while true; do wget -qO- http://web/hostname; echo; sleep 1; done\r")
        loop_started = len(term.read_until("done\r\n"))

        def answers() -> int:
            term._read(0.2)
            return term.screen.decode(errors="replace").count("\r\nweb-", loop_started - 2)

        wait_for(lambda: answers() >= 3, "the loop never printed three answers")
        term.type("\x03")
        term.read_until("^C\r\n/ # ")
        term.type("echo $?\r")
        term.read_until("echo $?\r\n130\r\n/ # ")
        # a terminal session has no CPU budget: a busy loop runs until Ctrl-C
        [session] = exec_sessions(lab)
        term.type("while true; do :; done\r")
        wait_for(lambda: session.budget.cpu_used() > 3 * CPU_SECONDS, "the loop never used its CPU")
        assert session.running
        term.type("\x03")
        term.read_until("while true; do :; done\r\n^C\r\n/ # ")
        term.type("exit\r")   # exit without a status: the last one, 130 from the interrupt
        assert term.wait() == 130, term.screen
        assert term.screen.endswith(b"/ # exit\r\ncommand terminated with exit code 130\r\n")


def test_deleting_the_pod_kills_its_execs(lab: Lab) -> None:
    ns = lab.namespace()
    lab.client(ns)
    command = [kubectl_binary(), "-n", ns, "exec", "client", "--", "sleep", "3600"]
    proc = subprocess.Popen(command, env=lab.k.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: len(exec_sessions(lab)) == 1, "the exec never started")
        lab.k("-n", ns, "delete", "pod", "client", "--wait=false")
        out, err = proc.communicate(timeout=WAIT_SECONDS)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert (out, err, proc.returncode) == ("", TERMINATED.format(code=137), 137)
    wait_for(lambda: not exec_sessions(lab), "the session outlived its pod")
