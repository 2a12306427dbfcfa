"""Processes of emulated pods run off the API server's event loop: one thread, with its own event
loop, per session (an exec, an attach to a container's console, an exec readiness probe).

Why a thread per session, and not the alternatives:

- **Not the API server's loop.** That was the old design: `seq 1 15000000 | wc -l` held the loop
  and every client of the cluster waited.
- **A thread, not a process.** A pod's processes share its filesystem with each other and with the
  kubelet's probes (`kubectl exec web-0 -- touch /tmp/ready` makes the next probe pass): a thread
  sees that state directly, behind the filesystem's lock, where a process would need a copy or a
  remote call for every file operation. A thread starts in microseconds, not the tens of
  milliseconds a fork of this interpreter costs, and the lessons run hundreds of execs. It has its
  own CPU clock (``time.thread_time``, CLOCK_THREAD_CPUTIME_ID), so the CPU budget counts exactly
  the session's work and nothing it waits for. The price is the GIL: a CPU-bound session shares
  the interpreter with the API, which keeps answering but more slowly while the session computes,
  until the session's budget ends it. To keep that small, a computing session steps aside for
  0.2 ms after every 2 ms of CPU (``budget.YIELD_EVERY``), so a request waits about 2 ms for the
  interpreter each time it needs it back, not a whole 5 ms switch interval;
  ``bench/bench_exec.py`` measures the result.
- **One thread per session, not a shared pool.** A session may block for hours (`sleep 3600`, an
  interactive shell waiting for keys) and must be interrupted on its own (Ctrl-C, the client going
  away): its own loop gives each one its own cancellation and its own clock. Threads are capped
  (``Limits.sessions``); exec probes have their own cap so a busy terminal never delays readiness.
  A pool keeps a finished session's thread and loop (a few, for a few seconds) and runs its next
  session there, one at a time, when the last one left nothing on the loop: starting a thread and
  making a loop cost more CPU than a short exec's whole run (`_Carrier`). A session that leaves
  anything behind (a task, a timer, a socket) takes its loop and thread with it, as before.
- What a thread cannot do is preempt code that never returns to Python: one regular-expression
  match with catastrophic backtracking (``grep -E '(a*)*b'`` on a long line) runs to its end in
  its thread. Budgets are checked between steps, and every step is small (a pipe holds 64 KiB,
  values are capped by the memory budget), so nothing else can run long.

The owner (the API server's loop) talks to a session through `Session`: bytes for its stdin (with
backpressure), window sizes, Ctrl-C and kill; it reads the session's output through a bounded
channel, so a session cannot produce faster than its client reads. Everything the session needs
from the cluster (HTTP through kube-proxy, the store) goes through `LoopBridge`, which runs it on
the owner's loop; DNS is a real UDP query to the cluster's DNS server.

A container's main process (issue 13) fits the same shape: a long-lived, non-interactive session
whose output is kept instead of streamed to one client.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import threading
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from svclab.network.budget import SIGINT, SIGKILL, Budget, Killed, OutOfMemory
from svclab.network.streams import CHUNK, Reader, Writer

log = logging.getLogger(__name__)

T = TypeVar("T")
OUTPUT_WINDOW = 256 * 1024   # bytes a session may have on its way to the client before it waits
INPUT_WINDOW = 64 * 1024     # bytes of stdin on their way to a session before the client waits
JOIN_SECONDS = 2.0
IDLE_CARRIERS = 4        # finished session threads a pool keeps, each with its loop, for its next sessions
IDLE_SECONDS = 10.0      # a kept thread that gets no session within this ends


@dataclass(frozen=True)
class Resize:
    width: int
    height: int


Input = bytes | Resize | None   # None: stdin reached end of file (the client closed it)


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _wake(waiter: tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]) -> None:
    loop, future = waiter
    with contextlib.suppress(RuntimeError):   # that loop has closed: nobody waits any more
        loop.call_soon_threadsafe(_resolve, future)


Waiter = tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]


class Channel(Generic[T]):
    """Items from one thread's event loop to another's. ``put`` waits while more than ``window``
    bytes are queued; ``get`` waits for an item; ``close`` ends it (``get`` then returns None);
    ``abandon`` says the consumer is gone (items are dropped, producers never wait). Any number of
    tasks may wait on either side."""

    def __init__(self, window: int) -> None:
        self.window = window
        self._lock = threading.Lock()
        self._items: deque[tuple[T, int]] = deque()
        self._queued = 0
        self._closed = False
        self._abandoned = False
        self._getters: list[Waiter] = []
        self._putters: list[Waiter] = []

    @property
    def queued(self) -> int:
        return self._queued

    def put_nowait(self, item: T, size: int) -> None:
        with self._lock:
            if self._abandoned or self._closed:
                return
            self._items.append((item, size))
            self._queued += size
            getters, self._getters = self._getters, []
        for waiter in getters:
            _wake(waiter)

    async def room(self) -> None:
        """Wait until at most ``window`` bytes are queued (or the consumer has gone)."""
        while True:
            loop = asyncio.get_running_loop()
            future: asyncio.Future[None] = loop.create_future()
            with self._lock:
                if self._queued <= self.window or self._abandoned:
                    return
                self._putters.append((loop, future))
            await future

    async def put(self, item: T, size: int) -> None:
        self.put_nowait(item, size)
        await self.room()

    async def get(self) -> T | None:
        while True:
            found, item = self.get_nowait()
            if found:
                return item
            loop = asyncio.get_running_loop()
            future: asyncio.Future[None] = loop.create_future()
            with self._lock:
                if self._items or self._closed or self._abandoned:
                    continue
                self._getters.append((loop, future))
            await future

    def get_nowait(self) -> tuple[bool, T | None]:
        """(True, item) when one is queued, (True, None) at the end, (False, None) when empty."""
        with self._lock:
            if not self._items:
                return (self._closed or self._abandoned), None
            item, size = self._items.popleft()
            self._queued -= size
            putters: list[Waiter] = []
            if self._putters and self._queued <= self.window:
                putters, self._putters = self._putters, []
        for waiter in putters:
            _wake(waiter)
        return True, item

    def close(self) -> None:
        with self._lock:
            self._closed = True
            getters, self._getters = self._getters, []
        for waiter in getters:
            _wake(waiter)

    def abandon(self) -> None:
        with self._lock:
            self._abandoned = True
            self._items.clear()
            self._queued = 0
            waiters = [*self._getters, *self._putters]
            self._getters, self._putters = [], []
        for waiter in waiters:
            _wake(waiter)


class LoopBridge:
    """The one way a session reaches the cluster: run a coroutine on the owner's loop (where the
    store, kube-proxy and the pods' HTTP apps live) and wait for it on the session's loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop

    async def call(self, func: Callable[..., Coroutine[Any, Any, T]], *args: Any) -> T:
        if asyncio.get_running_loop() is self.loop:
            return await func(*args)
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(func(*args), self.loop))


