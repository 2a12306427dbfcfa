"""busybox 1.36.1 ``gzip``, ``gunzip`` and ``zcat`` (archival/gzip.c, archival/bbunzip.c,
archival/libarchive/decompress_gunzip.c), with real DEFLATE from zlib.

- ``gzip FILE`` writes FILE.gz (never over an existing file unless ``-f``) and removes FILE unless
  ``-k``; ``-c`` writes to stdout; no FILE (or ``-``) compresses stdin to stdout. busybox writes a
  bare header: no name, mtime 0, OS 3 (Unix). Its own deflate coder may pick different codes than
  zlib's level 6 for large inputs; both decompress to the same bytes.
- ``gunzip FILE.gz`` (also ``.tgz`` -> ``.tar``, ``.Z``) and ``gzip -d``; ``-t`` only tests.
  Concatenated members are read one after another; bytes after the last one are ignored.
- ``zcat`` is "clever": it also takes bzip2 and xz data (BBUNPK_SEAMLESS_MAGIC), and refuses
  anything else with ``no gzip/bzip2/xz magic``.

Data streams a chunk at a time in both directions, so a large file never sits whole in memory.
"""

from __future__ import annotations

import bz2
import lzma
import struct
import zlib
from collections.abc import AsyncIterator

from svclab.network.podenv import FSError
from svclab.network.streams import CHUNK, Discard, FileReader, FileWriter, Reader, Writer
from svclab.network.tools.base import Invocation
from svclab.network.tools.getopt import GetoptError, bad_command_line, getopt
from svclab.network.tools.usages import GUNZIP_USAGE, GZIP_USAGE, ZCAT_USAGE

HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"   # magic, deflate, no flags, mtime 0, XFL 0, Unix
GZIP_MAGIC = b"\x1f\x8b"
BZIP2_MAGIC = b"BZh"
XZ_MAGIC = b"\xfd7zXZ\x00"
LONGS = {"stdout": "c", "to-stdout": "c", "force": "f", "keep": "k", "quiet": "q", "verbose": "v", "decompress": "d",
         "uncompress": "d", "test": "t", "no-name": "n"}


class UnpackError(Exception):
    """Bad compressed data: bb_error_msg()'s text (without the applet name)."""


class _Input:
    """A reader with a pushback buffer (the magic detection reads ahead)."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.buffer = b""

    async def read(self) -> bytes:
        if self.buffer:
            data, self.buffer = self.buffer, b""
            return data
        return await self.reader.read(CHUNK)

    async def exactly(self, count: int) -> bytes:
        """COUNT bytes, fewer only at end of input."""
        data = self.buffer
        while len(data) < count:
            chunk = await self.reader.read(CHUNK)
            if not chunk:
                break
            data += chunk
        self.buffer = data[count:]
        return data[:count]

    def unread(self, data: bytes) -> None:
        self.buffer = data + self.buffer


async def compress(source: Reader, sink: Writer) -> None:
    """pack_gzip(): one gzip member with busybox's header."""
    packer = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    crc = size = 0
    await sink.write(HEADER)
    while True:
        chunk = await source.read(CHUNK)
        if not chunk:
            break
        crc = zlib.crc32(chunk, crc)
        size += len(chunk)
        await sink.write(packer.compress(chunk))
    await sink.write(packer.flush() + struct.pack("<II", crc, size & 0xFFFFFFFF))


async def _skip_header(data: _Input) -> None:
    """The rest of a gzip header after the magic: method, flags and the optional fields."""
    head = await data.exactly(8)
    if len(head) < 8 or head[0] != 8:
        raise UnpackError("corrupted data" if len(head) < 8 else "unknown compression method")
    flags = head[1]
    if flags & 0x04:   # FEXTRA
        size = await data.exactly(2)
        if len(size) < 2 or len(await data.exactly(struct.unpack("<H", size)[0])) < struct.unpack("<H", size)[0]:
            raise UnpackError("corrupted data")
    for flag in (0x08, 0x10):   # FNAME, FCOMMENT: zero-terminated
        if flags & flag:
            while True:
                byte = await data.exactly(1)
                if not byte:
                    raise UnpackError("corrupted data")
                if byte == b"\0":
                    break
    if flags & 0x02:   # FHCRC
        await data.exactly(2)


async def _inflate(data: _Input) -> AsyncIterator[bytes]:
    """unpack_gz_stream(): every member's data, checking each one's CRC and length."""
    first = True
    while True:
        magic = await data.exactly(2)
        if magic != GZIP_MAGIC:
            if first:
                raise UnpackError("invalid magic")
            return   # trailing garbage ignored
        first = False
        await _skip_header(data)
        unpacker = zlib.decompressobj(-zlib.MAX_WBITS)
        crc = size = 0
        while not unpacker.eof:
            chunk = unpacker.unconsumed_tail or await data.read()
            if not chunk:
                raise UnpackError("unexpected end of file")
            try:
                out = unpacker.decompress(chunk, CHUNK)
            except zlib.error:
                raise UnpackError("corrupted data") from None
            if out:
                crc = zlib.crc32(out, crc)
                size += len(out)
                yield out
        data.unread(unpacker.unused_data)
        trailer = await data.exactly(8)
        if len(trailer) < 8:
            raise UnpackError("corrupted data")
        want_crc, want_size = struct.unpack("<II", trailer)
        if want_crc != crc:
            raise UnpackError("crc error")
        if want_size != size & 0xFFFFFFFF:
            raise UnpackError("incorrect length")


