"""Programs on a pty: busybox ash reading commands (`kubectl exec -it POD -- sh`, and a container
whose main process is a shell with ``stdin`` and ``tty`` set, joined by `kubectl attach`), and any
other command run with ``-t``.

The shell session prints the prompt, edits and echoes typed lines (svclab.network.tty), runs each
line in one long-lived shell, streams what commands print (stderr and stdout share the terminal),
and lets Ctrl-C interrupt a running command, as a real ash on a tty: the command dies, ``^C`` and a
new prompt appear, ``$?`` is 130. A window-size change while a line is being read makes lineedit
redraw the prompt and the line (SIGWINCH), which is why `kubectl attach` shows a prompt.

Everything here runs inside a session (svclab.network.session): on its own thread and loop.
While a command runs, typed keys wait in the terminal's input buffer (``tty_input_bytes``, as
N_TTY's 4 KiB: what does not fit is dropped, Ctrl-C always gets through).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping
from typing import Any

from svclab.network.budget import SIGINT, Budget, Limits
from svclab.network.podenv import PodEnv
from svclab.network.session import Input, Resize, Session, SessionIO
from svclab.network.shell import IO, InteractiveShell, Program, start_program
from svclab.network.streams import EmptyReader, Pipe, PipeReadEnd
from svclab.network.tools.base import Tool
from svclab.network.tty import CTRL_C, Echo, EndOfInput, Interrupt, Line, LineEditor, onlcr

CLEAR_TO_END = b"\x1b[J"


class TerminalSession:
    """ash reading from a terminal; what the terminal shows goes to the session's stdout."""

    def __init__(self, argv: list[str], env: PodEnv, tools: Mapping[str, Tool], io: SessionIO,
                 size: tuple[int, int] | None = None) -> None:
        self.io = io
        self.shell = InteractiveShell(argv, env, tools, io.budget)
        self.editor = LineEditor()
        self.size = size
        self._typeahead: list[Input] = []
        self._typeahead_bytes = 0
        self._getter: asyncio.Future[Input] | None = None
        self._pending = ""   # the lines of a construct still waiting for its end (PS2)

    # ---- the shell's side ----------------------------------------------------------------------
    def start(self) -> None:
        """The first prompt, written as the shell starts."""
        self._write(self._prompt().encode())

    async def loop(self) -> int:
        """Read and run lines until the shell exits; its exit code."""
        try:
            while True:
                item = await self._next()
                if item is None:
                    return self.shell.status
                if isinstance(item, Resize):
                    self._resized(item, redraw=True)
                    continue
                item, rest = _through_first_enter(item)
                if rest:   # typed after Enter: read once the line's command is done
                    self._typeahead.insert(0, rest)
                    self._typeahead_bytes += len(rest)
                for event in self.editor.feed(item):
                    if isinstance(event, Echo):
                        self._raw(event.data)
                    elif isinstance(event, Interrupt):
                        self._pending = ""
                        self.shell.interrupted()
                        self._write(b"\n" + self._prompt().encode())
                    elif isinstance(event, EndOfInput):
                        return self.shell.status
                    elif isinstance(event, Line):
                        code = await self._line(event.text)
                        if code is not None:
                            return code
                        self._write(self._prompt().encode())
        finally:
            if self._getter is not None:
                self._getter.cancel()

    async def run(self) -> int:
        self.start()
        return await self.loop()

    # ---- internals -----------------------------------------------------------------------------
    def _raw(self, data: bytes) -> None:
        if data:
            self.io.stdout.raw(data)

    def _write(self, data: bytes) -> None:
        self._raw(onlcr(data))

    def _prompt(self) -> str:
        return self.shell.prompt("PS2" if self._pending else "PS1")

    def _resized(self, size: Resize, redraw: bool) -> None:
        changed = self.size is not None and (size.width, size.height) != self.size
        self.size = (size.width, size.height)
        if changed and redraw:
            self._raw(b"\r" + onlcr(self._prompt().encode()) + bytes(self.editor.buffer) + CLEAR_TO_END)

    async def _next(self) -> Input:
        if self._typeahead:
            item = self._typeahead.pop(0)
            if isinstance(item, bytes):
                self._typeahead_bytes -= len(item)
            return item
        getter = self._getter or asyncio.ensure_future(self.io.next_input())
        self._getter = None
        try:
            return await getter
        except asyncio.CancelledError:
            getter.cancel()
            raise

    def _keep(self, item: Input) -> None:
        """Typed while a command runs: the terminal's input buffer keeps what fits."""
        if isinstance(item, bytes):
            room = self.io.budget.limits.tty_input_bytes - self._typeahead_bytes
            item = item[:max(room, 0)]
            if not item:
                return
            self._typeahead_bytes += len(item)
        self._typeahead.append(item)

    def _interrupt(self, command: asyncio.Future[int | None]) -> None:
        """Ctrl-C while a command runs: the tty echoes ^C at once and flushes the typed input,
        SIGINT goes to the command. Most programs die of it (then ash starts a new line and $? is
        130); one that catches SIGINT (ping) goes on, prints what it prints, and exits normally."""
        self._write(b"^C")
        self._typeahead.clear()
        self._typeahead_bytes = 0
        self.io.budget.interrupt()
        command.cancel()

    def _finished(self, command: asyncio.Future[int | None]) -> int | None:
        """The command's end: killed by SIGINT (ash's new line, $? 130) or its own exit."""
        self.io.budget.sigint = False   # a SIGINT nobody took does not outlive the command
        if command.cancelled():
            self.shell.interrupted()
            self._write(b"\n")
            return None
        return command.result()

    async def _line(self, text: str) -> int | None:
        src = self._pending + text + "\n"
        if self.shell.needs_more(src):
            self._pending = src
            return None
        self._pending = ""
        if not src.strip():
            return None
        terminal = self.io.stdout   # stderr and stdout are the same terminal
        command = asyncio.ensure_future(self.shell.run_line(src, IO(EmptyReader(), {1: terminal, 2: terminal})))
        try:
            if any(isinstance(t, bytes) and CTRL_C in t for t in self._typeahead):
                self._interrupt(command)   # Ctrl-C was typed right after Enter
            while True:
                if self._getter is None:
                    self._getter = asyncio.ensure_future(self.io.next_input())
                running: set[asyncio.Future[Any]] = {command, self._getter}
                await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                if command.done():
                    return self._finished(command)
                item = self._getter.result()
                self._getter = None
                if isinstance(item, bytes) and CTRL_C in item:
                    self._interrupt(command)
                elif isinstance(item, Resize):
                    self._resized(item, redraw=False)
                else:
                    self._keep(item)
        finally:
            if not command.done():
                command.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await command


