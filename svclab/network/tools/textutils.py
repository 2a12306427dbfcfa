"""busybox echo, printf, seq, sort, uniq, wc, head, tail, grep: enough for `... | sort | uniq -c`.

They stream: input is read a chunk at a time and output waits for its reader, so `seq 1 inf | head -3`
ends as soon as head has its lines and `seq 1 inf | wc -l` runs in constant memory. Only sort and
tail keep lines, within the memory budget.
"""

from __future__ import annotations

import collections
import math
import re
from collections.abc import AsyncIterator

from svclab.network import messages
from svclab.network.podenv import FSError
from svclab.network.streams import CHUNK, EmptyReader, FileReader, Reader, ZeroReader, read_lines
from svclab.network.tools.base import Invocation

_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "r": "\r", "v": "\v"}


def unescape(text: str) -> tuple[str, bool]:
    """Backslash escapes as echo -e / printf see them; True when \\c asked to stop output."""
    out: list[str] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            n = text[i + 1]
            if n in _ESCAPES:
                out.append(_ESCAPES[n])
                i += 2
                continue
            if n == "c":
                return "".join(out), True
            if n == "0" or n.isdigit():
                m = re.match(r"0?([0-7]{1,3})", text[i + 1:])
                if m:
                    out.append(chr(int(m.group(1), 8)))
                    i += 1 + m.end()
                    continue
        out.append(c)
        i += 1
    return "".join(out), False


def open_input(inv: Invocation, path: str) -> Reader | None:
    """A file operand as a reader ('-' is stdin); None after printing busybox's can't-open error."""
    if path in ("-", "/dev/stdin"):
        return inv.stdin
    if path == "/dev/null":
        return EmptyReader()
    if path == "/dev/zero":
        return ZeroReader(inv.budget)
    fs = inv.env.fs
    full = fs.norm(path, inv.cwd)
    if fs.isdir(full):
        inv.errln(f"{inv.name}: read error: Is a directory")
        return None
    if not fs.isfile(full):
        err = "No such file or directory"
        try:
            fs.read_at(full, 0, 0)
        except FSError as e:
            err = e.strerror
        inv.errln(messages.CANT_OPEN.format(applet=inv.name, path=path, err=err))
        return None
    return FileReader(fs, full, inv.budget)


async def _inputs(inv: Invocation, files: list[str], failed: list[bool]) -> AsyncIterator[Reader]:
    """Each operand in turn (stdin when there is none); FAILED gets True for one that could not open."""
    for path in files or ["-"]:
        reader = open_input(inv, path)
        if reader is None:
            failed.append(True)
            continue
        yield reader


async def _lines_of(inv: Invocation, files: list[str], failed: list[bool]) -> AsyncIterator[list[str]]:
    """Batches of lines (without their newline) of every input in turn."""
    async for reader in _inputs(inv, files, failed):
        async for batch in read_lines(reader, inv.budget):
            yield [line.decode("utf-8", "replace").rstrip("\n") for line in batch]


async def _write_lines(inv: Invocation, lines: list[str]) -> None:
    if lines:
        await inv.write(("\n".join(lines) + "\n").encode())


async def echo(inv: Invocation) -> int:
    """echo [-neE] [ARG]... (busybox: escapes only with -e)."""
    args = list(inv.args)
    newline, escapes = True, False
    while args and re.fullmatch(r"-[neE]+", args[0]):
        for c in args.pop(0)[1:]:
            newline = newline and c != "n"
            escapes = True if c == "e" else (False if c == "E" else escapes)
    text = " ".join(args)
    if escapes:
        text, stop = unescape(text)
        if stop:
            await inv.write(text.encode())
            return 0
    await inv.write((text + ("\n" if newline else "")).encode())
    return 0


_PRINTF_ESCAPE = re.compile(r"\\(0[0-7]{0,3}|.)", re.S)
_PRINTF_SPEC = re.compile(r"%([-+ #0]*)(\d*)(?:\.(\d+))?([sdiouxXcfgeb%])")


