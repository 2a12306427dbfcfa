"""What one process in an emulated pod may use: the limits, the accounting, and how a process dies.

Every `kubectl exec`, `kubectl attach` session and exec readiness probe runs against a `Budget`:

========================  ==================  ===================================================
limit                     default             what a real container would do instead
========================  ==================  ===================================================
``cpu_seconds``           10 s of CPU         nothing: a container has no CPU-time limit unless
                          (non-interactive)   someone runs ``ulimit -t``. Here the exec'd command
                                              and everything it runs share this budget; time spent
                                              waiting (``sleep 3600``, DNS, HTTP) does not count.
                                              Used up: SIGXCPU, exit 152, ``CPU time limit
                                              exceeded`` on stderr (what ash prints for a job
                                              killed by SIGXCPU). A session on a terminal
                                              (``kubectl exec -it … sh``) has no CPU budget: Ctrl-C
                                              stops a command there, as on a real tty.
``memory_bytes``          16 MiB              the container's memory limit (the OOM killer).
                                              Here it bounds each value the shell holds (a
                                              variable, an expansion, a command substitution, a
                                              here-doc, an arithmetic expression, one line a tool
                                              reads, what ``sort`` keeps) and the sum of a shell's
                                              variables. Exceeded: ``NAME: out of memory`` (busybox
                                              ``bb_msg_memory_exhausted``), exit 1 for a tool, 2 for
                                              the shell itself.
``pipe_bytes``            64 KiB              the same: Linux's default pipe capacity. Pipelines
                                              stream through it, so ``seq 1 inf | head -3`` ends
                                              at once (seq dies of SIGPIPE) and ``seq 1 inf | wc -l``
                                              runs in constant memory.
``output_bytes``          16 MiB per stream   nothing: the kubelet streams any amount. Here a
                          (non-interactive)   non-interactive command that writes more is stopped
                                              like a process over RLIMIT_FSIZE: SIGXFSZ, exit 153,
                                              ``File size limit exceeded``.
``fs_bytes``              64 MiB per pod      the node's disk. Writing past it fails with
                                              ``write error: No space left on device`` (ENOSPC).
``arg_bytes``             128 KiB / 2 MiB     the same: Linux's MAX_ARG_STRLEN and ARG_MAX for
``args_bytes``                                starting a program (E2BIG, ``Argument list too long``,
                                              status 126). ash builtins (echo, printf, test) are
                                              not exec'd and are not limited.
``sessions``              32 per cluster      a real node starts as many as its pids limit allows;
                                              more at once are refused like a failed fork
                                              (``resource temporarily unavailable``).
========================  ==================  ===================================================

CPU time is the session thread's own clock (``time.thread_time``, CLOCK_THREAD_CPUTIME_ID), read
at every step the shell takes and at every pipe read or write, so a budget is checked within
microseconds of work. A process dies by raising `Killed` (a BaseException, so no tool's error
handling can swallow it); running out of memory raises `OutOfMemory`.
"""

from __future__ import annotations

import signal
import threading
import time
from dataclasses import dataclass, field, replace

from svclab.network import messages

SIGINT = int(signal.SIGINT)      # 2
SIGKILL = int(signal.SIGKILL)    # 9
SIGSEGV = int(signal.SIGSEGV)    # 11
SIGPIPE = int(signal.SIGPIPE)    # 13
SIGXCPU = int(signal.SIGXCPU)    # 24
SIGXFSZ = int(signal.SIGXFSZ)    # 25

KIB = 1024
MIB = 1024 * KIB
# A CPU-bound session gives the interpreter away for YIELD_FOR after each YIELD_EVERY of CPU (about
# 10% of its speed): the API server then waits ~2 ms for the GIL, not a 5 ms switch interval, on
# every one of the many times a request releases it (socket reads, TLS).
YIELD_EVERY = 0.002
YIELD_FOR = 0.0002


@dataclass(frozen=True)
class Limits:
    """The limits one session runs under (see the module docstring for what each one means)."""

    cpu_seconds: float | None = 10.0
    memory_bytes: int = 16 * MIB
    pipe_bytes: int = 64 * KIB
    output_bytes: int | None = 16 * MIB
    fs_bytes: int = 64 * MIB
    arg_bytes: int = 128 * KIB
    args_bytes: int = 2 * MIB
    sessions: int = 32
    probe_sessions: int = 16
    containers: int = 128          # containers' main processes that run in a session (svclab.network.containers)
    tty_input_bytes: int = 4096   # N_TTY_BUF_SIZE: what a terminal holds while nobody reads it

    def interactive(self) -> Limits:
        """A session on a terminal: no CPU or output budget (Ctrl-C stops a command, as on a tty)."""
        return replace(self, cpu_seconds=None, output_bytes=None)


