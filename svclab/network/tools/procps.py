"""busybox 1.36.1 ``ps`` (procps/ps.c, the DESKTOP version the busybox image builds) and ``uptime``
(procps/uptime.c).

``ps`` lists the pod's processes (svclab.network.processes): PID 1 is the container's command, then
the processes of running execs, ``ps`` itself included, in the default columns ``pid,user,time,args``
or those ``-o`` picks, formatted as format_header()/format_process() do. Memory columns (``vsz``,
``rss``) are not modelled and print ``-``, the placeholder POSIX gives a column that is not meaningful.

``uptime`` prints what sysinfo(2) says, and a container has no uptime of its own: every pod shares
its node's kernel, and a kind node is a container sharing the host's kernel. So on kind ``uptime``
in a pod shows how long the machine running Docker has been up, and its load average. The embedded
cluster shows the same for the machine it runs on (CLOCK_BOOTTIME and os.getloadavg()); the pod's
own age is ``kubectl get pod``'s AGE. A container has no utmp records: ``0 users``.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from svclab.network.processes import CURRENT, Process
from svclab.network.session import ChannelWriter
from svclab.network.tools.base import Invocation
from svclab.network.tools.getopt import GetoptError, bad_command_line, getopt
from svclab.network.tools.usages import PS_USAGE, UPTIME_USAGE

MAX_WIDTH = 2 * 1024


def format_time(seconds: int) -> str:
    """format_time(): mm:ss, then hhHmm, then ddDhh, for the 5-character TIME column."""
    ss, mm = seconds % 60, seconds // 60
    if mm < 60:
        return f"{mm:2d}:{ss:02d}"
    mm, hh = mm % 60, mm // 60
    if hh < 24:
        return f"{hh:2d}h{mm:02d}"
    hh, dd = hh % 24, hh // 24
    if dd < 100:
        return f"{dd:2d}d{hh:02d}"
    return f"{dd:4d}d"


@dataclass(frozen=True)
class Column:
    width: int
    name: str
    header: str
    value: Callable[[Process, Process | None], str]


def _tty(p: Process, me: Process | None) -> str:
    return "136,0" if p.tty else "?"


def _stat(p: Process, me: Process | None) -> str:
    return "R" if me is not None and p.pid == me.pid else "S"


def _etime(p: Process, me: Process | None) -> str:
    return format_time(int(time.monotonic() - p.started))


def _args(p: Process, me: Process | None) -> str:
    return " ".join(p.argv) if p.argv else f"[{p.comm}]"


COLUMNS: tuple[Column, ...] = (
    Column(8, "user", "USER", lambda p, me: p.user),
    Column(8, "group", "GROUP", lambda p, me: "root"),
    Column(16, "comm", "COMMAND", lambda p, me: p.comm),
    Column(MAX_WIDTH, "args", "COMMAND", _args),
    Column(5, "pid", "PID", lambda p, me: str(p.pid)),
    Column(5, "ppid", "PPID", lambda p, me: str(p.ppid)),
    Column(5, "pgid", "PGID", lambda p, me: str(p.session)),
    Column(7, "etime", "ELAPSED", _etime),
    Column(5, "nice", "NI", lambda p, me: "0"),
    Column(8, "rgroup", "RGROUP", lambda p, me: "root"),
    Column(8, "ruser", "RUSER", lambda p, me: p.user),
    Column(5, "time", "TIME", lambda p, me: format_time(int(p.cpu_seconds))),
    Column(6, "tty", "TT", _tty),
    Column(4, "vsz", "VSZ", lambda p, me: ""),
    Column(5, "sid", "SID", lambda p, me: str(p.session)),
    Column(4, "stat", "STAT", _stat),
    Column(4, "rss", "RSS", lambda p, me: ""),
)
NUMERIC = {"pid", "ppid", "pgid", "nice", "sid"}


class BadColumn(Exception):
    pass


def _find(name: str) -> Column:
    """find_out_spec(): strncmp(name, name6, 6) against each column's 6-character name."""
    for column in COLUMNS:
        if name[:6] == column.name[:6] and (len(column.name) >= 6 or name == column.name):
            return column
    supported = ",".join(c.name[:6] for c in COLUMNS)
    raise BadColumn(f"ps: bad -o argument '{name}', supported arguments: {supported}")


