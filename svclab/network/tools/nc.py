"""busybox 1.36.1 ``nc`` as the busybox image builds it: NC_110_COMPAT, so networking/nc_bloaty.c
(netcat 1.10's options: -v, -z, -w, -n, -u, -o, -i, -l, -e, -s, -p).

``nc HOST PORT`` connects through the pod's network (``env.tcp_connect``: kube-proxy's rules for a
Service address, the pod itself for a pod IP), sends its stdin and prints what the server answers;
it ends once both stdin and the connection are closed. The listeners the embedded pods have are
their HTTP apps (Go net/http, svclab.network.gohttp), so ``printf 'GET /hostname HTTP/1.0\\r\\n\\r\\n' |
nc web 80`` prints a raw HTTP response.

``nc -z HOST PORT`` only connects. Reporting, as nc_main() does it: ``-v`` prints ``HOST (IP:PORT)
open`` on stderr when the connection is accepted; a refused connection is silent at one ``-v``
(netcat's scanning convention) and reported from ``-vv`` on; a timeout is reported from one ``-v``.
The exit status is 0 when connected, 1 otherwise.

Not emulated, said plainly when asked for: listening (``-l``), UDP (``-u``) and running a program on
the connection (``-e``).
"""

from __future__ import annotations

import asyncio

from svclab.network import messages
from svclab.network.podenv import ConnectionRefused, ConnectTimeout, FSError
from svclab.network.streams import WriteError
from svclab.network.tcp import Connection
from svclab.network.tools.base import Invocation
from svclab.network.tools.getopt import GetoptError, bad_command_line, getopt
from svclab.network.tools.resolv import getaddrinfo, is_ip
from svclab.network.tools.usages import NC_USAGE


def _seconds(text: str, low: int = 0, high: int = 2**31 - 1) -> int:
    if not text.isdigit():
        raise GetoptError(messages.INVALID_NUMBER.format(applet="nc", arg=text))
    value = int(text)
    if not low <= value <= high:
        raise GetoptError(messages.NUMBER_RANGE.format(applet="nc", arg=text, low=low, high=high))
    return value


def hexdump(direction: str, data: bytes, offset: int) -> bytes:
    """oprint(): one line per 16 bytes, ``> 00000000 68 65 ... # he...``."""
    out = bytearray()
    for start in range(0, len(data), 16):
        piece = data[start:start + 16]
        hexes = "".join(f"{b:02x} " for b in piece).ljust(48)
        text = "".join(chr(b) if 31 < b < 127 else "." for b in piece)
        out += f"{direction} {offset + start:08x} {hexes}# {text}\n".encode()
    return bytes(out)


class _Session:
    """readwrite(): stdin to the connection, the connection to stdout, until both have ended."""

    def __init__(self, inv: Invocation, conn: Connection, wait: int, interval: int, log: str | None) -> None:
        self.inv = inv
        self.conn = conn
        self.wait = wait
        self.interval = interval
        self.log = log
        self.sent = 0
        self.received = 0
        self.activity = 0

    def _log(self, direction: str, data: bytes, offset: int) -> None:
        if self.log is not None:
            try:
                self.inv.env.fs.write(self.log, hexdump(direction, data, offset), append=True)
            except FSError as e:
                raise WriteError(e.strerror) from None

    async def upload(self) -> None:
        if self.interval:
            await self.inv.env.sleep(self.interval)   # pause before sending, too
        while True:
            chunk = await self.inv.read()
            self.activity += 1
            if not chunk:
                self.conn.shutdown_write()
                return
            pieces = [chunk]
            if self.interval:   # "-i": one line at a time, slowly
                pieces = [line for line in chunk.splitlines(keepends=True)]
            for piece in pieces:
                await self.conn.send(piece)
                self._log(">", piece, self.sent)
                self.sent += len(piece)
                if self.interval:
                    await self.inv.env.sleep(self.interval)

    async def download(self) -> None:
        while True:
            data = await self.conn.recv()
            self.activity += 1
            if not data:
                return
            await self.inv.write(data)
            self._log("<", data, self.received)
            self.received += len(data)

    async def idle(self) -> None:
        """``-w``: two timeouts of the poll with nothing to read end it (not an error)."""
        timeouts = 2
        while True:
            seen = self.activity
            await self.inv.env.sleep(self.wait)
            if self.activity == seen:
                timeouts -= 1
                if not timeouts:
                    return

    async def run(self) -> None:
        pumps = {asyncio.ensure_future(self.upload()), asyncio.ensure_future(self.download())}
        watchdog = asyncio.ensure_future(self.idle()) if self.wait else None
        try:
            waiting = set(pumps) | ({watchdog} if watchdog else set())
            while pumps:
                done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    task.result()
                if watchdog is not None and watchdog in done:
                    return
                pumps -= done
                waiting -= done
        finally:
            for task in [*pumps, *([watchdog] if watchdog else [])]:
                task.cancel()
            await asyncio.gather(*pumps, *([watchdog] if watchdog else []), return_exceptions=True)


