"""Interactive sessions as on kind: the real kubectl on a pseudo-terminal (so it puts the terminal in
raw mode and streams keystrokes) for `kubectl exec -it POD -- sh` and `kubectl run --rm -it ... -- /bin/sh`;
and `kubectl exec -i POD -- sh` running a piped script."""

from __future__ import annotations

import fcntl
import os
import select
import signal
import struct
import subprocess
import termios
import time
from collections.abc import Iterator
from contextlib import contextmanager

from tests.conftest import Kubectl, kubectl_binary
from tests.network_e2e.conftest import BUSYBOX, Lab, short_name_lookup

TIMEOUT = 20.0


class Terminal:
    """kubectl running on a pty: what it shows, what we type, how it ends."""

    def __init__(self, k: Kubectl, *args: str) -> None:
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        self.proc = subprocess.Popen([kubectl_binary(), *args], env=k.env(), stdin=slave, stdout=slave, stderr=slave,
                                     start_new_session=True, close_fds=True)
        os.close(slave)
        self.screen = b""

    def read_until(self, text: str, timeout: float = TIMEOUT) -> str:
        """Read until TEXT is on the screen (everything read so far is kept); fail after TIMEOUT."""
        deadline = time.monotonic() + timeout
        wanted = text.encode()
        while wanted not in self.screen:
            left = deadline - time.monotonic()
            if left <= 0 or not self._read(left):
                raise AssertionError(f"{text!r} never appeared; the screen shows:\n{self.screen.decode(errors='replace')}")
        return self.screen.decode(errors="replace")

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return False
        try:
            data = os.read(self.master, 65536)
        except OSError:   # EIO: kubectl exited and the pty closed
            return False
        self.screen += data
        return bool(data)

    def type(self, text: str) -> None:
        os.write(self.master, text.encode())

    def wait(self, timeout: float = TIMEOUT) -> int:
        """kubectl's exit code, reading the rest of what it prints meanwhile."""
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            self._read(0.1)
        while self._read(0.1):
            pass
        code = self.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        return code

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)
        os.close(self.master)


@contextmanager
def terminal(k: Kubectl, *args: str) -> Iterator[Terminal]:
    term = Terminal(k, *args)
    try:
        yield term
    finally:
        term.kill()


def test_exec_it_shell_session(lab: Lab) -> None:
    ns = lab.namespace()
    lab.client(ns)
    lab.k("-n", ns, "create", "service", "clusterip", "web-service", "--tcp=80:80")
    cluster_ip = lab.jsonpath(ns, "svc/web-service", "{.spec.clusterIP}")
    hostname = lab.jsonpath(ns, "pod/client", "{.spec.hostname}") or "client"

    with terminal(lab.k, "-n", ns, "exec", "-it", "client", "--", "sh") as term:
        term.read_until("/ # ")
        term.type("nslookup web-service\r")
        expected = short_name_lookup("web-service", ns, [cluster_ip]).replace("\n", "\r\n")
        screen = term.read_until(expected + "/ # ")
        assert "/ # nslookup web-service\r\n" + expected + "/ # " in screen

        term.type("echo $HOSTNAME\r")
        term.read_until(f"/ # echo $HOSTNAME\r\n{hostname}\r\n/ # ")
        # state lives on between lines; the prompt follows the working directory
        term.type("cd /tmp && pwd\r")
        term.read_until("/ # cd /tmp && pwd\r\n/tmp\r\n/tmp # ")
        term.type("X=1; echo $X $PWD\r")
        term.read_until("\r\n1 /tmp\r\n/tmp # ")
        # line editing: backspace erases, Ctrl-C abandons the line; errors share the terminal
        term.type("echo abx\x7fc\r")
        term.read_until("echo abx\b \bc\r\nabc\r\n/tmp # ")
        term.type("nosuch\x03")
        term.read_until("/tmp # nosuch^C\r\n/tmp # ")
        term.type("echo $?; nosuch\r")
        term.read_until("\r\n130\r\nsh: nosuch: not found\r\n/tmp # ")
        term.type("exit 3\r")
        code = term.wait()
        assert code == 3, term.screen
        assert term.screen.endswith(b"/tmp # exit 3\r\ncommand terminated with exit code 3\r\n"), term.screen