def _printf_once(inv: Invocation, fmt: str, args: list[str]) -> tuple[str, int, bool]:
    out: list[str] = []
    size = 0
    used = 0
    i = 0
    while i < len(fmt):
        c = fmt[i]
        if c == "\\":
            m = _PRINTF_ESCAPE.match(fmt, i)
            seq = m.group(0) if m else "\\"
            text, stop = unescape(seq)
            if stop:
                return "".join(out), used, True
            out.append(text)
            i += len(seq)
            continue
        if c == "%":
            m = _PRINTF_SPEC.match(fmt, i)
            if not m:
                out.append(c)
                i += 1
                continue
            flags, width, prec, conv = m.groups()
            i = m.end()
            if conv == "%":
                out.append("%")
                continue
            inv.budget.check_size(max(len(width), len(prec or "")))   # a digit string too long to be a size
            inv.budget.check_size(max(int(width or 0), int(prec or 0)))   # a field wider than memory
            arg = args[used] if used < len(args) else ""
            used += 1
            spec = "%" + flags + width + (f".{prec}" if prec else "")
            if conv in "diouxX":
                try:
                    n = int(arg, 0) if arg else 0
                except ValueError:
                    n = 0
                piece = (spec + ("d" if conv in "iu" else conv)) % n
            elif conv in "fge":
                try:
                    value = float(arg) if arg else 0.0
                except ValueError:
                    value = 0.0
                piece = (spec + conv) % value
            elif conv == "c":
                piece = arg[:1]
            elif conv == "b":
                piece = unescape(arg)[0]
            else:
                piece = (spec + "s") % arg
            out.append(piece)
            size += len(piece)
            inv.budget.check_size(size)
            continue
        out.append(c)
        size += 1
        i += 1
    return "".join(out), used, False


async def printf(inv: Invocation) -> int:
    """printf FORMAT [ARG]...: the format is reused while arguments remain."""
    if not inv.args:
        return inv.usage("Usage: printf FORMAT [ARG]...\n\nFormat and print ARG(s) according to FORMAT (a-la C printf)")
    fmt, args = inv.args[0], inv.args[1:]
    while True:
        text, used, stop = _printf_once(inv, fmt, args)
        await inv.write(text.encode())
        if stop or not used or used >= len(args):
            return 0
        args = args[used:]


SEQ_USAGE = ("Usage: seq [-w] [-s SEP] [FIRST [INC]] LAST\n\nPrint numbers from FIRST to LAST, in steps of INC.\n"
             "FIRST, INC default to 1.\n\n\t-w\tPad to last with leading zeros\n\t-s SEP\tString separator")
SEQ_BATCH = 8192   # numbers formatted per write


