"""busybox 1.36.1 ``tr`` (coreutils/tr.c): bytes in, bytes out, one buffer at a time.

STRING1 and STRING2 expand as expand() does: backslash escapes (bb_process_escape_sequence: octal,
``\\xHH``, ``\\n`` and friends), ranges ``a-z``, classes ``[:alpha:]`` ... ``[:xdigit:]`` and ``[=c=]``;
any other ``[`` is an ordinary character (``tr '[a-z]' '[A-Z]'`` works because ``[`` maps to ``[``).
A STRING2 shorter than STRING1 repeats its last character (map()).
"""

from __future__ import annotations

from svclab.network.streams import CHUNK
from svclab.network.tools.base import Invocation
from svclab.network.tools.getopt import GetoptError, bad_command_line, getopt
from svclab.network.tools.usages import TR_USAGE

_CHARMAP = {"a": 7, "b": 8, "e": 27, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11, "\\": 92}


class _Usage(Exception):
    pass


def escape(text: bytes, i: int) -> tuple[int, int]:
    """bb_process_escape_sequence() at TEXT[i] (just after the backslash): (byte, next index)."""
    base, digits, value, q = 8, 0, 0, i
    if q < len(text) and text[q:q + 1] == b"x":
        q += 1
        base = 16
        digits = 1
    while True:
        if q >= len(text):
            break
        c = text[q]
        d = c - 48
        if d >= 10 or d < 0:
            lower = c | 0x20
            d = lower - 97 + 10 if 97 <= lower <= 122 else 99
        if d >= base:
            if base == 16:
                digits -= 1
                if digits == 0:
                    return 92, i   # "\x" and no hex digit: a backslash, "x" stays
            break
        if value * base + d > 255:
            break
        value = value * base + d
        q += 1
        digits += 1
        if digits >= 3:
            break
    if digits == 0:
        if q < len(text) and chr(text[q]) in _CHARMAP:
            return _CHARMAP[chr(text[q])], q + 1
        return 92, q
    return value, q


_CLASSES = ("alpha", "alnum", "digit", "lower", "upper", "space", "blank", "punct", "cntrl", "xdigit")


def _class(name: str) -> bytes:
    out = bytearray()
    if name in ("alnum", "digit", "xdigit"):
        out += bytes(range(48, 58))
    if name in ("alpha", "alnum", "upper"):
        out += bytes(range(65, 91))
    if name in ("alpha", "alnum", "lower"):
        out += bytes(range(97, 123))
    if name in ("space", "blank"):
        out += b"\t\n\v\f\r " if name == "space" else b"\t "
    if name == "punct":
        out += bytes(c for c in range(128) if 32 < c < 127 and not chr(c).isalnum())
    if name == "cntrl":
        out += bytes(c for c in range(256) if c < 32 or c == 127)
    if name == "xdigit":
        out += b"ABCDEFabcdef"
    return bytes(out)


def expand(arg: bytes) -> bytes:
    """expand(): the list of bytes a tr operand stands for."""
    out = bytearray()
    i = 0
    while i < len(arg):
        if arg[i] == 92:   # a backslash escape stands for one byte, which may start a range
            c, i = escape(arg, i + 1)
        else:
            c, i = arg[i], i + 1
        if i < len(arg) and arg[i] == 45:           # "c-..."
            if i + 1 >= len(arg):                   # "c-" at the end: both copied as they are
                out.append(c)
                continue
            high, i = arg[i + 1], i + 2
            if high == 92:
                high, i = escape(arg, i)
            out += bytes(range(c, high + 1))
            continue
        if c == 91 and i < len(arg):                # "[": a class, an equivalence, or itself
            kind = arg[i]
            if kind == 58:                          # [:class:]
                width = 8 if arg[i + 1:i + 2] == b"x" else 7
                name = arg[i + 1:i + 1 + width].decode("latin-1")
                if name.endswith(":]") and name[:-2] in _CLASSES:
                    out += _class(name[:-2])
                    i += 1 + width
                    continue
            elif kind == 61:                        # [=c=]
                if i + 3 >= len(arg) + 1 or arg[i + 2:i + 4] != b"=]":
                    raise _Usage()
                out.append(arg[i + 1])
                i += 4
                continue
        out.append(c)
    return bytes(out)


async def tr(inv: Invocation) -> int:
    """tr [-cds] STRING1 [STRING2]"""
    try:
        opts, operands = getopt(inv.name, inv.args, "+Ccds")
    except GetoptError as e:
        return bad_command_line(inv, e, TR_USAGE)
    if not operands:
        return inv.usage(TR_USAGE)
    try:
        set1 = expand(operands[0].encode("utf-8", "surrogateescape"))
        set2 = b""
        if "c" in opts or "C" in opts:
            set1 = bytes(c for c in range(256) if c not in set(set1))
        vector = list(range(256))
        if len(operands) > 1:
            if operands[1] == "":
                inv.errln("tr: STRING2 cannot be empty")
                return 1
            set2 = expand(operands[1].encode("utf-8", "surrogateescape"))
            last = 48   # map(): '0' until STRING2 gives a character
            for j, c in enumerate(set1):
                if j < len(set2):
                    last = set2[j]
                vector[c] = last
    except _Usage:
        return inv.usage(TR_USAGE)
    delete, squeeze = "d" in opts, "s" in opts
    in_set1, in_set2 = set(set1), set(set2)
    table = bytes(vector)
    previous = 256
    while True:
        chunk = await inv.read(CHUNK)
        if not chunk:
            return 0
        if delete:
            chunk = chunk.translate(None, bytes(in_set1))
        if not squeeze:
            await inv.write(chunk.translate(table))
            continue
        out = bytearray()
        for c in chunk:
            coded = table[c]
            if previous == coded and (c in in_set1 or coded in in_set2):
                continue
            out.append(coded)
            previous = coded
        await inv.write(bytes(out))
