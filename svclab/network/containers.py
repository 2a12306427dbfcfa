"""Containers' main processes and their logs: what the kubelet starts, stops and reads back.

Each container instance (a start, or a restart) has one main process and one log:

- A command that runs in the emulated shell (busybox, or any image's command that is not its own
  server: see svclab.network.images) runs in a session of its own (svclab.network.session), with
  the exec budgets, on the cluster's bounded pool of container sessions (``Limits.containers``).
  Its stdout and stderr are its log; its exit code is reported to the kubelet, which acts on the
  pod's restartPolicy. A container with ``stdin`` keeps its stdin open for `kubectl attach`
  (``stdinOnce``: closed when the first attached client goes away); one with ``stdin`` and ``tty``
  whose command is a shell is the interactive console (svclab.network.interactive.Console).
- A modelled server (nginx, mysql, agnhost netexec) or an unmodelled image needs no thread: it
  writes its start-up lines to the log and runs until it is stopped (mysql without a password
  option exits 1 at once, as its entrypoint does).

Stopping follows the kubelet: SIGTERM first (the image's STOPSIGNAL: SIGQUIT for nginx). A
server exits at once; a shell or `sleep` as PID 1 ignores it (the kernel drops signals PID 1 has
no handler for), so the container is killed when its grace period ends.

Logs are kept per container, the current instance and the previous one (`kubectl logs
--previous`), each at most ``LOG_BYTES`` (the oldest lines go first, as the kubelet's log rotation
drops old files), and dropped with the pod.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from svclab.network import images
from svclab.network.budget import SIGKILL, Budget, Limits
from svclab.network.session import Session, SessionIO, SessionPool, SessionRefused

Obj = dict[str, Any]
LOG_BYTES = 1024 * 1024          # per container instance
LINE_BYTES = 16 * 1024           # a longer line is cut into records of this size (CRI's partial lines)
ATTACH_BACKLOG = 1024            # chunks an attached client may fall behind before it misses output


class ContainerLog:
    """One container instance's output as the kubelet keeps it: records (time, stream, bytes),
    each a line or a piece of one, bounded by ``limit`` bytes. Lives on the cluster's loop."""

    def __init__(self, limit: int = LOG_BYTES) -> None:
        self.limit = limit
        self.records: deque[tuple[datetime, int, bytes]] = deque()
        self.size = 0
        self.first = 0            # sequence number of records[0]
        self.closed = False
        self._partial: dict[int, bytearray] = {1: bytearray(), 2: bytearray()}
        self._waiters: list[asyncio.Future[None]] = []

    @property
    def end(self) -> int:
        return self.first + len(self.records)

    def write(self, fd: int, data: bytes, now: datetime) -> None:
        if self.closed or not data:
            return
        partial = self._partial.setdefault(fd, bytearray())
        partial += data
        while True:
            cut = partial.find(b"\n")
            if cut < 0:
                if len(partial) >= LINE_BYTES:
                    self._append(now, fd, bytes(partial[:LINE_BYTES]))
                    del partial[:LINE_BYTES]
                    continue
                break
            self._append(now, fd, bytes(partial[:cut + 1]))
            del partial[:cut + 1]
        self._wake()

    def line(self, fd: int, text: str, now: datetime) -> None:
        self.write(fd, (text + "\n").encode(), now)

    def _append(self, now: datetime, fd: int, data: bytes) -> None:
        self.records.append((now, fd, data))
        self.size += len(data)
        while self.size > self.limit and self.records:
            _, _, old = self.records.popleft()
            self.size -= len(old)
            self.first += 1

    def close(self, now: datetime) -> None:
        """The process ended: what it left without a newline is its last record."""
        if self.closed:
            return
        for fd, partial in self._partial.items():
            if partial:
                self._append(now, fd, bytes(partial))
                partial.clear()
        self.closed = True
        self._wake()

    def _wake(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    def since(self, position: int) -> tuple[list[tuple[datetime, int, bytes]], int]:
        """Records from sequence number ``position`` on (those already dropped are skipped)."""
        start = max(position - self.first, 0)
        return list(self.records)[start:], self.end

    async def changed(self) -> None:
        """Wait for a new record or the end."""
        if self.closed:
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(future)
        await future


class MainProcess:
    """A container instance's main process, as the kubelet sees it."""

    def __init__(self, app: images.App, log: ContainerLog, clock: Callable[[], datetime],
                 on_exit: Callable[[int, str, str], None]) -> None:
        self.app = app
        self.log = log
        self.clock = clock
        self.exit_code: int | None = None
        self._on_exit = on_exit
        self.listeners: list[asyncio.Queue[tuple[int, bytes] | None]] = []
        self.replay_first_attach = False   # set for stdin+stdinOnce containers (`kubectl run -i`)
        self.attached = False

    def exited(self, code: int, reason: str = "", message: str = "") -> None:
        if self.exit_code is not None:
            return
        self.exit_code = code
        self.log.close(self.clock())
        for queue in self.listeners:
            queue.put_nowait(None)
        self.listeners.clear()
        self._on_exit(code, reason, message)

    def output(self, fd: int, data: bytes) -> None:
        self.log.write(fd, data, self.clock())
        for queue in self.listeners:
            if queue.qsize() < ATTACH_BACKLOG:
                queue.put_nowait((fd, data))

    @property
    def running(self) -> bool:
        return self.exit_code is None

    def terminate(self) -> bool:
        """SIGTERM (the image's stop signal): True when the process exits of it."""
        return self.exit_code is not None

    def kill(self) -> None:
        """SIGKILL at the end of the grace period."""
        self.exited(128 + SIGKILL)

    def replays_to_first_attach(self) -> bool:
        """Whether the first client to attach gets the output written before it came: the embedded
        cluster's choice for `kubectl run -i` (see docs/embedded-images.md), where a real runtime
        streams only what is written once the client is attached."""
        return self.replay_first_attach and not self.attached

    # attach (non-tty): the output from now on; stdin when the container keeps it open
    def attach(self) -> asyncio.Queue[tuple[int, bytes] | None]:
        queue: asyncio.Queue[tuple[int, bytes] | None] = asyncio.Queue()
        if self.replays_to_first_attach():
            for _time, fd, data in self.log.records:
                queue.put_nowait((fd, data))
        self.attached = True
        if self.exit_code is not None:
            queue.put_nowait(None)
        else:
            self.listeners.append(queue)
        return queue

    def detach(self, queue: asyncio.Queue[tuple[int, bytes] | None], with_stdin: bool) -> None:
        if queue in self.listeners:
            self.listeners.remove(queue)

    def send(self, data: bytes) -> None:
        pass

    def resize(self, width: int, height: int) -> None:
        pass

    def close_input(self) -> None:
        pass


class ServerProcess(MainProcess):
    """A modelled server, or the container of an image the emulator does not model. It needs no
    thread: it logs, listens and waits."""

    def start(self) -> None:
        now = self.clock()
        lines: list[tuple[int, str]] = []
        if self.app.kind == images.NGINX:
            lines = images.nginx_start_lines(self.app, now)
        elif self.app.kind == images.MYSQL:
            lines = images.mysql_start_lines(self.app, now)
        for fd, text in lines:
            self.output(fd, (text + "\n").encode())
        if self.app.fails_to_start:
            asyncio.get_running_loop().call_soon(self.exited, 1, "Error", "")

    def terminate(self) -> bool:
        if self.exit_code is None and self.app.stops_on_sigterm:
            if self.app.kind == images.NGINX:
                for fd, text in images.nginx_stop_lines(self.clock()):
                    self.output(fd, (text + "\n").encode())
            self.exited(0, "Completed")
        return self.exit_code is not None


class SessionProcess(MainProcess):
    """A command run in the emulated shell, in a session; its output is pumped into the log."""

    def __init__(self, app: images.App, log: ContainerLog, clock: Callable[[], datetime],
                 on_exit: Callable[[int, str, str], None], session: Session, keep_stdin: bool, stdin_once: bool) -> None:
        super().__init__(app, log, clock, on_exit)
        self.session = session
        self.stdin_once = stdin_once
        self._stdin_open = keep_stdin
        self._attached_stdin = False
        if not keep_stdin:
            session.close_input()
        self.task = asyncio.ensure_future(self._pump())

    async def _pump(self) -> None:
        while True:
            item = await self.session.output.get()
            if item is None:
                break
            self.output(item[0], item[1])
        code = await self.session.wait()
        self.exited(code, "Completed" if code == 0 else "Error")

    def terminate(self) -> bool:
        return self.exit_code is not None   # PID 1 ignores SIGTERM

    def kill(self) -> None:
        self.session.kill()
        self.exited(128 + SIGKILL, "Error")

    def attach(self) -> asyncio.Queue[tuple[int, bytes] | None]:
        return super().attach()

    def detach(self, queue: asyncio.Queue[tuple[int, bytes] | None], with_stdin: bool) -> None:
        super().detach(queue, with_stdin)
        if with_stdin and self.stdin_once and self._stdin_open:
            self._stdin_open = False
            self.session.close_input()

    def send(self, data: bytes) -> None:
        if self._stdin_open:
            self.session.send(data)

    def resize(self, width: int, height: int) -> None:
        self.session.resize(width, height)

    def close_input(self) -> None:
        if self._stdin_open:
            self._stdin_open = False
            self.session.close_input()


class ConsoleProcess(MainProcess):
    """An interactive shell on a tty (``stdin`` and ``tty``): the console attached clients share."""

    def __init__(self, app: images.App, log: ContainerLog, clock: Callable[[], datetime],
                 on_exit: Callable[[int, str, str], None], console: Any) -> None:
        super().__init__(app, log, clock, on_exit)
        self.console = console

    def terminate(self) -> bool:
        return self.exit_code is not None

    def kill(self) -> None:
        self.console.stop()
        self.exited(128 + SIGKILL, "Error")


class PodNetwork(Protocol):
    """What starting a container needs from the pod network (svclab.network.runtime.ClusterNetwork)."""

    def sandbox_for(self, pod: Obj) -> Any: ...

    def make_console(self, pod: Obj, container: str, on_exit: Callable[[int], None],
                     on_output: Callable[[bytes], None]) -> Any: ...


class Containers:
    """Every container instance of the cluster's pods: their main processes and logs (on the loop)."""

    def __init__(self, limits: Limits, clock: Callable[[], datetime]) -> None:
        self.limits = limits
        self.clock = clock
        self.pool = SessionPool(limits.containers)
        self.processes: dict[tuple[str, str], MainProcess] = {}
        self.logs: dict[tuple[str, str], tuple[ContainerLog | None, ContainerLog]] = {}

    def current(self, uid: str, name: str) -> MainProcess | None:
        return self.processes.get((uid, name))

    def log(self, uid: str, name: str, previous: bool = False) -> ContainerLog | None:
        logs = self.logs.get((uid, name))
        if logs is None:
            return None
        return logs[0] if previous else logs[1]

    def start(self, pod: Obj, spec: Obj, network: PodNetwork, tools: Any,
              on_exit: Callable[[int, str, str], None]) -> MainProcess:
        """Start the container's main process (a new instance: the last one's log becomes the previous)."""
        uid, name = pod["metadata"]["uid"], spec["name"]
        key = (uid, name)
        old = self.processes.get(key)
        if old is not None and old.running:
            old.kill()
        logs = self.logs.get(key)
        log = ContainerLog()
        self.logs[key] = (logs[1] if logs else None, log)
        app = images.app_for(spec)
        process: MainProcess
        if app.kind != images.PROCESS:
            server = ServerProcess(app, log, self.clock, on_exit)
            self.processes[key] = server
            server.start()
            return server
        from svclab.network.shell import is_interactive_shell, locate, start_program  # on first use (svclab.network.runtime)

        sandbox = network.sandbox_for(pod)
        meta = pod["metadata"]
        if spec.get("stdin") and spec.get("tty") and is_interactive_shell(app.argv):
            holder: list[MainProcess] = []
            console = network.make_console(pod, name, lambda code: holder[0].exited(code, "Completed" if code == 0 else "Error"),
                                           lambda data: holder[0].output(1, data))
            process = ConsoleProcess(app, log, self.clock, on_exit, console)
            holder.append(process)
            self.processes[key] = process
            return process
        program = locate(app.argv, sandbox, tools) if sandbox is not None else "no sandbox"
        if isinstance(program, str):
            process = MainProcess(app, log, self.clock, on_exit)
            self.processes[key] = process
            asyncio.get_running_loop().call_soon(process.exited, 128, "StartError", program)
            return process

        async def main(io: SessionIO) -> int:
            return await start_program(program, sandbox, tools, io.budget, io.stdin(), io.stdout, io.stderr)

        try:
            session = self.pool.start(f"{meta['namespace']}/{meta['name']}/{name}", main, Budget(self.limits),
                                      bool(spec.get("tty")))
        except SessionRefused:
            process = MainProcess(app, log, self.clock, on_exit)
            self.processes[key] = process
            asyncio.get_running_loop().call_soon(process.exited, 128, "StartError",
                                                 "svclab: too many containers running on the embedded cluster "
                                                 f"(at most {self.limits.containers})")
            return process
        process = SessionProcess(app, log, self.clock, on_exit, session, bool(spec.get("stdin")),
                                 bool(spec.get("stdinOnce")))
        process.replay_first_attach = bool(spec.get("stdin") and spec.get("stdinOnce"))
        self.processes[key] = process
        return process

    def terminate(self, uid: str) -> bool:
        """SIGTERM to every container of the pod: True when none is left running."""
        done = True
        for (owner, _name), process in list(self.processes.items()):
            if owner == uid and process.running and not process.terminate():
                done = False
        return done

    def kill(self, uid: str) -> None:
        for (owner, _name), process in list(self.processes.items()):
            if owner == uid and process.running:
                process.kill()

    def forget(self, uid: str) -> None:
        """The pod is gone: its processes are killed and its logs dropped."""
        for key in [k for k in self.processes if k[0] == uid]:
            process = self.processes.pop(key)
            if process.running:
                with contextlib.suppress(Exception):
                    process.kill()
        for key in [k for k in self.logs if k[0] == uid]:
            del self.logs[key]

    def stop_all(self) -> None:
        for process in list(self.processes.values()):
            if process.running:
                with contextlib.suppress(Exception):
                    process.kill()
        self.pool.kill_all()
