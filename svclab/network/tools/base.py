"""The calling convention shared by every emulated command.

A tool is ``async def tool(inv) -> exit status``. It prints with ``inv.out``/``inv.err`` (taken at
once, like a write to a pipe with room) and, when it may print a lot, with ``await inv.write``,
which also waits while the reader is behind; it reads its standard input with ``await inv.read()``
or the helpers in svclab.network.streams. Budgets (svclab.network.budget) apply through both.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from svclab.network import messages
from svclab.network.budget import DEFAULT_LIMITS, Budget
from svclab.network.podenv import PodEnv
from svclab.network.streams import CHUNK, Collector, EmptyReader, Reader, Writer


@dataclass
class Invocation:
    """One run of a command: its argv, pod, file descriptors, environment and budget."""

    argv: list[str]
    env: PodEnv
    environ: dict[str, str] = field(default_factory=dict)
    cwd: str = "/"
    budget: Budget = field(default_factory=lambda: Budget(DEFAULT_LIMITS))
    stdin: Reader = field(default_factory=EmptyReader)
    stdout: Writer = field(default=None)  # type: ignore[assignment]
    stderr: Writer = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.stdout is None:
            self.stdout = Collector(self.budget)
        if self.stderr is None:
            self.stderr = Collector(self.budget)

    @property
    def name(self) -> str:
        """The applet name (basename of argv[0])."""
        return self.argv[0].rsplit("/", 1)[-1]

    @property
    def args(self) -> list[str]:
        return self.argv[1:]

    def out(self, text: str | bytes) -> None:
        self.stdout.write_nowait(text.encode() if isinstance(text, str) else text)

    def err(self, text: str | bytes) -> None:
        self.stderr.write_nowait(text.encode() if isinstance(text, str) else text)

    def errln(self, text: str) -> None:
        self.err(text + "\n")

    async def write(self, data: bytes) -> None:
        """Print DATA and wait while the reader of stdout is behind (a pipe, the client)."""
        await self.stdout.write(data)

    async def read(self, size: int = CHUNK) -> bytes:
        """Up to SIZE bytes of standard input; b"" at end of file."""
        return await self.stdin.read(size)

    def usage(self, usage: str) -> int:
        """bb_show_usage(): banner and usage on stderr, exit 1."""
        self.err(f"{messages.BUSYBOX_BANNER}\n\n{usage}\n")
        return 1


Tool = Callable[[Invocation], Awaitable[int]]