DEFAULT_LIMITS = Limits()


class Killed(BaseException):
    """The process was killed by signal ``signo``: its status is 128 + signo. ash prints the
    signal's description for a job killed by anything but SIGINT and SIGPIPE."""

    def __init__(self, signo: int) -> None:
        super().__init__(signo)
        self.signo = signo

    @property
    def status(self) -> int:
        return 128 + self.signo

    @property
    def message(self) -> str:
        """What ash prints on stderr for the job (sprint_status48), or '' for SIGINT and SIGPIPE."""
        if self.signo in (SIGINT, SIGPIPE):
            return ""
        return messages.SIGNAL_DESCRIPTIONS.get(self.signo, f"Signal {self.signo}")


class OutOfMemory(BaseException):
    """A value would exceed the memory budget (malloc failed): busybox's ``out of memory``."""


@dataclass
class Budget:
    """One session's accounting: CPU time of the thread it runs on, bytes it has written out."""

    limits: Limits = DEFAULT_LIMITS
    started_cpu: float = field(default_factory=time.thread_time)
    written: dict[int, int] = field(default_factory=dict)
    killed: Killed | None = None
    peak_pipe_bytes: int = 0   # the most any pipe of the session held unread (what streaming keeps)
    sigint: bool = False       # Ctrl-C reached the foreground job and no program has taken it yet

    clock_id: int | None = None
    _last_yield: float = 0.0

    def restart_clock(self) -> None:
        """Count CPU from now, on the calling thread (a session's thread calls this as it starts)."""
        self.started_cpu = self._last_yield = time.thread_time()
        if hasattr(time, "pthread_getcpuclockid"):
            self.clock_id = time.pthread_getcpuclockid(threading.get_ident())

    def cpu_used(self) -> float:
        """CPU seconds the session's thread has used since its clock started (from any thread)."""
        if self.clock_id is not None:
            return time.clock_gettime(self.clock_id) - self.started_cpu
        return time.thread_time() - self.started_cpu

    def tick(self) -> None:
        """A checkpoint: die with SIGXCPU once the CPU budget is used up (and stay dead); after
        every YIELD_EVERY of CPU, step aside for YIELD_FOR so the API server's thread gets the
        interpreter at once instead of after a whole GIL switch interval (5 ms)."""
        if self.killed is not None:
            raise self.killed
        now = time.thread_time()
        limit = self.limits.cpu_seconds
        if limit is not None and now - self.started_cpu > limit:
            self.killed = Killed(SIGXCPU)
            raise self.killed
        if now - self._last_yield > YIELD_EVERY:
            time.sleep(YIELD_FOR)   # releases the GIL; sleeping costs no CPU budget
            self._last_yield = time.thread_time()

    def kill(self, signo: int) -> None:
        """Mark the session dead by ``signo``; the next checkpoint raises it."""
        if self.killed is None:
            self.killed = Killed(signo)

    def interrupt(self) -> None:
        """SIGINT to the foreground job (Ctrl-C on its terminal). Its task is then cancelled; a
        program that catches SIGINT (ping prints its statistics) takes the signal with
        ``take_interrupt`` and goes on, any other dies of it."""
        self.sigint = True

    def take_interrupt(self) -> bool:
        """Whether the cancellation a program sees is a SIGINT it may handle (once), and not the
        session being killed."""
        pending = self.sigint and self.killed is None
        self.sigint = False
        return pending

    def output_allowed(self, fd: int, count: int) -> int:
        """Count output on a stream the session hands to its client: how many of ``count`` bytes
        may still go out. Fewer than asked means the write crosses the limit: the caller writes
        them and then raises ``killed`` (SIGXFSZ), as a write past RLIMIT_FSIZE is cut short."""
        done = self.written.get(fd, 0)
        limit = self.limits.output_bytes
        allowed = count if limit is None else max(0, min(count, limit - done))
        self.written[fd] = done + allowed
        if allowed < count:
            self.killed = self.killed or Killed(SIGXFSZ)
        return allowed

    def check_size(self, size: int) -> None:
        """A value of ``size`` bytes (or characters) is about to exist: refuse it past the budget."""
        if size > self.limits.memory_bytes:
            raise OutOfMemory()
