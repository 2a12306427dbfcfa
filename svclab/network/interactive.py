"""An interactive busybox ash on a pty: `kubectl exec -it POD -- sh`, and a container whose main
process is a shell with ``stdin`` and ``tty`` set (`kubectl run -it ... -- sh`, then attach).

The session prints the prompt, edits and echoes typed lines (svclab.network.tty), runs each line
in one long-lived shell, streams what commands print (stderr and stdout share the terminal), and
lets Ctrl-C interrupt a running command. A window-size change while a line is being read makes
lineedit redraw the prompt and the line (SIGWINCH), which is why `kubectl attach` shows a prompt.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from svclab.network.podenv import PodEnv
from svclab.network.shell import IO, InteractiveShell
from svclab.network.tools.base import Tool
from svclab.network.tty import CTRL_C, Echo, EndOfInput, Interrupt, Line, LineEditor, onlcr

POLL_SECONDS = 0.05   # how often a running command's output is flushed to the terminal
CLEAR_TO_END = b"\x1b[J"


@dataclass(frozen=True)
class Resize:
    width: int
    height: int


Input = bytes | Resize | None   # None: stdin reached end of file (the client closed it)


class TerminalSession:
    """ash reading from a terminal. ``output`` receives what the terminal shows (already CR LF)."""

    def __init__(self, argv: list[str], env: PodEnv, tools: Mapping[str, Tool], output: Callable[[bytes], None],
                 size: tuple[int, int] | None = None) -> None:
        self.shell = InteractiveShell(argv, env, tools)
        self.editor = LineEditor()
        self.output = output
        self.size = size
        self.inbox: asyncio.Queue[Input] = asyncio.Queue()
        self._typeahead: list[Input] = []
        self._getter: asyncio.Future[Input] | None = None
        self._pending = ""   # the lines of a construct still waiting for its end (PS2)

    # ---- what the client sends -----------------------------------------------------------------
    def send(self, data: bytes) -> None:
        self.inbox.put_nowait(data)

    def resize(self, width: int, height: int) -> None:
        self.inbox.put_nowait(Resize(width, height))

    def end_of_input(self) -> None:
        self.inbox.put_nowait(None)

    # ---- the shell's side ----------------------------------------------------------------------
    def start(self) -> None:
        """The first prompt, written as the shell starts."""
        self._write(self._prompt().encode())

    async def loop(self) -> int:
        """Read and run lines until the shell exits; its exit code."""
        while True:
            item = await self._next()
            if item is None:
                return self.shell.status
            if isinstance(item, Resize):
                self._resized(item, redraw=True)
                continue
            for event in self.editor.feed(item):
                if isinstance(event, Echo):
                    self.output(event.data)
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

    async def run(self) -> int:
        self.start()
        return await self.loop()

    def close(self) -> None:
        if self._getter is not None and not self._getter.done():
            self._getter.cancel()

    # ---- internals -----------------------------------------------------------------------------
    def _write(self, data: bytes) -> None:
        if data:
            self.output(onlcr(data))

    def _prompt(self) -> str:
        return self.shell.prompt("PS2" if self._pending else "PS1")

    def _resized(self, size: Resize, redraw: bool) -> None:
        changed = self.size is not None and (size.width, size.height) != self.size
        self.size = (size.width, size.height)
        if changed and redraw:
            self.output(b"\r" + onlcr(self._prompt().encode()) + bytes(self.editor.buffer) + CLEAR_TO_END)

    async def _next(self) -> Input:
        if self._typeahead:
            return self._typeahead.pop(0)
        getter = self._getter or asyncio.ensure_future(self.inbox.get())
        self._getter = None
        try:
            return await getter
        except asyncio.CancelledError:
            getter.cancel()
            raise

    async def _line(self, text: str) -> int | None:
        src = self._pending + text + "\n"
        if self.shell.needs_more(src):
            self._pending = src
            return None
        self._pending = ""
        if not src.strip():
            return None
        out = bytearray()
        command = asyncio.ensure_future(self.shell.run_line(src, IO(b"", {0: bytearray(), 1: out, 2: out})))
        sent = 0
        try:
            while True:
                if self._getter is None:
                    self._getter = asyncio.ensure_future(self.inbox.get())
                await asyncio.wait({command, self._getter}, timeout=POLL_SECONDS, return_when=asyncio.FIRST_COMPLETED)
                if len(out) > sent:
                    self._write(bytes(out[sent:]))
                    sent = len(out)
                if command.done():
                    return command.result()
                if self._getter.done():
                    item = self._getter.result()
                    self._getter = None
                    if isinstance(item, bytes) and CTRL_C in item:
                        # the tty echoes ^C, SIGINT ends the command, ash starts a new line; the
                        # rest of the typed input is flushed
                        command.cancel()
                        with contextlib.suppress(asyncio.CancelledError):
                            await command
                        self._typeahead.clear()
                        self.shell.interrupted()
                        self._write(b"^C\n")
                        return None
                    if isinstance(item, Resize):
                        self._resized(item, redraw=False)
                    else:
                        self._typeahead.append(item)
        finally:
            if not command.done():
                command.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await command


class Console:
    """A container's main process when it is an interactive shell on a tty. It runs from the
    container's start; attaching shows its output from then on and sends it keystrokes. With
    ``stdinOnce`` the container's stdin closes when the first attached client goes away."""

    def __init__(self, argv: list[str], env: PodEnv, tools: Mapping[str, Tool], stdin_once: bool,
                 on_exit: Callable[[int], None]) -> None:
        self.listeners: list[asyncio.Queue[bytes | None]] = []
        self.stdin_once = stdin_once
        self.exit_code: int | None = None
        self._on_exit = on_exit
        # a container made without a console size has a 0x0 pty: the first resize is a change
        self.session = TerminalSession(argv, env, tools, self._broadcast, size=(0, 0))
        self.session.start()   # this prompt goes to the container log: nobody is attached yet
        self.task = asyncio.ensure_future(self._main())

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
            self.session.end_of_input()

    def stop(self) -> None:
        self.session.close()
        if not self.task.done():
            self.task.cancel()

    def _broadcast(self, data: bytes) -> None:
        for queue in self.listeners:
            queue.put_nowait(data)

    async def _main(self) -> None:
        code = await self.session.loop()
        self.exit_code = code
        for queue in self.listeners:
            queue.put_nowait(None)
        self.listeners.clear()
        self._on_exit(code)
