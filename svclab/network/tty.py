"""The terminal side of an interactive shell: busybox lineedit's line editing and the pty's onlcr.

busybox ash reads commands through lineedit (read_line_input), which puts the pty in raw mode and
does its own echo: printable characters are echoed, Enter (CR or LF) moves to a new line and hands
the line over, Backspace/DEL erases the character before the cursor (``\\b \\b``), Ctrl-C prints
``^C`` and abandons the line, Ctrl-D on an empty line is end of input. Escape sequences (arrow keys)
and other control characters are swallowed. Output goes through the pty's onlcr: ``\\n`` -> ``\\r\\n``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ENTER = {0x0D, 0x0A}
ERASE = {0x7F, 0x08}
CTRL_C, CTRL_D, CTRL_U, ESC = 0x03, 0x04, 0x15, 0x1B


@dataclass(frozen=True)
class Echo:
    data: bytes


@dataclass(frozen=True)
class Line:
    text: str


@dataclass(frozen=True)
class Interrupt:
    pass


@dataclass(frozen=True)
class EndOfInput:
    pass


Event = Echo | Line | Interrupt | EndOfInput


def onlcr(data: bytes) -> bytes:
    """The pty's output translation: every newline leaves as CR LF."""
    return data.replace(b"\n", b"\r\n")


@dataclass
class LineEditor:
    """Collects one line of keyboard input at a time, producing what the terminal shows."""

    buffer: bytearray = field(default_factory=bytearray)
    _escape: bytearray | None = None

    @property
    def text(self) -> str:
        return self.buffer.decode("utf-8", "replace")

    def feed(self, data: bytes) -> list[Event]:
        events: list[Event] = []
        echo = bytearray()

        def flush_echo() -> None:
            if echo:
                events.append(Echo(bytes(echo)))
                echo.clear()

        for byte in data:
            if self._escape is not None:
                if self._in_escape(byte):
                    continue
                self._escape = None
                continue
            if byte == ESC:
                self._escape = bytearray()
            elif byte in ENTER:
                echo += b"\r\n"
                flush_echo()
                events.append(Line(self.text))
                self.buffer.clear()
            elif byte in ERASE:
                if self.buffer:
                    self._erase_char()
                    echo += b"\b \b"
            elif byte == CTRL_U:
                count = len(self.text)
                echo += b"\b \b" * count
                self.buffer.clear()
            elif byte == CTRL_C:
                echo += b"^C"
                flush_echo()
                events.append(Interrupt())
                self.buffer.clear()
            elif byte == CTRL_D:
                if not self.buffer:
                    echo += b"\r\n"
                    flush_echo()
                    events.append(EndOfInput())
            elif byte >= 0x20:
                self.buffer.append(byte)
                echo.append(byte)
        flush_echo()
        return events

    def _in_escape(self, byte: int) -> bool:
        """Whether the escape sequence goes on after BYTE: ESC [ params final, ESC O x, ESC x."""
        assert self._escape is not None
        self._escape.append(byte)
        lead = self._escape[0]
        if len(self._escape) == 1:
            return byte in b"[O"
        if lead == ord("O"):
            return False
        return not 0x40 <= byte <= 0x7E

    def _erase_char(self) -> None:
        """Drop the last (possibly multi-byte UTF-8) character."""
        start = len(self.buffer) - 1
        while start > 0 and (self.buffer[start] & 0xC0) == 0x80:
            start -= 1
        del self.buffer[start:]