class ChannelWriter(Writer):
    """A session's stdout or stderr as its client receives it: counted against the output budget,
    translated by the terminal when there is one (``\\n`` -> ``\\r\\n``)."""

    def __init__(self, channel: Channel[tuple[int, bytes]], fd: int, budget: Budget, tty: bool) -> None:
        self.channel = channel
        self.fd = fd
        self.budget = budget
        self.tty = tty

    def write_nowait(self, data: bytes) -> None:
        if not data:
            return
        if self.channel.queued > self.channel.window + self.budget.limits.memory_bytes:
            raise OutOfMemory()
        allowed = self.budget.output_allowed(self.fd, len(data))
        self.send(data[:allowed])
        if allowed < len(data):
            assert self.budget.killed is not None
            raise self.budget.killed

    def send(self, data: bytes) -> None:
        self.raw(data.replace(b"\n", b"\r\n") if self.tty else data)

    def raw(self, data: bytes) -> None:
        """Bytes exactly as the terminal (or the client) gets them: the line editor's echo."""
        self.channel.put_nowait((1 if self.tty else self.fd, data), len(data))

    async def drain(self) -> None:
        self.budget.tick()
        await self.channel.room()

    def notice(self, data: bytes) -> None:
        self.send(data)


class InputReader(Reader):
    """A session's stdin when no terminal sits in between: the client's bytes as they come."""

    def __init__(self, session: SessionIO) -> None:
        self.session = session
        self._pending = b""
        self._eof = False

    async def read(self, size: int = CHUNK) -> bytes:
        self.session.budget.tick()
        while not self._pending and not self._eof:
            item = await self.session.next_input()
            if item is None:
                self._eof = True
            elif isinstance(item, bytes):
                self._pending = item
        chunk, self._pending = self._pending[:size], self._pending[size:]
        return chunk