def test_exec_it_ctrl_d_and_non_shell_command(lab: Lab) -> None:
    ns = lab.namespace()
    lab.client(ns)
    with terminal(lab.k, "-n", ns, "exec", "-it", "client", "--", "/bin/sh") as term:
        term.read_until("/ # ")
        term.type("false\r")
        term.read_until("/ # false\r\n/ # ")
        term.type("\x04")   # end of input on an empty line: ash exits with the last status
        assert term.wait() == 1
        assert term.screen.endswith(b"command terminated with exit code 1\r\n"), term.screen

    with terminal(lab.k, "-n", ns, "exec", "-it", "client", "--", "sh", "-c", "echo one; echo two >&2") as term:
        assert term.wait() == 0
        assert term.screen == b"one\r\ntwo\r\n"


def test_run_rm_it_session(lab: Lab) -> None:
    ns = lab.namespace()
    with terminal(lab.k, "-n", ns, "run", "test", "--rm", "-it", f"--image={BUSYBOX}", "--restart=Never", "--", "/bin/sh") as term:
        # kubectl's banner, then the prompt lineedit redraws on kubectl's window-size changes
        term.read_until("If you don't see a command prompt, try pressing enter.\r\n")
        # (kubectl changes the size to +1 and back: two redraws of the prompt, ESC [J clearing the rest)
        term.read_until("\r\n\r/ # \x1b[J\r/ # \x1b[J")
        term.type("nslookup kubernetes.default.svc.cluster.local\r")
        term.read_until("/ # \x1b[Jnslookup kubernetes.default.svc.cluster.local\r\nServer:\t\t10.96.0.10\r\n")
        term.read_until("Name:\tkubernetes.default.svc.cluster.local\r\nAddress: 10.96.0.1\r\n\r\n\r\n/ # ")  # A answer, then the empty AAAA one
        term.type("exit\r")
        code = term.wait(timeout=40)
        screen = term.screen.decode(errors="replace")
        assert code == 0, screen
        assert f"Session ended, resume using 'kubectl attach test -c test -n {ns} -i -t' command\r\n" in screen, screen
        assert f'pod "test" deleted from {ns} namespace' in screen, screen
    pods = lab.k("-n", ns, "get", "pods", "-o", "name").stdout
    assert pods == ""


def test_run_it_nonzero_exit_fails_the_pod(lab: Lab) -> None:
    ns = lab.namespace()
    with terminal(lab.k, "-n", ns, "run", "t2", "-it", f"--image={BUSYBOX}", "--restart=Never", "--", "sh") as term:
        term.read_until("/ # ")
        term.type("exit 4\r")
        code = term.wait(timeout=40)
        assert code == 4, term.screen
        assert term.screen.endswith(f"pod {ns}/t2 terminated (Error)\r\n".encode()), term.screen
    phase = lab.jsonpath(ns, "pod/t2", "{.status.phase} {.status.containerStatuses[0].state.terminated.exitCode}")
    assert phase == "Failed 4"


def test_attach_to_a_non_interactive_container(lab: Lab) -> None:
    ns = lab.namespace()
    lab.client(ns)
    with terminal(lab.k, "-n", ns, "attach", "-it", "client") as term:
        term.read_until("error: Unable to use a TTY - container client did not allocate one")
        term.read_until("If you don't see a command prompt, try pressing enter.")
        term.type("echo hi\r")
        time.sleep(0.5)
        assert "hi" not in term.screen.decode(errors="replace").split("pressing enter.")[-1]
        assert term.proc.poll() is None   # still attached: the container has not exited


def test_exec_i_sh_runs_the_piped_script(lab: Lab) -> None:
    ns = lab.namespace()
    lab.client(ns)
    script = "cd /etc\nX=$(cat hostname)\necho \"$X in $PWD\"\nnosuch\nexit 5\necho never\n"
    result = lab.exec(ns, "client", "sh", stdin=script, extra=("-i",))
    assert (result.stdout, result.stderr, result.returncode) == (
        "client in /etc\n", "sh: nosuch: not found\ncommand terminated with exit code 5\n", 5)
