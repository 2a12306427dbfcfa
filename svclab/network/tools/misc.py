"""busybox hostname, sleep, true, false, test/[, date (env: svclab.network.tools.shellutils)."""

from __future__ import annotations

import re
from datetime import datetime, timezone

from svclab.network import messages
from svclab.network.tools.base import Invocation


async def hostname(inv: Invocation) -> int:
    """hostname [-sfdi]: the pod's UTS hostname (what /etc/hostname holds)."""
    name = inv.env.hostname
    if not inv.args:
        inv.out(name + "\n")
        return 0
    opt = inv.args[0]
    if opt == "-i":
        inv.out(inv.env.ip + "\n")
    elif opt == "-s":
        inv.out(name.split(".")[0] + "\n")
    elif opt in ("-f", "-d"):
        fqdn = name
        for line in inv.env.fs.read_text("/etc/hosts", default="").splitlines():
            fields = line.split("#", 1)[0].split()
            if len(fields) >= 2 and name in fields[1:]:
                fqdn = fields[1]
                break
        inv.out((fqdn if opt == "-f" else fqdn.partition(".")[2]) + "\n")
    elif opt.startswith("-"):
        return inv.usage("Usage: hostname [-sfdi] [HOSTNAME | -F FILE]\n\nShow or set hostname or DNS domain name\n\n"
                         "\t-s\tShort\n\t-i\tAddresses for the hostname\n\t-d\tDNS domain name\n\t-f\tFully qualified domain name\n"
                         "\t-F FILE\tUse FILE's content as hostname")
    else:
        inv.errln("hostname: sethostname: Operation not permitted")
        return 1
    return 0


_DURATION = re.compile(r"^(\d+(?:\.\d*)?|\.\d+)([smhd]?)$")


async def sleep(inv: Invocation) -> int:
    """sleep N[smhd]...: the seconds add up."""
    if not inv.args:
        return inv.usage("Usage: sleep [N]...\n\nPause for a time equal to the total of the args given, where each arg can\n"
                         "have an optional suffix of (s)econds, (m)inutes, (h)ours, or (d)ays")
    total = 0.0
    if inv.args[0][:3].lower() == "inf":   # sleep.c: GNU sleep accepts "inf", "infinity": sleep forever
        while True:
            await inv.env.sleep(3600)
    for a in inv.args:
        m = _DURATION.match(a)
        if not m:
            inv.errln(messages.INVALID_NUMBER.format(applet="sleep", arg=a))
            return 1
        total += float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]
    await inv.env.sleep(total)
    return 0


async def true(inv: Invocation) -> int:
    return 0


async def false(inv: Invocation) -> int:
    return 1


async def date(inv: Invocation) -> int:
    """date: "%a %b %e %H:%M:%S %Z %Y" in UTC."""
    now = datetime.now(timezone.utc)
    inv.out(now.strftime("%a %b ") + f"{now.day:2d}" + now.strftime(" %H:%M:%S UTC %Y") + "\n")
    return 0


class _TestError(Exception):
    pass


def _int(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise _TestError(f"invalid number '{text}'") from None


def _primary(inv: Invocation, tokens: list[str]) -> bool:
    fs = inv.env.fs
    if not tokens:
        return False
    if tokens[0] == "!":
        return not _primary(inv, tokens[1:])
    if len(tokens) == 1:
        return tokens[0] != ""
    if len(tokens) == 2:
        op, arg = tokens
        path = fs.norm(arg, inv.cwd)
        unary = {"-z": lambda: arg == "", "-n": lambda: arg != "",
                 "-e": lambda: fs.exists(path), "-f": lambda: fs.isfile(path),
                 "-d": lambda: fs.isdir(path), "-s": lambda: fs.isfile(path) and fs.size(path) > 0,
                 "-r": lambda: fs.exists(path), "-w": lambda: fs.exists(path), "-x": lambda: fs.isdir(path)}
        if op in unary:
            return unary[op]()
        raise _TestError(f"{op}: unknown operand")
    if len(tokens) == 3:
        a, op, b = tokens
        if op in ("=", "=="):
            return a == b
        if op == "!=":
            return a != b
        nums = {"-eq": int.__eq__, "-ne": int.__ne__, "-lt": int.__lt__, "-le": int.__le__,
                "-gt": int.__gt__, "-ge": int.__ge__}
        if op in nums:
            return bool(nums[op](_int(a), _int(b)))
        if a == "(" and b == ")":
            return _primary(inv, [op])
    for join in ("-o", "-a"):
        if join in tokens:
            i = tokens.index(join)
            left, right = _primary(inv, tokens[:i]), _primary(inv, tokens[i + 1:])
            return (left or right) if join == "-o" else (left and right)
    raise _TestError("syntax error")


async def test(inv: Invocation) -> int:
    """test EXPR / [ EXPR ]: 0 true, 1 false, 2 on a malformed expression."""
    tokens = list(inv.args)
    if inv.name in ("[", "[["):
        closing = "]" if inv.name == "[" else "]]"
        if not tokens or tokens[-1] != closing:
            inv.errln(f"{inv.name}: missing {closing}")
            return 2
        tokens = tokens[:-1]
    try:
        return 0 if _primary(inv, tokens) else 1
    except _TestError as e:
        inv.errln(f"{inv.name}: {e}")
        return 2
