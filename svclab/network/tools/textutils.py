"""busybox echo, printf, seq, sort, uniq, wc, head, tail, grep: enough for `... | sort | uniq -c`."""

from __future__ import annotations

import re

from svclab.network import messages
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


def _lines(data: bytes) -> list[str]:
    text = data.decode("utf-8", "replace")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _input(inv: Invocation, files: list[str]) -> bytes | None:
    if not files:
        return inv.stdin
    data = b""
    for f in files:
        if f == "-":
            data += inv.stdin
            continue
        try:
            data += inv.env.fs.read(inv.env.fs.norm(f, inv.cwd))
        except Exception as e:  # FSError
            inv.errln(messages.CANT_OPEN.format(applet=inv.name, path=f, err=getattr(e, "strerror", str(e))))
            return None
    return data


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
            inv.out(text)
            return 0
    inv.out(text + ("\n" if newline else ""))
    return 0


def _printf_once(fmt: str, args: list[str]) -> tuple[str, int, bool]:
    out: list[str] = []
    used = 0
    i = 0
    while i < len(fmt):
        c = fmt[i]
        if c == "\\":
            m = re.match(r"\\(0[0-7]{0,3}|.)", fmt[i:], re.S)
            seq = m.group(0) if m else "\\"
            text, stop = unescape(seq)
            if stop:
                return "".join(out), used, True
            out.append(text)
            i += len(seq)
            continue
        if c == "%":
            m = re.match(r"%([-+ #0]*)(\d*)(?:\.(\d+))?([sdiouxXcfgeb%])", fmt[i:])
            if not m:
                out.append(c)
                i += 1
                continue
            flags, width, prec, conv = m.groups()
            i += m.end()
            if conv == "%":
                out.append("%")
                continue
            arg = args[used] if used < len(args) else ""
            used += 1
            spec = "%" + flags + width + (f".{prec}" if prec else "")
            if conv in "diouxX":
                try:
                    n = int(arg, 0) if arg else 0
                except ValueError:
                    n = 0
                out.append((spec + ("d" if conv in "iu" else conv)) % n)
            elif conv in "fge":
                out.append((spec + conv) % (float(arg) if arg else 0.0))
            elif conv == "c":
                out.append(arg[:1])
            elif conv == "b":
                out.append(unescape(arg)[0])
            else:
                out.append((spec + "s") % arg)
            continue
        out.append(c)
        i += 1
    return "".join(out), used, False


async def printf(inv: Invocation) -> int:
    """printf FORMAT [ARG]...: the format is reused while arguments remain."""
    if not inv.args:
        return inv.usage("Usage: printf FORMAT [ARG]...\n\nFormat and print ARG(s) according to FORMAT (a-la C printf)")
    fmt, args = inv.args[0], inv.args[1:]
    while True:
        text, used, stop = _printf_once(fmt, args)
        inv.out(text)
        if stop or not used or used >= len(args):
            return 0
        args = args[used:]


async def seq(inv: Invocation) -> int:
    """seq [-w] [-s SEP] [FIRST [INC]] LAST."""
    args = list(inv.args)
    sep, width = "\n", False
    while args and args[0] in ("-w", "-s") or (args and args[0].startswith("-s") and len(args[0]) > 2):
        a = args.pop(0)
        if a == "-w":
            width = True
        elif a == "-s":
            sep = args.pop(0) if args else "\n"
        else:
            sep = a[2:]
    if not 1 <= len(args) <= 3:
        return inv.usage("Usage: seq [-w] [-s SEP] [FIRST [INC]] LAST\n\nPrint numbers from FIRST to LAST, in steps of INC.\n"
                         "FIRST, INC default to 1.\n\n\t-w\tPad to last with leading zeros\n\t-s SEP\tString separator")
    try:
        nums = [float(a) for a in args]
    except ValueError:
        bad = next(a for a in args if not _is_num(a))
        inv.errln(messages.INVALID_NUMBER.format(applet="seq", arg=bad))
        return 1
    first, inc, last = (1.0, 1.0, nums[0]) if len(nums) == 1 else \
        (nums[0], 1.0, nums[1]) if len(nums) == 2 else (nums[0], nums[1], nums[2])
    integral = all(float(n).is_integer() for n in (first, inc, last))
    values: list[str] = []
    v = first
    while (inc > 0 and v <= last) or (inc < 0 and v >= last):
        values.append(str(int(v)) if integral else f"{v:g}")
        v += inc
        if inc == 0:
            break
    if width and values:
        w = max(len(x) for x in values)
        values = [x.zfill(w) for x in values]
    if values:
        inv.out(sep.join(values) + "\n")
    return 0


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
    """sort [-nru] [FILE]..."""
    flags, files = _split_flags(inv.args)
    data = _input(inv, files)
    if data is None:
        return 1
    lines = _lines(data)
    if "n" in flags:
        def key(s: str) -> tuple[float, str]:
            m = re.match(r"\s*-?\d+(\.\d+)?", s)
            return (float(m.group(0)) if m else 0.0, s)
        lines.sort(key=key, reverse="r" in flags)
    else:
        lines.sort(reverse="r" in flags)
    if "u" in flags:
        lines = list(dict.fromkeys(lines))
    inv.out("".join(line + "\n" for line in lines))
    return 0


