"""busybox 1.36.1 ``cut`` (coreutils/cut.c, FEATURE_CUT_REGEX as the busybox image builds it).

Lists are ``N``, ``N-``, ``N-M`` and ``-M``, comma-separated, sorted unless ``-D``; ``-b``/``-c`` pick
bytes, ``-f`` fields split on one ``-d`` character (TAB by default), ``-F`` fields split on a regex
(``[[:space:]]+`` by default) and joined with ``-O`` (one space by default). cut_file() is followed
step by step, so odd corners (``-f`` on a line without the delimiter prints it whole unless ``-s``)
behave as in busybox. Lines stream through; each is bounded by the memory budget.
"""

from __future__ import annotations

import re

from svclab.network import messages
from svclab.network.streams import read_lines
from svclab.network.tools.base import Invocation
from svclab.network.tools.getopt import GetoptError, bad_command_line, getopt, open_or_warn
from svclab.network.tools.posixre import RegexError, compile_posix
from svclab.network.tools.usages import CUT_USAGE

INT_MAX = 2**31 - 1


class CutError(Exception):
    pass


def _positive(text: str) -> int:
    """xatoi_positive()."""
    if not text.isdigit():
        raise CutError(messages.INVALID_NUMBER.format(applet="cut", arg=text))
    value = int(text)
    if value > INT_MAX:
        raise CutError(messages.NUMBER_RANGE.format(applet="cut", arg=text, low=0, high=INT_MAX))
    return value


def parse_lists(spec: str, sort: bool) -> list[tuple[int, int]]:
    """The (start, end) positions, zero based, of a list like ``1,3-5,7-``."""
    lists: list[tuple[int, int]] = []
    for token in spec.split(","):
        if not token:
            continue
        first, dash, rest = token.partition("-")
        start = _positive(first) if first else 0
        if start:
            start -= 1
        if not dash:
            end = start
        elif not rest:
            end = INT_MAX
        else:
            end = _positive(rest.split("-", 1)[0])
            if end < start:
                raise CutError(f"cut: {end}<{start}")
            end -= 1
        lists.append((start, end))
    if not lists:
        raise CutError("cut: missing list of positions")
    return sorted(lists) if sort else lists


def cut_line(line: bytes, mode: str, lists: list[tuple[int, int]], delim: bytes, odelim: bytes,
             regex: re.Pattern[bytes] | None, suppress: bool, nosort: bool) -> bytes | None:
    """cut_file() for one line (without its newline): the output line, or None to print nothing."""
    if mode in "bc":
        printed = bytearray(len(line))
        out = bytearray()
        for start, end in lists:
            spos = start
            while spos < len(line):
                if not printed[spos]:
                    printed[spos] = 1
                    out.append(line[spos])
                spos += 1
                if spos > end:
                    break
        return bytes(out)
    linelen = len(line)
    uu = start = end = 0
    dcount = out_count = 0
    cl_pos = 0
    out = bytearray()
    while True:
        if end == linelen or dcount > lists[cl_pos][1]:
            cl_pos += 1
            if cl_pos >= len(lists):
                break
            if nosort:
                start = dcount = uu = 0
            end = 0
        if uu == linelen:
            if not cl_pos and not dcount and regex is None:
                if suppress:
                    return None
            elif dcount < lists[cl_pos][0]:
                start = linelen
            end = linelen
        else:
            if regex is not None:
                m = regex.search(line, uu)
                if m is None:
                    uu = linelen
                    continue
                end = m.start()
                uu = m.end() if m.end() > m.start() else m.end() + 1
            else:
                end = uu
                uu += 1
                if line[end:end + 1] != delim:
                    continue
            if dcount < lists[cl_pos][0]:
                dcount += 1
                start = uu
                continue
            dcount += 1
        if end != start or regex is None:
            if out_count:
                out += odelim
            out += line[start:end]
            out_count += 1
        start = uu
        if not dcount:
            break
    return bytes(out)


async def cut(inv: Invocation) -> int:
    try:
        opts, files = getopt(inv.name, inv.args, "b:c:f:d:O:sDF:n")
        modes = [m for m in "bcfF" if m in opts]
        if len(modes) > 1:
            raise GetoptError("", usage=True)   # "b--bcfF:..." : the modes exclude each other
        if not modes:
            raise CutError("cut: expected a list of bytes, characters, or fields")
        mode = modes[0]
        if mode in "bc":
            if "s" in opts:
                raise CutError("cut: suppressing non-delimited lines makes sense only when operating on fields")
            if "d" in opts:
                raise CutError("cut: a delimiter may be specified only when operating on fields")
        lists = parse_lists(opts[mode][-1], sort="D" not in opts)
        delim_text = opts.get("d", [""])[-1]
        regex = None
        if mode == "F":
            pattern = delim_text or "[[:space:]]+"
            try:
                regex = re.compile(compile_posix(pattern, extended=True).pattern.encode("utf-8", "surrogateescape"))
            except RegexError as e:
                raise CutError(f"cut: bad regex '{pattern}': {e}") from None
            odelim = opts.get("O", [" "])[-1]
            delim = b""
        else:
            delim = (delim_text or "\t").encode()[:1]
            odelim = opts.get("O", [delim.decode("latin-1")])[-1]
    except GetoptError as e:
        return bad_command_line(inv, e, CUT_USAGE)
    except CutError as e:
        inv.errln(str(e))
        return 1
    status = 0
    for name in files or ["-"]:
        reader = open_or_warn(inv, name)
        if reader is None:
            status = 1
            continue
        async for batch in read_lines(reader, inv.budget):
            out = bytearray()
            for raw in batch:
                result = cut_line(raw.rstrip(b"\n") if raw.endswith(b"\n") else raw, "f" if mode == "F" else mode,
                                  lists, delim, odelim.encode(), regex, "s" in opts, "D" in opts)
                if result is not None:
                    out += result + b"\n"
            await inv.write(bytes(out))
    return status