async def _other(data: _Input, kind: str) -> AsyncIterator[bytes]:
    """bzip2 or xz data (zcat's seamless magic)."""
    unpacker = bz2.BZ2Decompressor() if kind == "bzip2" else lzma.LZMADecompressor()
    while not unpacker.eof:
        chunk = await data.read() if unpacker.needs_input else b""
        if not chunk and unpacker.needs_input:
            raise UnpackError("corrupted data" if kind == "bzip2" else "corrupted data")
        try:
            out = unpacker.decompress(chunk, CHUNK)
        except (OSError, lzma.LZMAError, EOFError):
            raise UnpackError("corrupted data") from None
        if out:
            yield out


async def decompress(source: Reader, sink: Writer, seamless: bool) -> int:
    """Unpack SOURCE into SINK; the number of bytes written."""
    data = _Input(source)
    stream: AsyncIterator[bytes]
    if seamless:
        magic = await data.exactly(6)
        data.unread(magic)
        if magic.startswith(GZIP_MAGIC):
            stream = _inflate(data)
        elif magic.startswith(BZIP2_MAGIC):
            stream = _other(data, "bzip2")
        elif magic.startswith(XZ_MAGIC):
            stream = _other(data, "xz")
        else:
            raise UnpackError("no gzip/bzip2/xz magic")
    else:
        stream = _inflate(data)
    written = 0
    async for out in stream:
        await sink.write(out)
        written += len(out)
    return written


def new_name_gunzip(name: str) -> str | None:
    """make_new_name_gunzip(): FILE.gz -> FILE, .tgz -> .tar, .Z -> stripped; None otherwise."""
    base, dot, ext = name.rpartition(".")
    if not dot:
        return None
    if ext in ("gz", "Z"):
        return base
    if ext == "tgz":
        return base + ".tar"
    return None


async def gzip(inv: Invocation) -> int:
    """gzip [-cfkdt] [FILE]..., gunzip [-cfkt] [FILE]..., zcat [FILE]... by argv[0]."""
    name = inv.name
    usage = {"gzip": GZIP_USAGE, "gunzip": GUNZIP_USAGE}.get(name, ZCAT_USAGE)
    try:
        opts, files = getopt(name, inv.args, "cfkvqdtn123456789" if name == "gzip" else "cfkvqdtn", LONGS)
    except GetoptError as e:
        return bad_command_line(inv, e, usage)
    unpack = name != "gzip" or "d" in opts or "t" in opts
    stdout = "c" in opts or name == "zcat"
    test = "t" in opts
    applet = name
    fs = inv.env.fs
    status = 0
    for operand in files or ["-"]:
        new = ""
        if operand == "-":
            source: Reader = inv.stdin
            target: str | None = None
        else:
            path = fs.norm(operand, inv.cwd)
            if not fs.exists(path):
                inv.errln(f"{applet}: {operand}: No such file or directory")
                status = 1
                continue
            if fs.isdir(path):
                inv.errln(f"{applet}: {operand}: Is a directory" if unpack else f"{applet}: read error: Is a directory")
                status = 1
                continue
            source = FileReader(fs, path, inv.budget)
            target = None
            if not (stdout or test):
                new = new_name_gunzip(operand) if unpack else operand + ".gz"
                if new is None:
                    inv.errln(f"{applet}: {operand}: unknown suffix - ignored")
                    status = 1
                    continue
                target = fs.norm(new, inv.cwd)
                if "f" in opts and fs.isfile(target):
                    fs.remove(target)
                if fs.exists(target):   # O_EXCL
                    inv.errln(f"{applet}: can't open '{new}': File exists")
                    status = 1
                    continue
                try:
                    fs.write(target, b"")
                except FSError as e:
                    inv.errln(f"{applet}: can't open '{new}': {e.strerror}")
                    status = 1
                    continue
        sink: Writer = Discard() if test else FileWriter(fs, target, inv.budget) if target else inv.stdout
        try:
            if unpack:
                written = await decompress(source, sink, seamless=name == "zcat")
            else:
                await compress(source, sink)
                written = 0
        except UnpackError as e:
            inv.errln(f"{applet}: {e}")
            status = 1
            if target is not None:
                fs.remove(target)
            continue
        if target is not None and operand != "-":
            if "v" in opts:
                size = fs.size(fs.norm(operand, inv.cwd))
                percent = size * 100 // written if unpack and written else 0
                inv.errln(f"{operand}: {(100 - percent) & 0xFFFFFFFF}% - replaced with {new}")
            if "k" not in opts:
                fs.remove(fs.norm(operand, inv.cwd))
    return status