def _through_first_enter(data: bytes) -> tuple[bytes, bytes]:
    """DATA up to and including its first Enter, and the rest."""
    ends = [i for i in (data.find(b"\r"), data.find(b"\n")) if i >= 0]
    if not ends:
        return data, b""
    cut = min(ends) + 1
    return data[:cut], data[cut:]


async def shell_on_terminal(argv: list[str], env: PodEnv, tools: Mapping[str, Tool], io: SessionIO,
                            size: tuple[int, int] | None = None, first_prompt: bool = True) -> int:
    """A session's main for an interactive ash: the prompt, then lines until it exits. Without
    ``first_prompt`` the first prompt is not shown (it went to the container's log before anyone
    attached; svclab keeps no container log yet)."""
    session = TerminalSession(argv, env, tools, io, size)
    if first_prompt:
        session.start()
    return await session.loop()


async def program_on_terminal(program: Program, env: PodEnv, tools: Mapping[str, Tool], io: SessionIO) -> int:
    """A session's main for any other command with a tty (``kubectl exec -it POD -- cat``): the
    line discipline in canonical mode echoes typed lines and hands them to the command's stdin,
    Ctrl-D ends its input, Ctrl-C kills it with SIGINT (status 130)."""
    stdin = Pipe(io.budget)
    editor = LineEditor()
    command = asyncio.ensure_future(start_program(program, env, tools, io.budget, PipeReadEnd(stdin), io.stdout,
                                                  io.stdout))

    async def discipline() -> None:
        while True:
            item = await io.next_input()
            if item is None:
                stdin.close()
                return
            if isinstance(item, Resize):
                continue
            for event in editor.feed(item):
                if isinstance(event, Echo):
                    io.stdout.raw(event.data)
                elif isinstance(event, Line):
                    if stdin.buffered < io.budget.limits.tty_input_bytes:
                        with contextlib.suppress(BaseException):
                            stdin.write_nowait((event.text + "\n").encode())
                elif isinstance(event, Interrupt):   # (the editor has echoed ^C)
                    io.budget.interrupt()
                    command.cancel()
                    return
                elif isinstance(event, EndOfInput):
                    stdin.close()

    keys = asyncio.ensure_future(discipline())
    try:
        await asyncio.wait({command, keys}, return_when=asyncio.FIRST_COMPLETED)
        if keys.done() and not command.done():
            await asyncio.wait({command})
        io.budget.sigint = False
        if command.cancelled():
            return 128 + SIGINT
        return command.result()
    finally:
        for task in (keys, command):
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task


