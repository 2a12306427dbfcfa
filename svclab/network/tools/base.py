"""The calling convention shared by every emulated command."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from svclab.network import messages
from svclab.network.podenv import PodEnv


@dataclass
class Invocation:
    """One run of a command: its argv, pod, stdin, captured output and environment."""

    argv: list[str]
    env: PodEnv
    stdin: bytes = b""
    environ: dict[str, str] = field(default_factory=dict)
    cwd: str = "/"
    stdout: bytearray = field(default_factory=bytearray)
    stderr: bytearray = field(default_factory=bytearray)

    @property
    def name(self) -> str:
        """The applet name (basename of argv[0])."""
        return self.argv[0].rsplit("/", 1)[-1]

    @property
    def args(self) -> list[str]:
        return self.argv[1:]

    def out(self, text: str | bytes) -> None:
        self.stdout += text.encode() if isinstance(text, str) else text

    def err(self, text: str | bytes) -> None:
        self.stderr += text.encode() if isinstance(text, str) else text

    def errln(self, text: str) -> None:
        self.err(text + "\n")

    def usage(self, usage: str) -> int:
        """bb_show_usage(): banner and usage on stderr, exit 1."""
        self.errln(f"{messages.BUSYBOX_BANNER}\n\n{usage}\n")
        return 1


Tool = Callable[[Invocation], Awaitable[int]]
