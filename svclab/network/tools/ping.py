"""busybox 1.36.1 ``ping`` (networking/ping.c, FEATURE_FANCY_PING as the busybox image builds it).

The name is resolved through the pod's resolver first (``bad address 'NAME'`` when it cannot be);
then one echo request is sent every ``-i`` seconds (1 by default) and each reply is printed as it
comes. Who answers is the pod network's business (svclab.network.icmp): another pod or a node
does, a ClusterIP does not — in kube-proxy's iptables mode a ClusterIP is only a DNAT rule for the
Service's TCP/UDP/SCTP ports (svclab/dataplane/proxier.py renders them as kube-proxy does,
https://github.com/kubernetes/kubernetes/blob/v1.35.0/pkg/proxy/iptables/proxier.go), not an
address any interface owns, so ``ping`` to it ends in ``100% packet loss``.

When it stops, as sendping_tail() and print_stats_and_exit() decide:

- with ``-c N``: once N replies are in, or, after the Nth request, when the last wait ends: ``-W``
  seconds (default 10) if nothing answered at all, else about two round trips (at least 1 s);
- with ``-w N``: when a request is due N seconds after the start;
- without either it runs until interrupted: Ctrl-C on its terminal prints the statistics (ping
  catches SIGINT) and it exits normally, as the real one does.

Exit status: 1 when nothing answered (or, with ``-w``, fewer than ``-c`` replies), else 0. All waits
go through the pod's clock (``env.sleep``) and can be interrupted; a ping without ``-c`` or ``-w``
run by a non-interactive ``kubectl exec`` runs until the client goes away, like the real one.
"""

from __future__ import annotations

import asyncio
import re

from svclab.network import messages
from svclab.network.tools.base import Invocation
from svclab.network.tools.getopt import GetoptError, bad_command_line, getopt
from svclab.network.tools.resolv import getaddrinfo
from svclab.network.tools.usages import PING_USAGE

MAXWAIT = 10       # -W default
DEFDATALEN = 56    # -s default
ICMP_MINLEN = 8


class _Stop(Exception):
    pass


def _number(text: str, low: int = 0, high: int = 2**31 - 1, base: int = 10) -> int:
    """xatou_range(): busybox's messages for a bad or out-of-range number."""
    try:
        value = int(text, base)
    except ValueError:
        raise GetoptError(messages.INVALID_NUMBER.format(applet="ping", arg=text)) from None
    if text.strip() != text or text.startswith(("+", "-")):
        raise GetoptError(messages.INVALID_NUMBER.format(applet="ping", arg=text))
    if not low <= value <= high:
        raise GetoptError(messages.NUMBER_RANGE.format(applet="ping", arg=text, low=low, high=high))
    return value


_DURATION = re.compile(r"^(\d*\.?\d*)([smhd]?)$")


def _duration(text: str) -> float | None:
    """parse_duration_str(): seconds, fractions allowed, with an optional s/m/h/d suffix."""
    m = _DURATION.match(text)
    if not m or m.group(1) in ("", "."):
        return None
    return float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]


def _ms(us: int) -> str:
    return f"{us // 1000}.{us % 1000:03d}"


class Stats:
    """What print_stats_and_exit() reports."""

    def __init__(self) -> None:
        self.transmitted = 0
        self.received = 0
        self.rtts: list[int] = []   # microseconds

    def text(self, host: str) -> str:
        loss = (self.transmitted - self.received) * 100 // self.transmitted if self.transmitted else 0
        out = (f"\n--- {host} ping statistics ---\n"
               f"{self.transmitted} packets transmitted, {self.received} packets received, {loss}% packet loss\n")
        if self.rtts:
            avg = sum(self.rtts) // len(self.rtts)
            out += f"round-trip min/avg/max = {_ms(min(self.rtts))}/{_ms(avg)}/{_ms(max(self.rtts))} ms\n"
        return out


async def ping(inv: Invocation) -> int:
    try:
        opts, operands = getopt(inv.name, inv.args, "qvAc:s:t:w:W:I:np:i:46")
        count = _number(opts["c"][-1]) if "c" in opts else 0
        datalen = _number(opts["s"][-1], 0, 65535) if "s" in opts else DEFDATALEN
        ttl = _number(opts["t"][-1]) if "t" in opts else 0
        deadline = _number(opts["w"][-1]) if "w" in opts else 0
        wait = _number(opts["W"][-1]) if "W" in opts else MAXWAIT
        if "p" in opts:
            _number(opts["p"][-1], 0, 255, 16)
    except GetoptError as e:
        return bad_command_line(inv, e, PING_USAGE)
    interval = _duration(opts["i"][-1]) if "i" in opts else 1.0
    if interval is None or len(operands) != 1 or ("q" in opts and "v" in opts):
        return inv.usage(PING_USAGE)
    host = operands[0]
    want_v6 = "6" in opts and "4" not in opts
    found = await getaddrinfo(inv.env, host, v6=True)
    addresses = [a for a in found.addresses if (":" in a) == want_v6] if found.addresses else []
    if not addresses:
        inv.errln(messages.BAD_ADDRESS.format(applet="ping", host=host))
        return 1
    ip = addresses[0]
    await inv.write(f"PING {host} ({ip}): {datalen} data bytes\n".encode())
    stats = Stats()
    try:
        await _pinging(inv, ip, stats, count, datalen, ttl, deadline, wait, interval, "q" in opts, "A" in opts)
    except asyncio.CancelledError:
        if not inv.budget.take_interrupt():
            raise
        task = asyncio.current_task()
        if task is not None:
            task.uncancel()    # SIGINT is caught: print the statistics and exit normally
    await inv.write(stats.text(host).encode())
    return 1 if stats.received == 0 or (deadline and stats.received < count) else 0


async def _pinging(inv: Invocation, ip: str, stats: Stats, count: int, datalen: int, ttl: int, deadline: int,
                   wait: int, interval: float, quiet: bool, adaptive: bool) -> None:
    """Send, print replies, and wait, until ping would print its statistics."""
    elapsed = 0.0
    while True:
        if deadline and elapsed >= deadline:
            return
        seq = stats.transmitted
        stats.transmitted += 1
        reply = await inv.env.icmp_echo(ip, seq)
        if reply is not None and ttl and ttl <= 64 - reply.ttl:
            # the TTL runs out at a router on the way: ICMP Time Exceeded instead of a reply
            inv.errln(messages.PING_ICMP_WARNING.format(type=11, name="Time Exceeded"))
            reply = None
        if reply is not None:
            stats.received += 1
            us = max(1, round(reply.rtt_ms * 1000))
            timed = datalen >= 4
            if timed:
                stats.rtts.append(us)
            if not quiet:
                line = f"{datalen + ICMP_MINLEN} bytes from {reply.source}: seq={seq} ttl={reply.ttl}"
                await inv.write((line + (f" time={_ms(us)} ms" if timed else "") + "\n").encode())
            if count and stats.received >= count:
                return
        if count == 0 or stats.transmitted < count:
            pause = 0.0 if adaptive and reply is not None else interval
            await inv.env.sleep(pause)
            elapsed += pause
            continue
        # all -c requests sent: wait -W seconds for a first reply, else about two round trips
        expire = wait if stats.received == 0 else max(1, (max(stats.rtts, default=0)) // (512 * 1024))
        if expire == 0:
            await asyncio.Event().wait()   # alarm(0): no alarm; only a signal ends it
        await inv.env.sleep(expire)
        return
