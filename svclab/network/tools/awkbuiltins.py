"""busybox awk's builtin functions (exec_builtin(), awk_sub(), awk_printf()), as a part of the
interpreter (svclab.network.tools.awkrun), and glibc's rand() for ``rand()``/``srand()``."""

from __future__ import annotations

import math
import re
import time
from typing import TYPE_CHECKING

from svclab.network.tools.awkparse import Node
from svclab.network.tools.awkvalues import (UNINIT, StrNum, Value, ascii_lower, ascii_upper, c_int, is_numeric,
                                            to_number)

if TYPE_CHECKING:
    from svclab.network.tools.awkrun import Interpreter


class Builtins:
    """The builtins, mixed into the Interpreter (their ``self``)."""

    async def builtin(self: Interpreter, node: Node) -> Value:
        name, args = node.args
        if name == "length":
            if not args:
                return float(len(self.record))
            if args[0].kind == "var":
                current = self.scope_of(args[0].args[0]).get(args[0].args[0])
                if isinstance(current, dict):
                    return float(len(current))
            return float(len(self.text(await self.eval(args[0]))))
        if name in ("sub", "gsub"):
            return await self.substitute(args, name == "gsub")
        if name == "split":
            text = self.text(await self.eval(args[0]))
            if len(args) > 2:
                fs = args[2].args[0] if args[2].kind == "regex" else self.text(await self.eval(args[2]))
                pieces = self.split_text(text, fs) if args[2].kind != "regex" or len(fs) > 1 \
                    else self._regex_split_one(text, fs)
            else:
                pieces = self.split_text(text, self.text(self.get_global("FS")))
            if args[1].kind != "var":
                raise self.fail("Unexpected token")
            array = self.array(args[1].args[0])
            array.clear()
            for i, piece in enumerate(pieces, 1):
                self.store(array, str(i), StrNum(piece))
            return float(len(pieces))
        if name == "match":
            text = self.text(await self.eval(args[0]))
            m = (await self.as_regex(args[1])).search(text)
            start, length = (float(m.start() + 1), float(m.end() - m.start())) if m else (0.0, -1.0)
            self.globals["RSTART"], self.globals["RLENGTH"] = start, length
            return start
        if name == "close":
            return await self.close(self.text(await self.eval(args[0])))
        if name == "system":
            command = self.text(await self.eval(args[0]))
            return float(await self.run_command(command, b"", None))
        if name == "fflush":
            await self.flush()
            return 0.0
        values = [await self.eval(a) for a in args]
        return self.pure_builtin(name, values)

    def _regex_split_one(self: Interpreter, text: str, pattern: str) -> list[str]:
        """split(s, a, /x/) with a one-character regex: still a regex."""
        if not text:
            return []
        out: list[str] = []
        pos = 0
        for m in self.regex(pattern).finditer(text):
            if m.end() > m.start():
                out.append(text[pos:m.start()])
                pos = m.end()
        out.append(text[pos:])
        return out

    def pure_builtin(self: Interpreter, name: str, values: list[Value]) -> Value:
        text = self.text
        if name == "substr":
            s = text(values[0])
            i = c_int(to_number(values[1]) - 1)
            i = max(0, min(i, len(s)))
            n = c_int(to_number(values[2])) if len(values) > 2 else len(s) - i
            return s[i:i + max(n, 0)]
        if name == "index":
            s, t = text(values[0]), text(values[1])
            return float(s.find(t) + 1) if t else 0.0
        if name == "sprintf":
            return self.keep(self.sprintf(text(values[0]), values[1:]))
        if name == "tolower":
            return ascii_lower(text(values[0]))
        if name == "toupper":
            return ascii_upper(text(values[0]))
        if name == "int":
            return float(math.trunc(to_number(values[0]))) if values and math.isfinite(to_number(values[0])) \
                else (to_number(values[0]) if values else 0.0)
        if name in ("sqrt", "exp", "log", "sin", "cos"):
            x = to_number(values[0]) if values else 0.0
            try:
                return float({"sqrt": math.sqrt, "exp": math.exp, "log": math.log, "sin": math.sin,
                              "cos": math.cos}[name](x))
            except (ValueError, OverflowError):   # glibc: sqrt(-1) and log(-1) are -nan, log(0) -inf
                return -math.nan if name in ("sqrt", "log") and x < 0 else (-math.inf if name == "log" else math.inf)
        if name == "atan2":
            return math.atan2(to_number(values[0]), to_number(values[1]))
        if name == "rand":
            # ((rand() << 16) ^ rand()) | rand() << 32, over 2^63, as busybox builds it from glibc's rand()
            low = ((self.rng.next() << 16) ^ self.rng.next()) & 0xFFFFFFFF
            return float((self.rng.next() << 32) | low) / 2**63
        if name == "srand":
            previous = self.seed
            self.seed = float(int(to_number(values[0])) & 0xFFFFFFFF) if values else float(int(time.time()))
            self.rng.seed(int(self.seed))
            return previous
        if name in ("and", "or", "xor", "lshift", "rshift"):
            a, b = int(to_number(values[0])) & 0xFFFFFFFF, int(to_number(values[1])) & 0xFFFFFFFF
            return float({"and": a & b, "or": a | b, "xor": a ^ b, "lshift": (a << b) & 0xFFFFFFFF,
                          "rshift": a >> b}[name])
        if name == "compl":
            return float(~int(to_number(values[0])) & 0xFFFFFFFF)
        if name == "systime":
            return float(int(time.time()))
        if name == "strftime":
            fmt = text(values[0]) if values else "%a %b %d %H:%M:%S %Z %Y"
            when = to_number(values[1]) if len(values) > 1 else time.time()
            return time.strftime(fmt, time.gmtime(when))
        if name == "mktime":
            parts = text(values[0]).split()
            try:
                return float(int(time.mktime(tuple(int(p) for p in parts[:6]) + (0, 0, -1))))  # type: ignore[arg-type]
            except (ValueError, OverflowError, TypeError):
                return -1.0
        raise self.fail("Call to undefined function")

    async def substitute(self: Interpreter, args: list[Node], globally: bool) -> Value:
        """awk_sub(): replace the first (or every) match; ``&`` is the match, ``\\&`` a literal &."""
        regex = await self.as_regex(args[0])
        replacement = self.text(await self.eval(args[1]))
        target = args[2] if len(args) > 2 else Node("field", [Node("num", [0.0])])
        source = self.text(await self.eval(target))
        out: list[str] = []
        pos = 0
        count = 0
        while True:
            m = regex.search(source, pos)
            if m is None:
                break
            count += 1
            out.append(source[pos:m.start()])
            out.append(_expand(replacement, m.group(0)))
            if m.end() == m.start():
                if m.end() < len(source):
                    out.append(source[m.end()])
                pos = m.end() + 1
            else:
                pos = m.end()
            if not globally or pos > len(source):
                break
        out.append(source[pos:])
        await self.assign_to(target, self.keep("".join(out)) if count else source)
        return float(count)

    def sprintf(self: Interpreter, fmt: str, values: list[Value]) -> str:
        """awk_printf(): each conversion formats one argument, as C's printf would."""
        out: list[str] = []
        i = 0
        index = 0
        while i < len(fmt):
            start = fmt.find("%", i)
            if start < 0 or start + 1 >= len(fmt):
                out.append(fmt[i:])
                break
            if fmt[start + 1] == "%":
                out.append(fmt[i:start + 1])
                i = start + 2
                continue
            j = start + 1
            while j < len(fmt) and not fmt[j].isalpha():
                if fmt[j] == "*":
                    raise self.fail("%*x formats are not supported")
                j += 1
            if j >= len(fmt):
                out.append(fmt[i:])
                break
            conv = fmt[j]
            spec = fmt[start:j]
            value = values[index] if index < len(values) else UNINIT
            index += 1
            out.append(fmt[i:start])
            width = re.findall(r"\d+", spec)
            if width:
                self.inv.budget.check_size(max(int(w) for w in width))
            out.append(self._convert(spec, conv, value))
            i = j + 1
        return "".join(out)

    def _convert(self: Interpreter, spec: str, conv: str, value: Value) -> str:
        try:
            return self._format(spec, conv, value)
        except (ValueError, TypeError, OverflowError):
            raise self.fail("Invalid format specifier") from None

    def _format(self: Interpreter, spec: str, conv: str, value: Value) -> str:
        if conv == "c":
            if is_numeric(value):
                char = chr(int(to_number(value)) & 0xFF)
            else:
                char = self.text(value)[:1]
            return (spec + "s") % char
        if conv == "s":
            return (spec + "s") % self.text(value)
        number = to_number(value)
        if conv in "diouxX":
            n = c_int(number)
            if conv in "ouxX":
                n &= 0xFFFFFFFF
            if conv == "o" and "#" in spec:   # C's alternate octal form is a leading 0, not 0o
                digits = "%o" % n
                return (spec.replace("#", "") + "s") % (digits if digits.startswith("0") else "0" + digits)
            return (spec + ("d" if conv in "iu" else conv)) % n
        if conv in "eEfFgG":
            if math.isnan(number):
                return (spec.replace("0", "") + "s") % ("-nan" if math.copysign(1, number) < 0 else "nan")
            return (spec + conv) % number
        if conv in "aA":
            return number.hex()
        raise self.fail("Invalid format specifier")


