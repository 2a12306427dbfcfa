"""The file descriptors of emulated processes: pipes with a kernel-sized buffer, files, /dev/null.

All of a session's streams live on the session's own event loop. A `Writer` takes bytes at once
(``write_nowait``: what a tool prints synchronously) and makes its writer wait while the reader is
behind (``drain``): a pipe holds ``pipe_bytes`` like a Linux pipe, so a pipeline streams in bounded
memory. Writing to a pipe nobody reads any more kills the writer with SIGPIPE, as the kernel does;
a write that would leave more than the memory budget unread is ``out of memory``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from svclab.network.budget import SIGPIPE, Budget, Killed, OutOfMemory
from svclab.network.podenv import FSError, PodFS

CHUNK = 64 * 1024


class WriteError(Exception):
    """write(2) failed; ``strerror`` is the libc text (busybox: ``NAME: write error: TEXT``)."""

    def __init__(self, strerror: str) -> None:
        super().__init__(strerror)
        self.strerror = strerror


class Reader:
    """An input file descriptor."""

    async def read(self, size: int = CHUNK) -> bytes:
        """Up to ``size`` bytes; b"" at end of file."""
        return b""

    def close(self) -> None:
        """The reading process is done with it."""


class Writer:
    """An output file descriptor."""

    def write_nowait(self, data: bytes) -> None:
        raise NotImplementedError

    async def drain(self) -> None:
        """Wait until the reader has caught up (a pipe), or the data is delivered."""

    async def write(self, data: bytes) -> None:
        self.write_nowait(data)
        await self.drain()

    def close(self) -> None:
        """The writing end is closed: the reader sees end of file."""

    def notice(self, data: bytes) -> None:
        """A last message about the process (how it died): delivered if at all possible."""
        try:
            self.write_nowait(data)
        except (WriteError, OutOfMemory, Killed):
            pass


class EmptyReader(Reader):
    pass


class BytesReader(Reader):
    """Input from bytes already in memory (a here-document, a command's collected stdin)."""

    def __init__(self, data: bytes) -> None:
        self._data = memoryview(data)
        self._pos = 0

    async def read(self, size: int = CHUNK) -> bytes:
        chunk = bytes(self._data[self._pos:self._pos + size])
        self._pos += len(chunk)
        return chunk


class ZeroReader(Reader):
    """/dev/zero: endless NUL bytes."""

    def __init__(self, budget: Budget) -> None:
        self.budget = budget

    async def read(self, size: int = CHUNK) -> bytes:
        self.budget.tick()
        await asyncio.sleep(0)
        return bytes(min(size, CHUNK))


class FileReader(Reader):
    """A file of the pod's filesystem, read as it is now (it may grow while it is read)."""

    def __init__(self, fs: PodFS, path: str, budget: Budget) -> None:
        self.fs = fs
        self.path = path
        self.budget = budget
        self._pos = 0

    async def read(self, size: int = CHUNK) -> bytes:
        self.budget.tick()
        await asyncio.sleep(0)
        try:
            chunk = self.fs.read_at(self.path, self._pos, min(size, CHUNK))
        except FSError:
            return b""   # removed while open: a real file would stay readable; here it ends
        self._pos += len(chunk)
        return chunk


class Pipe(Reader, Writer):
    """pipe(2) inside one session: ``pipe_bytes`` of buffer; both ends on the session's loop."""

    def __init__(self, budget: Budget) -> None:
        self.budget = budget
        self.capacity = budget.limits.pipe_bytes
        self._buffer = bytearray()
        self._reader_gone = False
        self._writer_gone = False
        self._changed = asyncio.Event()

    # writer side
    def write_nowait(self, data: bytes) -> None:
        if self._reader_gone:
            raise Killed(SIGPIPE)
        if len(self._buffer) + len(data) > self.capacity + self.budget.limits.memory_bytes:
            raise OutOfMemory()
        if data:
            self._buffer += data
            self._changed.set()
            if len(self._buffer) > self.budget.peak_pipe_bytes:
                self.budget.peak_pipe_bytes = len(self._buffer)

    @property
    def buffered(self) -> int:
        return len(self._buffer)

    async def drain(self) -> None:
        self.budget.tick()
        while len(self._buffer) > self.capacity and not self._reader_gone:
            self._changed.clear()
            await self._changed.wait()
            self.budget.tick()
        if self._reader_gone:
            raise Killed(SIGPIPE)

    def close(self) -> None:
        self._writer_gone = True
        self._changed.set()

    # reader side
    async def read(self, size: int = CHUNK) -> bytes:
        self.budget.tick()
        while not self._buffer and not self._writer_gone:
            self._changed.clear()
            await self._changed.wait()
            self.budget.tick()
        chunk = bytes(self._buffer[:size])
        del self._buffer[:size]
        self._changed.set()
        return chunk

    def close_read(self) -> None:
        self._reader_gone = True
        self._buffer.clear()
        self._changed.set()


class PipeReadEnd(Reader):
    """The read end of a pipe as the reading process holds it: closing it is close_read()."""

    def __init__(self, pipe: Pipe) -> None:
        self.pipe = pipe

    async def read(self, size: int = CHUNK) -> bytes:
        return await self.pipe.read(size)

    def close(self) -> None:
        self.pipe.close_read()


class Collector(Writer):
    """Output kept in memory (command substitution, a probe's output), bounded by the budget."""

    def __init__(self, budget: Budget) -> None:
        self.budget = budget
        self.data = bytearray()

    def write_nowait(self, data: bytes) -> None:
        self.budget.check_size(len(self.data) + len(data))
        self.data += data

    async def drain(self) -> None:
        self.budget.tick()


class Discard(Writer):
    """/dev/null."""

    def write_nowait(self, data: bytes) -> None:
        pass


class FileWriter(Writer):
    """A file of the pod's filesystem, opened for writing (truncated when opened, unless >>)."""

    def __init__(self, fs: PodFS, path: str, budget: Budget) -> None:
        self.fs = fs
        self.path = path
        self.budget = budget

    def write_nowait(self, data: bytes) -> None:
        if not data:
            return
        try:
            self.fs.write(self.path, data, append=True, partial=True)
        except FSError as e:
            raise WriteError(e.strerror) from None

    async def drain(self) -> None:
        self.budget.tick()


async def read_all(reader: Reader, budget: Budget) -> bytes:
    """Everything until end of file, refused past the memory budget."""
    data = bytearray()
    while True:
        chunk = await reader.read(CHUNK)
        if not chunk:
            return bytes(data)
        budget.check_size(len(data) + len(chunk))
        data += chunk


async def read_lines(reader: Reader, budget: Budget) -> AsyncIterator[list[bytes]]:
    """Lines with their newline (the last one may lack it), in batches as they arrive; one line
    may not exceed the memory budget."""
    partial: list[bytes] = []
    partial_size = 0
    while True:
        chunk = await reader.read(CHUNK)
        if not chunk:
            if partial:
                yield [b"".join(partial)]
            return
        if b"\n" not in chunk:
            partial.append(chunk)
            partial_size += len(chunk)
            budget.check_size(partial_size)
            continue
        lines = chunk.split(b"\n")
        rest = lines.pop()
        if partial:
            lines[0] = b"".join(partial) + lines[0]
        partial, partial_size = ([rest], len(rest)) if rest else ([], 0)
        yield [line + b"\n" for line in lines]