def parse_o(spec: str) -> list[Column]:
    """parse_o(): comma-separated names; the last one may carry ``=HEADER`` (which sets its width)."""
    out: list[Column] = []
    while True:
        comma, equal = spec.find(","), spec.find("=")
        if comma >= 0 and (equal < 0 or equal > comma):
            out.append(_find(spec[:comma]))
            spec = spec[comma + 1:]
            continue
        name, eq, header = spec.partition("=")
        column = _find(name)
        if not eq:
            out.append(column)
            return out
        header, comma_sep, rest = header.partition(",")
        width = len(header) if header else column.width
        out.append(Column(width, column.name, header, column.value))
        if not comma_sep:
            return out
        spec = rest


def _isatty(writer: object) -> bool:
    return isinstance(writer, ChannelWriter) and writer.tty


def render(columns: list[Column], processes: list[Process], me: Process | None, terminal_width: int) -> str:
    """alloc_line_buffer(), format_header() and format_process()."""
    width = 0
    shown: list[Column] = []
    for column in columns:
        shown.append(column)
        width += column.width + 1
        if width - terminal_width > 0:
            break
    lines: list[str] = []
    if any(c.header for c in shown):   # the last column is not padded
        lines.append("".join(f"{c.header:<{c.width}} " for c in shown[:-1]) + shown[-1].header)
    for process in processes:
        cells: list[str] = []
        for i, column in enumerate(shown):
            value = column.value(process, me)[:column.width]
            if column.name in NUMERIC:
                value = f"{value:>{column.width}}"
            value = value or "-"
            last = i == len(shown) - 1
            cells.append(value if last else value + " " * max(column.width - len(value) + 1, 1))
        lines.append("".join(cells))
    return "".join(line[:terminal_width] + "\n" for line in lines)


async def ps(inv: Invocation) -> int:
    """ps [-o COL1,COL2=HEADER] [-T]; -a -A -d -e -f -l are accepted and change nothing."""
    try:
        opts, _operands = getopt(inv.name, inv.args, "Zo:aAdeflT")
        columns: list[Column] = []
        for spec in opts.get("o", []):
            columns += parse_o(spec)
    except GetoptError as e:
        return bad_command_line(inv, e, PS_USAGE)
    except BadColumn as e:
        inv.errln(str(e))
        return 1
    if not columns:
        columns = parse_o("pid,user,time,args")
    for _ in range(3):   # ash forks every command of a pipeline before any runs: let them start
        await asyncio.sleep(0)
    terminal_width = 79 if _isatty(inv.stdout) else MAX_WIDTH
    text = render(columns, inv.env.processes.listing(), CURRENT.get(), terminal_width)
    await inv.write(text.encode())
    return 0


def kernel_uptime() -> float:
    """Seconds since the kernel booted (sysinfo's uptime): CLOCK_BOOTTIME, else the monotonic clock."""
    clock = getattr(time, "CLOCK_BOOTTIME", None)
    return time.clock_gettime(clock) if clock is not None else time.monotonic()


def uptime_line(now: datetime, up: float, loads: tuple[float, float, float], users: int = 0) -> str:
    """uptime_main(): `` HH:MM:SS up [N days, ]H:MM|M min,  U users,  load average: a, b, c``."""
    seconds = int(up)
    line = f" {now:%H:%M:%S} up "
    days = seconds // 86400
    if days:
        line += f"{days} day{'s' if days != 1 else ''}, "
    minutes = seconds // 60
    hours, minutes = (minutes // 60) % 24, minutes % 60
    line += f"{hours:2d}:{minutes:02d}" if hours else f"{minutes} min"
    line += f",  {users} users"
    # sysinfo's loads are fixed point (SI_LOAD_SHIFT 16): LOAD_INT and LOAD_FRAC truncate to 2 decimals
    fixed = [round(load * 65536) for load in loads]
    shown = [f"{x >> 16}.{((x & 0xFFFF) * 100) >> 16:02d}" for x in fixed]
    return line + f",  load average: {', '.join(shown)}\n"


async def uptime(inv: Invocation) -> int:
    """uptime [-s]: the container's local time is UTC (the image links /etc/localtime to UTC)."""
    try:
        opts, _ = getopt(inv.name, inv.args, "s")
    except GetoptError as e:
        return bad_command_line(inv, e, UPTIME_USAGE)
    now = datetime.now(timezone.utc)
    up = kernel_uptime()
    if "s" in opts:
        boot = now - timedelta(seconds=int(up))
        inv.out(f"{boot:%Y-%m-%d %H:%M:%S}\n")
        return 0
    loads = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    inv.out(uptime_line(now, up, loads))
    return 0