class Console:
    """A container's main process when it is an interactive shell on a tty. It runs from the
    container's start in its own session; attaching shows its output from then on and sends it
    keystrokes. With ``stdinOnce`` the container's stdin closes when the first attached client
    goes away. Lives on the owner's loop; ``on_exit`` is called there with the exit code."""

    LISTENER_BACKLOG = 1024   # chunks a slow attached client may fall behind before it misses output

    def __init__(self, name: str, argv: list[str], env: PodEnv, tools: Mapping[str, Tool], limits: Limits,
                 stdin_once: bool, on_exit: Callable[[int], None],
                 start: Callable[[str, Callable[[SessionIO], object], Budget, bool], Session],
                 on_output: Callable[[bytes], None] | None = None) -> None:
        self.listeners: list[asyncio.Queue[bytes | None]] = []
        self._on_output = on_output   # the container log
        self.stdin_once = stdin_once
        self.exit_code: int | None = None
        self._on_exit = on_exit

        async def main(io: SessionIO) -> int:
            # a container made without a console size has a 0x0 pty: the first resize is a change;
            # the first prompt goes to the container log: nobody is attached yet
            return await shell_on_terminal(argv, env, tools, io, size=(0, 0), first_prompt=True)

        self.session = start(name, main, Budget(limits.interactive()), True)
        self.task = asyncio.ensure_future(self._pump())

    # ---- what attached clients do ----------------------------------------------------------------
    def attach(self) -> asyncio.Queue[bytes | None]:
        queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        if self.exit_code is not None:
            queue.put_nowait(None)
        else:
            self.listeners.append(queue)
        return queue

    def detach(self, queue: asyncio.Queue[bytes | None], with_stdin: bool) -> None:
        if queue in self.listeners:
            self.listeners.remove(queue)
        if with_stdin and self.stdin_once and self.exit_code is None:
            self.session.close_input()

    def send(self, data: bytes) -> None:
        self.session.send(data)

    def resize(self, width: int, height: int) -> None:
        self.session.resize(width, height)

    def close_input(self) -> None:
        self.session.close_input()

    def stop(self) -> None:
        self.session.kill()

    # ---- the owner's side ------------------------------------------------------------------------
    async def _pump(self) -> None:
        while True:
            item = await self.session.output.get()
            if item is None:
                break
            if self._on_output is not None:
                self._on_output(item[1])
            for queue in self.listeners:
                if queue.qsize() < self.LISTENER_BACKLOG:
                    queue.put_nowait(item[1])
        code = await self.session.wait()
        self.exit_code = code
        for queue in self.listeners:
            queue.put_nowait(None)
        self.listeners.clear()
        self._on_exit(code)
