"""`svclab.grading.children`: how the loop ends its workers and a worker its zygote."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from svclab.grading import children


def child(code: str, **kwargs: object) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, **kwargs)  # type: ignore[call-overload]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"  # a zombie waiting for its parent has ended
    except OSError:
        return False


def test_a_child_that_ends_when_its_stdin_closes_exits_on_its_own() -> None:
    process = child("import sys; sys.stdin.read(); print('bye')")
    assert children.end(process, 10) == 0
    assert process.stdout is not None and process.stdout.read() == b"bye\n"


def test_a_child_that_does_not_end_is_killed_after_the_timeout() -> None:
    process = child("import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True); time.sleep(60)")
    assert process.stdout is not None and process.stdout.readline() == b"ready\n"
    started = time.monotonic()
    assert children.end(process, 0.5, signum=signal.SIGTERM) == -signal.SIGKILL
    assert time.monotonic() - started < 30


def test_sigterm_asks_a_child_to_stop_at_once() -> None:
    process = child("import signal, sys, time\n"
                    "signal.signal(signal.SIGTERM, lambda *_: sys.exit(7))\n"
                    "print('ready', flush=True)\n"
                    "time.sleep(60)")
    assert process.stdout is not None and process.stdout.readline() == b"ready\n"
    assert children.end(process, 10, signum=signal.SIGTERM) == 7


def test_killing_a_group_leader_ends_its_whole_group() -> None:
    process = child("import subprocess, sys, time\n"
                    "grandchild = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
                    "print(grandchild.pid, flush=True)\n"
                    "time.sleep(60)", start_new_session=True)
    assert process.stdout is not None
    grandchild = int(process.stdout.readline())
    assert children.end(process, 0.5, group=True) == -signal.SIGKILL
    deadline = time.monotonic() + 10
    while alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(grandchild)