async def nc(inv: Invocation) -> int:
    try:
        opts, operands = getopt(inv.name, inv.args, "np:s:ubvw:lki:o:ze:")
        wait = _seconds(opts["w"][-1]) if "w" in opts else 0
        interval = _seconds(opts["i"][-1], 1, 0xFFFF) if "i" in opts else 0
    except GetoptError as e:
        return bad_command_line(inv, e, NC_USAGE)
    for flag, what in (("l", "listening (-l)"), ("k", "listening (-l)"), ("u", "UDP (-u)"), ("e", "-e PROG")):
        if flag in opts:
            inv.errln(messages.NC_NOT_EMULATED.format(what=what))
            return 1
    verbose = len(opts.get("v", []))
    if len(operands) > 2 or not operands:
        return inv.usage(NC_USAGE)
    host = operands[0]
    port = 0
    if len(operands) == 2:
        if not operands[1].isdigit() or int(operands[1]) > 65535:
            inv.errln(messages.BAD_PORT.format(applet="nc", port=operands[1]))
            return 1
        port = int(operands[1])
    found = await getaddrinfo(inv.env, host, v6=True)
    if not found.addresses:
        inv.errln(messages.BAD_ADDRESS.format(applet="nc", host=host))
        return 1
    ip = found.addresses[0]
    if "s" in opts:   # the local address to bind to: one of the pod's own
        local = opts["s"][-1]
        if not is_ip(local):
            inv.errln(messages.BAD_ADDRESS.format(applet="nc", host=local))
            return 1
        if local not in (inv.env.ip, "0.0.0.0", "::") and not local.startswith("127."):
            inv.errln(messages.NC_BIND_FAILED)
            return 1
    dotted = f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"
    log = inv.env.fs.norm(opts["o"][-1], inv.cwd) if "o" in opts else None
    if log is not None:
        try:
            inv.env.fs.write(log, b"")   # xopen(O_WRONLY|O_CREAT|O_TRUNC)
        except FSError as e:
            inv.errln(messages.CANT_OPEN.format(applet="nc", path=opts["o"][-1], err=e.strerror))
            return 1
    status = 0
    sent = received = 0
    try:
        try:
            conn = await _connect(inv, ip, port, wait)
        except (ConnectionRefused, ConnectTimeout) as e:
            refused = isinstance(e, ConnectionRefused)
            if verbose > 1 or (verbose and not refused):
                err = messages.ECONNREFUSED if refused else messages.ETIMEDOUT
                inv.errln(messages.NC_CONNECT_FAILED.format(host=host, addr=dotted, err=err))
            status = 1
        else:
            try:
                if verbose:
                    inv.errln(messages.NC_OPEN.format(host=host, addr=dotted))
                if "z" not in opts:
                    session = _Session(inv, conn, wait, interval, log)
                    try:
                        await session.run()
                    finally:
                        sent, received = session.sent, session.received
            finally:
                conn.close()
    except asyncio.CancelledError:
        if not inv.budget.take_interrupt():
            raise
        # catch(): SIGINT prints the counts at -vv, then "punt!", and nc dies of the signal
        if verbose > 1:
            inv.errln(messages.NC_SENT_RECEIVED.format(sent=sent, received=received))
        inv.errln("punt!")
        raise
    if verbose > 1:
        inv.errln(messages.NC_SENT_RECEIVED.format(sent=sent, received=received))
    return status


async def _connect(inv: Invocation, ip: str, port: int, wait: int) -> Connection:
    """connect_w_timeout(): a dropped SYN waits for ``-w`` seconds, or for the kernel to give up."""
    if port == 0:
        raise ConnectionRefused(f"{ip}:0")   # nothing listens on port 0: the peer resets it
    try:
        return await inv.env.tcp_connect(ip, port)
    except ConnectTimeout:
        await inv.env.sleep(wait if wait else messages.KERNEL_CONNECT_TIMEOUT)
        raise