async def uniq(inv: Invocation) -> int:
    """uniq [-cdu] [INPUT]: adjacent duplicates; -c prefixes "%7lu " (coreutils/uniq.c)."""
    flags, files = _split_flags(inv.args)
    data = _input(inv, files[:1])
    if data is None:
        return 1
    groups: list[tuple[str, int]] = []
    for line in _lines(data):
        if groups and groups[-1][0] == line:
            groups[-1] = (line, groups[-1][1] + 1)
        else:
            groups.append((line, 1))
    for line, n in groups:
        if ("d" in flags and n < 2) or ("u" in flags and n > 1):
            continue
        inv.out((f"{n:7d} " if "c" in flags else "") + line + "\n")
    return 0


async def wc(inv: Invocation) -> int:
    """wc [-lwc] [FILE]...: a single count from stdin prints unpadded (coreutils/wc.c)."""
    flags, files = _split_flags(inv.args)
    chosen = [c for c in "lwc" if c in flags] or ["l", "w", "c"]
    results: list[tuple[list[int], str]] = []
    for f in files or ["-"]:
        data = inv.stdin if f == "-" else _input(inv, [f])
        if data is None:
            return 1
        counts = {"l": data.count(b"\n"), "w": len(data.split()), "c": len(data)}
        results.append(([counts[c] for c in chosen], "" if f == "-" and not files else f))
    for nums, name in results:
        if not name and len(nums) == 1:
            inv.out(f"{nums[0]}\n")
        else:
            inv.out(" ".join(f"{n:9d}" if name or len(nums) > 1 else str(n) for n in nums)
                    + (f" {name}" if name else "") + "\n")
    return 0


async def head(inv: Invocation) -> int:
    """head [-n N] [FILE]."""
    flags, files = _split_flags(inv.args, "n")
    data = _input(inv, files)
    if data is None:
        return 1
    n = int(flags.get("n", "10") or 10)
    inv.out("".join(line + "\n" for line in _lines(data)[:n]))
    return 0


async def tail(inv: Invocation) -> int:
    """tail [-n N] [FILE]."""
    flags, files = _split_flags(inv.args, "n")
    data = _input(inv, files)
    if data is None:
        return 1
    n = int(flags.get("n", "10").lstrip("-+") or 10)
    lines = _lines(data)
    inv.out("".join(line + "\n" for line in (lines[-n:] if n else [])))
    return 0


async def grep(inv: Invocation) -> int:
    """grep [-qvciEFow] PATTERN [FILE]...: exit 0 on a match, 1 on none."""
    flags, rest = _split_flags(inv.args, "e")
    if "e" in flags:
        pattern, files = flags["e"], rest
    elif rest:
        pattern, files = rest[0], rest[1:]
    else:
        return inv.usage("Usage: grep [-HhnlLoqvsrRiwFE] [-m N] [-A|B|C N] { PATTERN | -e PATTERN... | -f FILE... } [FILE]...")
    data = _input(inv, files)
    if data is None:
        return 2
    if "F" in flags:
        regex = re.escape(pattern)
    elif "E" in flags:
        regex = pattern
    else:  # BRE: \( \) \{ \} \| are the special forms, bare ones are literal
        regex = re.sub(r"\\([(){}|+?])|([(){}|+?])", lambda m: m.group(1) or "\\" + m.group(2), pattern)
    if "w" in flags:
        regex = rf"\b(?:{regex})\b"
    rx = re.compile(regex, re.IGNORECASE if "i" in flags else 0)
    matched = [line for line in _lines(data) if bool(rx.search(line)) != ("v" in flags)]
    if "q" in flags:
        return 0 if matched else 1
    if "c" in flags:
        inv.out(f"{len(matched)}\n")
    elif "o" in flags and "v" not in flags:
        inv.out("".join(m.group(0) + "\n" for line in matched for m in rx.finditer(line)))
    else:
        inv.out("".join(line + "\n" for line in matched))
    return 0 if matched else 1
