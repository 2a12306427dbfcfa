"""Whom a background cluster lives with, and the daemon's watch on that process.

`svclab up` in a terminal starts a cluster for the learner's whole session: it runs until `svclab down`.
A cluster started by a program (a notebook kernel's `lab.connect()`, a script) is that program's: on a
JupyterHub, a kernel or a single-user server that ends — stopped, culled, killed — must not leave a daemon
behind. `SVCLAB_CLUSTER_EXIT_WITH` says which process a cluster started from a program ends with:

- ``process`` (default): the process that starts it (the kernel);
- ``parent``: that process's parent — for a kernel, the Jupyter server that launched it, so the cluster
  survives kernel restarts and ends with the learner's server (what the classroom hub sets);
- ``never``: until `svclab down`, as `svclab up` does.

The daemon watches the owner through a pidfd (Linux 5.3+: readable once the process has exited, whoever
its parent is) and, where there is none, by polling.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Mapping

EXIT_WITH = ("process", "parent", "never")
POLL_SECONDS = 1.0


def owner_pid(env: Mapping[str, str] | None = None) -> int | None:
    """The pid a cluster started from this process should end with (None: it outlives us)."""
    env = os.environ if env is None else env
    value = env.get("SVCLAB_CLUSTER_EXIT_WITH", "").strip().lower() or "process"
    if value not in EXIT_WITH:
        raise RuntimeError(f"SVCLAB_CLUSTER_EXIT_WITH={env.get('SVCLAB_CLUSTER_EXIT_WITH')!r} is not one of: {', '.join(EXIT_WITH)}")
    if value == "never":
        return None
    return os.getppid() if value == "parent" else os.getpid()


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def watch(pid: int, on_exit: Callable[[], None]) -> Callable[[], None]:
    """Call `on_exit` on the running loop once process `pid` has ended (at once if it is gone already).
    Returns a function that stops watching."""
    loop = asyncio.get_running_loop()
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        loop.call_soon(on_exit)
        return lambda: None
    except (AttributeError, OSError):  # no pidfd here (old kernel, not Linux): poll
        return _poll(loop, pid, on_exit)

    def readable() -> None:
        loop.remove_reader(fd)
        os.close(fd)
        on_exit()

    loop.add_reader(fd, readable)

    def cancel() -> None:
        if loop.remove_reader(fd):
            os.close(fd)

    return cancel


def _poll(loop: asyncio.AbstractEventLoop, pid: int, on_exit: Callable[[], None]) -> Callable[[], None]:
    handle: asyncio.TimerHandle | None = None

    def check() -> None:
        nonlocal handle
        if _exists(pid):
            handle = loop.call_later(POLL_SECONDS, check)
        else:
            on_exit()

    check()
    return lambda: handle.cancel() if handle is not None else None
