"""The processes of one pod, as ``ps`` lists them.

A container has a PID namespace of its own: its command is PID 1, and every process started in it
takes the next free number, as Linux hands them out (sequentially). What starts a process here:

- ``kubectl exec``: runc first starts its ``runc init`` helpers inside the namespace, which take
  numbers of their own before the exec'd program gets one; the table skips ``EXEC_PID_GAP`` numbers
  so the first exec is PID 7, as ``ps`` typically shows it on a real node. The exact numbers after
  PID 1 depend on the runtime's version; only their order is meaningful.
- A command a shell runs that is not one of ash's builtins (ash forks, the child execs it).

Processes of a pod run on the session threads of its execs, so the table has its own lock.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

EXEC_PID_GAP = 6
# The process the running code belongs to (0: none of the pod's, e.g. the runtime itself). Tasks
# copy the context they are created in, so a pipeline's commands see the shell that started them.
CURRENT: contextvars.ContextVar[Process | None] = contextvars.ContextVar("svclab_process", default=None)


@dataclass
class Process:
    """One entry of the table: what ``ps`` shows (``cpu``: seconds of CPU it has used so far)."""

    pid: int
    argv: list[str]
    ppid: int = 0
    session: int = 1
    tty: bool = False
    user: str = "root"
    cpu: Callable[[], float] | None = None
    started: float = field(default_factory=time.monotonic)

    @property
    def cpu_seconds(self) -> float:
        return self.cpu() if self.cpu is not None else 0.0

    @property
    def comm(self) -> str:
        """/proc/PID/comm: the program's file name, cut to TASK_COMM_LEN - 1 characters."""
        return (self.argv[0].rsplit("/", 1)[-1] if self.argv else "")[:15]


class ProcessTable:
    """The live processes of one pod, PID 1 first."""

    def __init__(self, main_argv: list[str]) -> None:
        self._lock = threading.Lock()
        self._processes: dict[int, Process] = {1: Process(1, list(main_argv))}
        self._last = 1

    def start(self, argv: list[str], gap: int = 1, cpu: Callable[[], float] | None = None,
              tty: bool | None = None) -> Process:
        """A new process: the next PID, ``gap`` after the last one handed out; its parent is the
        process the calling code runs in (none for an exec: runc's helper is outside the pod)."""
        parent = CURRENT.get()
        with self._lock:
            self._last += max(gap, 1)
            pid = self._last
            if parent is not None and parent.pid in self._processes:
                process = Process(pid, list(argv), parent.pid, parent.session, parent.tty if tty is None else tty,
                                  cpu=cpu)
            else:
                process = Process(pid, list(argv), 0, pid, bool(tty), cpu=cpu)
            self._processes[process.pid] = process
            return process

    def exit(self, pid: int) -> None:
        """The process ended (PID 1 stays: the container lives as long as its command)."""
        if pid == 1:
            return
        with self._lock:
            self._processes.pop(pid, None)

    @contextmanager
    def running(self, argv: list[str], gap: int = 1, cpu: Callable[[], float] | None = None,
                tty: bool | None = None) -> Iterator[Process]:
        """A process that exists while the block runs (and is the current one inside it)."""
        process = self.start(argv, gap, cpu, tty)
        token = CURRENT.set(process)
        try:
            yield process
        finally:
            CURRENT.reset(token)
            self.exit(process.pid)

    def listing(self) -> list[Process]:
        """Every live process, by PID (the order /proc lists them in)."""
        with self._lock:
            return [self._processes[pid] for pid in sorted(self._processes)]


def container_command(image: str, command: list[str] | None, args: list[str] | None) -> list[str]:
    """The argv of a container's main process (PID 1), as the runtime builds it from the spec and
    the image: ``command`` replaces the image's ENTRYPOINT (and drops its CMD), ``args`` replace
    its CMD (https://kubernetes.io/docs/tasks/inject-data-application/define-command-argument-container/)."""
    repo = image.rsplit("/", 1)[-1].split("@", 1)[0].split(":", 1)[0]
    entrypoint, cmd = IMAGE_DEFAULTS.get(repo, ((), ("sh",)))
    if command:
        return [*command, *(args or [])]
    return [*entrypoint, *(args if args else cmd)]


# (ENTRYPOINT, CMD) of the images the lessons start: docker-library/busybox has CMD ["sh"];
# kubernetes test/images/agnhost/Dockerfile has ENTRYPOINT ["/agnhost"], CMD ["pause"];
# curlimages/curl has ENTRYPOINT ["/entrypoint.sh"], CMD ["curl"]; nginxinc/docker-nginx has
# ENTRYPOINT ["/docker-entrypoint.sh"], CMD ["nginx", "-g", "daemon off;"]; docker-library/mysql
# has ENTRYPOINT ["docker-entrypoint.sh"], CMD ["mysqld"]; coredns has ENTRYPOINT ["/coredns"].
IMAGE_DEFAULTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "busybox": ((), ("sh",)),
    "agnhost": (("/agnhost",), ("pause",)),
    "curl": (("/entrypoint.sh",), ("curl",)),
    "nginx": (("/docker-entrypoint.sh",), ("nginx", "-g", "daemon off;")),
    "mysql": (("docker-entrypoint.sh",), ("mysqld",)),
    "coredns": (("/coredns",), ()),
}
