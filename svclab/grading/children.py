"""Ending the grading's child processes: the one way the loop ends a worker and a worker ends its zygote.

Both talk to their child over its stdin, and both end it the same way: say so (close its stdin, and for a
worker that must stop mid-submission, SIGTERM too), give it time to clean up after itself (its own children,
sandbox processes, scratch folders), then SIGKILL what is left — its whole process group when the child
leads one — and reap it. No heavy imports: `svclab grade`'s command line uses this.
"""

from __future__ import annotations

import os
import signal
import subprocess


def kill(process: subprocess.Popen[bytes], group: bool = False) -> None:
    """SIGKILL the child (and with `group`, every process of the group it leads) and reap it."""
    try:
        if group:
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
    except OSError:  # already gone
        pass
    process.wait()


def end(process: subprocess.Popen[bytes], timeout: float, *, signum: int | None = None, group: bool = False) -> int:
    """Close the child's stdin (its cue to finish and exit), send `signum` if given, wait up to `timeout`
    seconds, then `kill` it. Its exit code (negative: the signal that ended it)."""
    if process.poll() is None:
        try:
            if process.stdin is not None:
                process.stdin.close()
        except OSError:  # a broken pipe: it is ending anyway
            pass
        if signum is not None:
            try:
                process.send_signal(signum)
            except OSError:
                pass
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            kill(process, group)
    return process.returncode