class SessionIO:
    """What the code running in a session sees: its input, its two output streams, its budget."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self.budget = session.budget
        self.stdout = ChannelWriter(session.output, 1, session.budget, session.tty)
        self.stderr = ChannelWriter(session.output, 2, session.budget, session.tty)

    async def next_input(self) -> Input:
        return await self._session.input.get()

    def input_nowait(self) -> tuple[bool, Input]:
        return self._session.input.get_nowait()

    def stdin(self) -> InputReader:
        return InputReader(self)


Main = Callable[[SessionIO], Awaitable[int]]


class Session:
    """One process (tree) on its own thread and loop; the handle its owner keeps.

    The owner calls ``send``/``resize``/``close_input``/``interrupt``/``kill`` from its loop (they
    are thread-safe), reads ``output`` until it ends, and awaits ``wait()`` for the exit status.
    """

    def __init__(self, name: str, main: Main, budget: Budget, tty: bool = False,
                 on_exit: Callable[[Session], None] | None = None) -> None:
        self.name = name
        self.budget = budget
        self.tty = tty
        self.output: Channel[tuple[int, bytes]] = Channel(OUTPUT_WINDOW)
        self.input: Channel[Input] = Channel(INPUT_WINDOW)
        self.exit_code: int | None = None
        self._main = main
        self._on_exit = on_exit
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[int] | None = None
        self._thread: threading.Thread | None = None
        self._started = threading.Event()
        self._done = threading.Event()
        self._ended = threading.Event()   # after the session's end is told to everyone (on_exit ran)
        self._watchers: list[Waiter] = []
        self._lock = threading.Lock()
        self._pending_signal: int | None = None

    # ---- lifecycle -----------------------------------------------------------------------------
    def start(self, carrier: _Carrier | None = None) -> None:
        """Run on a thread of its own, or on `carrier`'s (a pool's thread: new, or kept and idle now)."""
        carrier = carrier if carrier is not None else _Carrier(None)
        self._thread = carrier.thread
        carrier.give(self)
        if not carrier.thread.is_alive() and carrier.thread.ident is None:
            carrier.thread.start()
        self._started.wait()

    def _run_on(self, loop: asyncio.AbstractEventLoop, keep: bool) -> bool:
        """Run the session on `loop` (its thread's, current and idle). With `keep`, the loop stays open when the
        session left nothing on it (no task, timer, callback or file descriptor of its own: see `_left_nothing`) and
        True says so; otherwise it is closed, as it always was for a thread per session, and whatever the session
        left behind goes with it. Either way that happens before the session is said to have ended."""
        self._loop = loop
        code = 128 + SIGKILL
        kept = False
        try:
            # a fresh context, as a new thread's: nothing a previous session set on this thread reaches this one
            self._task = loop.create_task(self._run(), context=contextvars.Context())
            self._started.set()
            with self._lock:
                signo = self._pending_signal
            if signo is not None:
                self._task.cancel()
            code = loop.run_until_complete(self._task)
        except asyncio.CancelledError:   # killed before it ran a step
            code = 128 + (self._pending_signal or SIGKILL)
        except BaseException:   # never lose a session's end: its owner is waiting for it
            log.exception("session %s failed", self.name)
        finally:
            self._started.set()
            with contextlib.suppress(Exception):
                loop.run_until_complete(loop.shutdown_asyncgens())
            with contextlib.suppress(Exception):
                kept = keep and _left_nothing(loop)
            if not kept:
                loop.close()
            self.exit_code = code
            self.output.close()
            self._done.set()
            with self._lock:
                watchers, self._watchers = self._watchers, []
            for waiter in watchers:
                _wake(waiter)
            if self._on_exit is not None:
                self._on_exit(self)
            self._ended.set()
        return kept

    async def _run(self) -> int:
        self.budget.restart_clock()
        io = SessionIO(self)
        try:
            return await self._main(io)
        except asyncio.CancelledError:
            signo = self._pending_signal or SIGKILL
            return 128 + signo
        except Killed as k:
            if k.message:
                io.stderr.notice((k.message + "\n").encode())
            return k.status
        except Exception as e:   # a bug in the emulation: say so instead of losing it
            log.exception("session %s failed", self.name)
            io.stderr.notice(f"svclab internal error: {type(e).__name__}: {e}\n".encode())
            return 1

    # ---- what the owner does (thread-safe) ------------------------------------------------------
    def send(self, data: bytes) -> None:
        self.input.put_nowait(data, len(data))

    async def send_and_wait(self, data: bytes) -> None:
        """Pass stdin bytes on, waiting while the session has not read what it already got."""
        await self.input.put(data, len(data))

    def resize(self, width: int, height: int) -> None:
        self.input.put_nowait(Resize(width, height), 0)

    def close_input(self) -> None:
        self.input.put_nowait(None, 0)

    def interrupt(self) -> None:
        """SIGINT to the process (no terminal in between: it dies, status 130)."""
        self._signal(SIGINT)

    def kill(self) -> None:
        """SIGKILL: the client went away, the pod stopped. It cannot be caught: the budget is marked
        too, so a program that handles a cancellation as SIGINT (ping) still dies at its next step."""
        self.output.abandon()
        self.budget.kill(SIGKILL)
        self._signal(SIGKILL)

    def _signal(self, signo: int) -> None:
        with self._lock:
            if self._pending_signal is None:
                self._pending_signal = signo
        task, loop = self._task, self._loop
        if task is not None and loop is not None:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(task.cancel)

    @property
    def running(self) -> bool:
        return not self._done.is_set()

    async def wait(self) -> int:
        """The exit status, once the session's thread has finished (awaited on the owner's loop)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        with self._lock:
            if not self._done.is_set():
                self._watchers.append((loop, future))
            else:
                future.set_result(None)
        await future
        assert self.exit_code is not None
        return self.exit_code

    def join(self, timeout: float = JOIN_SECONDS) -> None:
        """Wait until the session has ended and said so (its thread may go on to serve another of its pool's)."""
        if self._thread is not None:
            self._ended.wait(timeout)


