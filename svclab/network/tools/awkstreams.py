"""The streams of busybox awk: records read by RS (awk_getline()) and the destinations of
``print >``, ``>>`` and ``|``. Bytes are latin-1 text inside awk (busybox has no Unicode here)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from svclab.network.streams import CHUNK, Reader, Writer

if TYPE_CHECKING:
    from svclab.network.tools.awkrun import Interpreter


def latin1(data: bytes) -> str:
    return data.decode("latin-1")


def to_bytes(text: str) -> bytes:
    return text.encode("latin-1", "replace")


class Records:
    """Reads records from one input (awk_getline()) by RS."""

    def __init__(self, interp: Interpreter, reader: Reader) -> None:
        self.interp = interp
        self.reader = reader
        self.buffer = ""
        self.pos = 0
        self.eof = False

    async def _more(self) -> bool:
        if self.eof:
            return False
        await self.interp.flush()
        chunk = await self.reader.read(CHUNK)
        if not chunk:
            self.eof = True
            return False
        self.buffer = self.buffer[self.pos:] + latin1(chunk)
        self.pos = 0
        self.interp.inv.budget.check_size(len(self.buffer))
        return True

    async def next(self) -> str | None:
        while True:
            rs = self.interp.text(self.interp.get_global("RS"))
            if rs == "":
                record = self._paragraph()
            elif len(rs) == 1:
                at = self.buffer.find(rs, self.pos)
                record = None
                if at >= 0:
                    record, self.pos = self.buffer[self.pos:at], at + 1
            else:
                record = self._regex(rs)
            if record is not None:
                return record
            if not await self._more():
                rest = self.buffer[self.pos:]
                self.buffer, self.pos = "", 0
                if rs == "":
                    rest = rest.strip("\n")
                return rest or None

    def _paragraph(self) -> str | None:
        while self.pos < len(self.buffer) and self.buffer[self.pos] == "\n":
            self.pos += 1
        m = re.compile(r"\n\n+").search(self.buffer, self.pos)
        if m is None or m.end() == len(self.buffer):
            return None
        record, self.pos = self.buffer[self.pos:m.start()], m.end()
        return record

    def _regex(self, rs: str) -> str | None:
        regex = self.interp.regex(rs)
        for m in regex.finditer(self.buffer, self.pos):
            if m.end() > m.start():
                if m.end() >= len(self.buffer) and not self.eof:
                    return None   # the separator may go on in the next chunk
                record, self.pos = self.buffer[self.pos:m.start()], m.end()
                return record
        return None


@dataclass
class Output:
    """An open ``print >``/``>>``/``|`` destination."""

    kind: str                   # "file" | "pipe" | "stdout" | "stderr"
    writer: Writer | None = None
    data: bytearray = field(default_factory=bytearray)   # a pipe's input, until close()