def _strtod(text: str) -> float | None:
    """strtod() of the whole argument (busybox seq accepts 'inf' and 'nan' like C does)."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if text.strip() == text and text else None


async def seq(inv: Invocation) -> int:
    """seq [-w] [-s SEP] [FIRST [INC]] LAST (coreutils/seq.c): printf("%s%0*.*f", sep, width,
    frac_part, v) for v = first + n * inc; any argument strtod() rejects shows the usage."""
    args = list(inv.args)
    sep, width_opt = "\n", False
    while args and args[0].startswith("-") and len(args[0]) > 1 and not _is_num(args[0]):
        a = args.pop(0)
        if a == "--":
            break
        j = 1
        while j < len(a):
            if a[j] == "w":
                width_opt = True
            elif a[j] == "s":
                value = a[j + 1:] or (args.pop(0) if args else None)
                if value is None:
                    return inv.usage(SEQ_USAGE)
                sep = value
                break
            else:
                inv.errln(messages.INVALID_OPTION.format(applet="seq", opt=a[j]))
                return inv.usage(SEQ_USAGE)
            j += 1
    if not 1 <= len(args) <= 3:
        return inv.usage(SEQ_USAGE)
    nums = [_strtod(a) for a in args]
    if any(n is None for n in nums):
        return inv.usage(SEQ_USAGE)
    values = [n for n in nums if n is not None]
    first, inc, last = (1.0, 1.0, values[0]) if len(values) == 1 else \
        (values[0], 1.0, values[1]) if len(values) == 2 else (values[0], values[1], values[2])
    width, frac = 0, 0
    for k, a in enumerate(args):
        dot = a.find(".")
        w = dot if dot >= 0 else len(a)
        width = max(width, w)
        if k < len(args) - 1:
            frac = max(frac, len(a) - w)
    if frac:
        frac -= 1
        if frac:
            width += frac + 1
    if not width_opt:
        width = 0
    integral = frac == 0 and not math.isnan(last) and all(
        math.isfinite(v) and v == int(v) and abs(v) < 2 ** 53 for v in (first, inc))
    wrote = False
    n = 0
    while True:
        texts = _seq_integers(int(first), int(inc), last, n, width) if integral else \
            _seq_floats(first, inc, last, n, width, frac)
        if not texts:
            break
        n += len(texts)
        await inv.write(((sep if wrote else "") + sep.join(texts)).encode())
        wrote = True
    if wrote:
        await inv.write(b"\n")
    return 0


def _seq_integers(first: int, inc: int, last: float, n: int, width: int) -> list[str]:
    """The next batch of whole numbers (the same text "%0*.0f" gives them)."""
    start = first + n * inc
    if (inc >= 0 and start > last) or (inc < 0 and start < last):
        return []
    if inc == 0:
        values: range | list[int] = [start] * SEQ_BATCH
    elif inc > 0:
        stop = start + SEQ_BATCH * inc
        values = range(start, stop if math.isinf(last) else min(stop, math.floor(last) + 1), inc)
    else:
        stop = start + SEQ_BATCH * inc
        values = range(start, stop if math.isinf(last) else max(stop, math.ceil(last) - 1), inc)
    return [f"{v:0{width}d}" for v in values] if width else list(map(str, values))


def _seq_floats(first: float, inc: float, last: float, n: int, width: int, frac: int) -> list[str]:
    texts: list[str] = []
    while len(texts) < SEQ_BATCH:
        v = first + (n + len(texts)) * inc
        if not (v <= last if inc >= 0 else v >= last):
            break
        texts.append(f"{v:0{width}.{frac}f}")
    return texts


def _is_num(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _split_flags(args: list[str], with_arg: str = "") -> tuple[dict[str, str], list[str]]:
    flags: dict[str, str] = {}
    rest: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        i += 1
        if a.startswith("-") and len(a) > 1 and not rest:
            if a[1:].isdigit() and "n" in with_arg:
                flags["n"] = a[1:]
                continue
            j = 1
            while j < len(a):
                c = a[j]
                if c in with_arg:
                    val = a[j + 1:] or (args[i] if i < len(args) else "")
                    if not a[j + 1:]:
                        i += 1
                    flags[c] = val
                    break
                flags[c] = ""
                j += 1
        else:
            rest.append(a)
    return flags, rest


async def sort(inv: Invocation) -> int:
    """sort [-nru] [FILE]...: every line is kept (within the memory budget), then sorted."""
    flags, files = _split_flags(inv.args)
    failed: list[bool] = []
    lines: list[str] = []
    kept = 0
    async for batch in _lines_of(inv, files, failed):
        lines.extend(batch)
        kept += sum(len(line) + 1 for line in batch)
        inv.budget.check_size(kept)
    if "n" in flags:
        def key(s: str) -> tuple[float, str]:
            m = re.match(r"\s*-?\d+(\.\d+)?", s)
            return (float(m.group(0)) if m else 0.0, s)
        lines.sort(key=key, reverse="r" in flags)
    else:
        lines.sort(reverse="r" in flags)
    if "u" in flags:
        lines = list(dict.fromkeys(lines))
    for i in range(0, len(lines), SEQ_BATCH):
        await _write_lines(inv, lines[i:i + SEQ_BATCH])
    return 1 if failed else 0


async def uniq(inv: Invocation) -> int:
    """uniq [-cdu] [INPUT]: adjacent duplicates; -c prefixes "%7lu " (coreutils/uniq.c)."""
    flags, files = _split_flags(inv.args)
    failed: list[bool] = []
    current: str | None = None
    count = 0

    def emit(line: str, n: int, out: list[str]) -> None:
        if ("d" in flags and n < 2) or ("u" in flags and n > 1):
            return
        out.append((f"{n:7d} " if "c" in flags else "") + line)

    async for batch in _lines_of(inv, files[:1], failed):
        out: list[str] = []
        for line in batch:
            if line == current:
                count += 1
                continue
            if current is not None:
                emit(current, count, out)
            current, count = line, 1
        await _write_lines(inv, out)
    if failed:
        return 1
    if current is not None:
        out = []
        emit(current, count, out)
        await _write_lines(inv, out)
    return 0


async def wc(inv: Invocation) -> int:
    """wc [-lwc] [FILE]...: a single count from stdin prints unpadded (coreutils/wc.c)."""
    flags, files = _split_flags(inv.args)
    chosen = [c for c in "lwc" if c in flags] or ["l", "w", "c"]
    results: list[tuple[list[int], str]] = []
    code = 0
    for f in files or ["-"]:
        reader = open_input(inv, f)
        if reader is None:
            code = 1
            continue
        lines = words = chars = 0
        in_word = False
        while True:
            chunk = await reader.read(CHUNK)
            if not chunk:
                break
            lines += chunk.count(b"\n")
            chars += len(chunk)
            if "w" in chosen:
                pieces = chunk.split()
                words += len(pieces)
                if pieces and in_word and not chunk[:1].isspace():
                    words -= 1   # a word cut in two by the chunk boundary
                in_word = not chunk[-1:].isspace()
        counts = {"l": lines, "w": words, "c": chars}
        results.append(([counts[c] for c in chosen], "" if f == "-" and not files else f))
    for nums, name in results:
        if not name and len(nums) == 1:
            inv.out(f"{nums[0]}\n")
        else:
            inv.out(" ".join(f"{n:9d}" if name or len(nums) > 1 else str(n) for n in nums)
                    + (f" {name}" if name else "") + "\n")
    return code


def _count(text: str, default: str = "10") -> int | None:
    value = text or default
    try:
        return int(value.lstrip("+-") or default)
    except ValueError:
        return None


async def head(inv: Invocation) -> int:
    """head [-n N] [FILE]: stops reading once it has N lines (a writer before it gets SIGPIPE)."""
    flags, files = _split_flags(inv.args, "n")
    n = _count(flags.get("n", "10"))
    if n is None:
        inv.errln(messages.INVALID_NUMBER.format(applet="head", arg=flags.get("n", "")))
        return 1
    failed: list[bool] = []
    left = n
    if left > 0:
        async for batch in _lines_of(inv, files, failed):
            taken = batch[:left]
            left -= len(taken)
            await _write_lines(inv, taken)
            if left <= 0:
                break
    return 1 if failed else 0


async def tail(inv: Invocation) -> int:
    """tail [-n N|+N] [FILE]: the last N lines (kept within the memory budget), or from line N on."""
    flags, files = _split_flags(inv.args, "n")
    spec = flags.get("n", "10")
    n = _count(spec)
    if n is None:
        inv.errln(messages.INVALID_NUMBER.format(applet="tail", arg=spec))
        return 1
    failed: list[bool] = []
    if spec.startswith("+"):
        skip = max(n - 1, 0)
        async for batch in _lines_of(inv, files, failed):
            dropped = min(skip, len(batch))
            skip -= dropped
            await _write_lines(inv, batch[dropped:])
        return 1 if failed else 0
    last: collections.deque[str] = collections.deque(maxlen=n) if n else collections.deque(maxlen=0)
    kept = 0
    async for batch in _lines_of(inv, files, failed):
        for line in batch:
            if n and len(last) == n:
                kept -= len(last[0]) + 1
            last.append(line)
            kept += len(line) + 1 if n else 0
        inv.budget.check_size(kept)
    await _write_lines(inv, list(last))
    return 1 if failed else 0


async def grep(inv: Invocation) -> int:
    """grep [-qvciEFow] PATTERN [FILE]...: exit 0 on a match, 1 on none, 2 on an error."""
    flags, rest = _split_flags(inv.args, "e")
    if "e" in flags:
        pattern, files = flags["e"], rest
    elif rest:
        pattern, files = rest[0], rest[1:]
    else:
        return inv.usage("Usage: grep [-HhnlLoqvsrRiwFE] [-m N] [-A|B|C N] { PATTERN | -e PATTERN... | -f FILE... } [FILE]...")
    if "F" in flags:
        regex = re.escape(pattern)
    elif "E" in flags:
        regex = pattern
    else:  # BRE: \( \) \{ \} \| are the special forms, bare ones are literal
        regex = re.sub(r"\\([(){}|+?])|([(){}|+?])", lambda m: m.group(1) or "\\" + m.group(2), pattern)
    if "w" in flags:
        regex = rf"\b(?:{regex})\b"
    try:
        rx = re.compile(regex, re.IGNORECASE if "i" in flags else 0)
    except re.error as e:
        inv.errln(f"grep: bad regex '{pattern}': {e.msg}")
        return 2
    failed: list[bool] = []
    matched = 0
    invert = "v" in flags
    async for batch in _lines_of(inv, files, failed):
        hits = [line for line in batch if bool(rx.search(line)) != invert]
        matched += len(hits)
        if "q" in flags:
            if matched:
                return 0
            continue
        if "c" in flags:
            continue
        if "o" in flags and not invert:
            await _write_lines(inv, [m.group(0) for line in hits for m in rx.finditer(line) if m.group(0)])
        else:
            await _write_lines(inv, hits)
    if "c" in flags:
        inv.out(f"{matched}\n")
    if failed and not ("q" in flags and matched):
        return 2
    return 0 if matched else 1