class SessionRefused(Exception):
    """Too many sessions already run (the runtime cannot fork another process)."""


def _left_nothing(loop: asyncio.AbstractEventLoop) -> bool:
    """Did the sessions run on `loop` leave nothing on it: no task, no timer that is not cancelled, no callback ready,
    no file descriptor but the loop's own wake-up pipe? Read from BaseEventLoop's and the selector loop's own state
    (asyncio 3.11); a loop without it counts as not clean, so it is closed as before."""
    loop.run_until_complete(asyncio.sleep(0))   # callbacks a close scheduled (connection_lost) run now
    if asyncio.all_tasks(loop):
        return False
    scheduled, ready, selector, wakeup = (getattr(loop, name, None) for name in ("_scheduled", "_ready", "_selector", "_ssock"))
    if scheduled is None or ready is None or selector is None or wakeup is None:
        return False
    if ready or any(not handle.cancelled() for handle in scheduled):
        return False
    return set(selector.get_map()) <= {wakeup.fileno()}


class _Carrier:
    """A session thread and its event loop. After a session that left nothing on the loop, a pool's carrier waits
    (up to IDLE_SECONDS) for the pool's next session instead of ending: a thread's start and a new loop cost more
    than the whole of a short exec. One session at a time, each from a fresh context and its own budget clock
    (`Budget.restart_clock` reads the thread's CPU clock at the session's start)."""

    def __init__(self, pool: SessionPool | None) -> None:
        self.pool = pool
        self._next: list[Session | None] = []
        self._handed = threading.Condition()
        self.thread = threading.Thread(target=self._main, name="svclab-session", daemon=True)

    def give(self, session: Session | None) -> None:
        """The next session to run (None: end)."""
        with self._handed:
            self._next.append(session)
            self._handed.notify()

    def take(self, timeout: float | None) -> Session | None | bool:
        """The session handed over, None to end, False when none came within `timeout`."""
        with self._handed:
            if not self._next and not self._handed.wait_for(lambda: bool(self._next), timeout):
                return False
            return self._next.pop(0)

    def _main(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        session = self.take(None)
        while isinstance(session, Session):
            self.thread.name = f"svclab-session-{session.name}"
            if not session._run_on(loop, keep=self.pool is not None):
                return   # the loop is closed: so ends the thread
            assert self.pool is not None
            session = self.pool._park(self)
        with contextlib.suppress(Exception):
            loop.close()


class SessionPool:
    """The running sessions of one cluster, at most ``limit`` at a time. The threads of finished sessions are
    kept (at most IDLE_CARRIERS, each for IDLE_SECONDS) to run the next ones."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._sessions: set[Session] = set()
        self._idle: list[_Carrier] = []

    def __len__(self) -> int:
        with self._lock:
            return len(self._sessions)

    def running(self) -> list[Session]:
        with self._lock:
            return list(self._sessions)

    def start(self, name: str, main: Main, budget: Budget, tty: bool = False,
              on_exit: Callable[[Session], None] | None = None) -> Session:
        def finished(session: Session) -> None:
            with self._lock:
                self._sessions.discard(session)
            if on_exit is not None:
                on_exit(session)

        session = Session(name, main, budget, tty, finished)
        with self._lock:
            if len(self._sessions) >= self.limit:
                raise SessionRefused(name)
            self._sessions.add(session)
            carrier = self._idle.pop() if self._idle else None
        session.start(carrier if carrier is not None else _Carrier(self))
        return session

    def _park(self, carrier: _Carrier) -> Session | None:
        """On `carrier`'s thread, its session over: wait for the next one (None: end the thread)."""
        with self._lock:
            if len(self._idle) >= IDLE_CARRIERS:
                return None
            self._idle.append(carrier)
        handed = carrier.take(IDLE_SECONDS)
        if handed is False:
            with self._lock:
                if carrier in self._idle:   # nobody took it: it ends
                    self._idle.remove(carrier)
                    return None
            handed = carrier.take(None)   # it was taken as the wait ended: its session is on the way
        return handed if isinstance(handed, Session) else None

    def kill_all(self) -> None:
        with self._lock:
            sessions = list(self._sessions)
            idle, self._idle = self._idle, []
        for carrier in idle:
            carrier.give(None)
        for session in sessions:
            session.kill()
        for session in sessions:
            session.join()