class GlibcRandom:
    """glibc's random() (TYPE_3, the additive feedback generator srand()/rand() use), so awk's
    rand() gives the numbers busybox gives for the same seed."""

    def __init__(self, seed: int = 1) -> None:
        self.state: list[int] = []
        self.seed(seed)

    def seed(self, seed: int) -> None:
        seed &= 0xFFFFFFFF
        seed = seed or 1
        r = [seed - 2**32 if seed >= 2**31 else seed]
        for _ in range(1, 31):
            hi, lo = divmod(r[-1], 127773)
            word = 16807 * lo - 2836 * hi
            r.append(word + 2147483647 if word < 0 else word)
        r += r[:3]
        self.state = [x & 0xFFFFFFFF for x in r]
        for _ in range(310):
            self.next()

    def next(self) -> int:
        value = (self.state[-31] + self.state[-3]) & 0xFFFFFFFF
        self.state.append(value)
        if len(self.state) > 64:
            del self.state[:-34]
        return value >> 1


def _expand(replacement: str, matched: str) -> str:
    """The replacement of sub()/gsub(): backslashes before ``&`` halve, an odd count makes it literal."""
    out: list[str] = []
    backslashes = 0
    for c in replacement:
        if c == "\\":
            backslashes += 1
            out.append(c)
            continue
        if c == "&":
            remove = (backslashes + 1) // 2
            if remove:
                del out[-remove:]
            out.append("&" if backslashes % 2 else matched)
        else:
            out.append(c)
        backslashes = 0
    return "".join(out)
