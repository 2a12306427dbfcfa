"""`pods/exec` and `pods/attach` over WebSocket: the channel protocol (v5.channel.k8s.io,
v4.channel.k8s.io).

Frames are binary, first byte the channel: 0 stdin, 1 stdout, 2 stderr, 3 the closing Status
(JSON), 4 resize, 255 (v5) close-a-channel. A non-zero exit is a Failure Status with reason
NonZeroExitCode and the code in causes; a process that cannot start is an InternalError Status.

The process runs in the pod runtime (svclab.network), off this loop: its output streams to the
client as it is written, and stops when the client stops reading; the client's stdin streams to
it. With ``tty=true`` there is one output stream (stdout; the pty merges stderr) and stdin stays
open: a shell with no script becomes an interactive session, any other command runs behind the
pty's line discipline. `pods/attach` joins the container's main process (svclab.network.containers):
its interactive shell when the container has ``stdin`` and ``tty``; otherwise its stdout and
stderr as they are written and, with ``stdin``, its stdin; when it exits the kubelet ends the
stream with Success. Attaching to a container that has exited is refused as containerd refuses it.
The client going away kills an exec'd process, as closing the stream does on a real kubelet.
The kubelet's websocket reads text and binary messages alike; a stream the client did not ask for
(``stdout``/``stderr`` false) is dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from typing import Any, Protocol

from svclab.network.session import Session
from svclab.validation import errors
from svclab.wire.server import AnyResponse, Request, Response, WebSocketResponse
from svclab.wire.websocket import Opcode

PROTOCOLS = ("v5.channel.k8s.io", "v4.channel.k8s.io")
STDIN, STDOUT, STDERR, ERROR, RESIZE, CLOSE = 0, 1, 2, 3, 4, 255
SUCCESS: dict[str, Any] = {"metadata": {}, "status": "Success"}
POD_GONE_POLL_SECONDS = 0.2
FIRST_RESIZE_SECONDS = 1.0

Obj = dict[str, Any]


class Terminal(Protocol):
    """What keystrokes and window sizes go to (an exec session, a container's console)."""

    def send(self, data: bytes) -> None: ...

    def resize(self, width: int, height: int) -> None: ...

    def close_input(self) -> None: ...


class Console(Terminal, Protocol):
    """A container's main process on a tty, which attached clients share."""

    def attach(self) -> asyncio.Queue[bytes | None]: ...

    def detach(self, queue: asyncio.Queue[bytes | None], with_stdin: bool) -> None: ...


class PodRuntime(Protocol):
    """The pods' container runtime, as the kubelet's streaming server uses it."""

    def running(self, pod: Obj) -> bool:
        """Whether the pod's containers have started."""
        ...

    def exec(self, pod: Obj, container: str, argv: list[str], *, tty: bool, stdin: bool) -> Session | str:
        """Start a process in the container; the runtime's error message when it cannot."""
        ...

    def console_for(self, pod: Obj, container: str) -> Console | None:
        """The container's main process when it is a shell on a tty."""
        ...

    def container_process(self, pod: Obj, container: str) -> Any:
        """The container's current main process (svclab.network.containers.MainProcess), or None."""
        ...

    def stopped(self, uid: str) -> bool:
        """Whether the pod with this uid no longer runs."""
        ...


def exit_status(argv: list[str], code: int) -> dict[str, Any]:
    if code == 0:
        return dict(SUCCESS)
    return {
        "metadata": {},
        "status": "Failure",
        "message": f"command terminated with non-zero exit code: error executing command [{' '.join(argv)}], exit code {code}",
        "reason": "NonZeroExitCode",
        "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]},
    }


def runtime_failure(message: str) -> dict[str, Any]:
    return {"metadata": {}, "status": "Failure", "message": message, "reason": "InternalError", "details": {"causes": [{"message": message}]}, "code": 500}


def _pick_container(pod: Obj, wanted: str) -> str:
    names = [c["name"] for c in pod["spec"].get("containers") or []]
    if not wanted:
        default = (pod["metadata"].get("annotations") or {}).get("kubectl.kubernetes.io/default-container")
        return str(default) if default in names else str(names[0])
    if wanted not in names:
        raise errors.bad_request(f"container {wanted} is not valid for pod {pod['metadata']['name']}")
    return wanted


def _flag(request: Request, name: str) -> bool:
    return request.query.get(name) in ("true", "1")


def _wanted(request: Request, tty: bool) -> frozenset[int]:
    """The output streams the client asked for (with a tty, stderr is the terminal: stdout)."""
    wanted = set()
    if _flag(request, "stdout") or tty:
        wanted.add(STDOUT)
    if _flag(request, "stderr") and not tty:
        wanted.add(STDERR)
    return frozenset(wanted)


class ExecHandler:
    """Serves ``pods/NAME/exec`` and ``pods/NAME/attach`` for the API server."""

    def __init__(self, get_pod: Callable[[str, str], Obj], runtime: PodRuntime) -> None:
        self.get_pod = get_pod
        self.runtime = runtime

    async def __call__(self, request: Request, namespace: str, name: str) -> AnyResponse:
        if request.path.rstrip("/").endswith("/attach"):
            return await self.attach(request, namespace, name)
        return await self.exec(request, namespace, name)

    async def _open(self, request: Request, namespace: str, name: str, started: bool = False) -> tuple[Obj, str, WebSocketResponse | None]:
        """What exec and attach share: the pod, its container, and the upgraded websocket (None
        when the container is not running yet: the answer is then the kubelet's plain-text 500)."""
        pod = self.get_pod(namespace, name)
        container = _pick_container(pod, request.query.get("container", ""))
        if not pod["spec"].get("nodeName"):
            raise errors.bad_request(f"pod {name} does not have a host assigned")
        if not started and not self.runtime.running(pod):
            return pod, container, None
        if request.headers.get("Upgrade", "").lower() != "websocket":
            raise errors.bad_request("Upgrade request required")
        ws = WebSocketResponse(protocols=PROTOCOLS, autoping=True)
        await ws.prepare(request)
        return pod, container, ws

    @staticmethod
    def _not_running(container: str) -> Response:
        # The kubelet's answer for a container that is not running yet (streaming.WriteError: a
        # plain-text 500), which the API server's upgrade proxy passes through; kubectl then prints
        # `error: unable to upgrade connection: container not found ("NAME")`.
        return Response(status=500, text=f'container not found ("{container}")')

    # ---- exec ----------------------------------------------------------------------------------
    async def exec(self, request: Request, namespace: str, name: str) -> AnyResponse:
        argv = list(request.query.getall("command", []))
        pod, container, ws = await self._open(request, namespace, name)
        if ws is None:
            return self._not_running(container)
        assert isinstance(ws, WebSocketResponse)
        tty, stdin = _flag(request, "tty"), _flag(request, "stdin")
        try:
            if tty:
                # the terminal's size comes first (kubectl sends it as the stream opens); the process
                # starts on a pty of that size, so a command that ends at once cannot race the resize
                first: list[tuple[int, int]] = []
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(_first_resize(ws, first), timeout=FIRST_RESIZE_SECONDS)
            session = self.runtime.exec(pod, container, argv, tty=tty, stdin=stdin)
            if isinstance(session, str):
                await ws.send_bytes(bytes([ERROR]) + json.dumps(runtime_failure(session)).encode())
                return ws
            if tty:
                for width, height in first:
                    session.resize(width, height)
            await self._stream(ws, session, argv, with_stdin=stdin, wanted=_wanted(request, tty))
        except ConnectionResetError:
            pass   # the client went away mid-command: nothing to tell it
        finally:
            await ws.close()
        return ws

    async def _stream(self, ws: WebSocketResponse, session: Session, argv: list[str], with_stdin: bool,
                      wanted: frozenset[int] = frozenset({STDOUT, STDERR})) -> None:
        """Client frames in, the session's output out, then the exit Status."""
        # Keep reading while the command runs: the WebSocket answers the client's pings only from
        # receive(), and kubectl gives up on a connection whose pongs stop for 61 s (client-go's
        # heartbeat); a client that goes away ends the command.
        v5 = ws.ws_protocol == "v5.channel.k8s.io"
        if not (with_stdin and (v5 or session.tty)):
            session.close_input()   # no stdin (v4 cannot say where it ends): end of file at once
        reader = asyncio.ensure_future(_feed(ws, session, with_stdin and (v5 or session.tty), backpressure=not session.tty))
        pump = asyncio.ensure_future(_pump_session(ws, session, wanted))
        try:
            await asyncio.wait({reader, pump}, return_when=asyncio.FIRST_COMPLETED)
            if not pump.done():
                session.kill()   # the client went away: closing the stream kills the process
                return
            pump.result()
            code = await session.wait()
            await ws.send_bytes(bytes([ERROR]) + json.dumps(exit_status(argv, code)).encode())
        finally:
            if session.running:
                session.kill()
            await _finish([reader, pump])

    # ---- attach --------------------------------------------------------------------------------
    async def attach(self, request: Request, namespace: str, name: str) -> AnyResponse:
        """`pods/NAME/attach`: join the container's main process (its console when it is a shell
        on a tty; otherwise its output streams and, with ``stdin``, its stdin)."""
        pod = self.get_pod(namespace, name)
        container = _pick_container(pod, request.query.get("container", ""))
        process = self.runtime.container_process(pod, container)
        if request.headers.get("Upgrade", "").lower() != "websocket":
            raise errors.bad_request("Upgrade request required")
        if process is not None and not process.running and not process.replays_to_first_attach():
            # containerd refuses to attach to a container that is not running (container_attach.go)
            return Response(status=500, text="rpc error: code = Unknown desc = container is in CONTAINER_EXITED state")
        pod, container, ws = await self._open(request, namespace, name, started=process is not None)
        if ws is None:
            return self._not_running(container)
        assert isinstance(ws, WebSocketResponse)
        console = self.runtime.console_for(pod, container)
        try:
            if console is not None:
                await _attach_console(ws, console, _flag(request, "stdin"))
            elif process is not None:
                await _attach_process(ws, process, _flag(request, "stdin"), _wanted(request, False))
            else:
                # nothing to join (no runtime process): the stream stays open until the pod stops
                reader = asyncio.ensure_future(_drain(ws))
                stopped = asyncio.ensure_future(self._until_gone(pod["metadata"]["uid"]))
                try:
                    await asyncio.wait({reader, stopped}, return_when=asyncio.FIRST_COMPLETED)
                    if stopped.done():
                        await ws.send_bytes(bytes([ERROR]) + json.dumps(SUCCESS).encode())
                finally:
                    await _finish([reader, stopped])
        except ConnectionResetError:
            pass
        finally:
            await ws.close()
        return ws

    async def _until_gone(self, uid: str) -> None:
        while not self.runtime.stopped(uid):
            await asyncio.sleep(POD_GONE_POLL_SECONDS)


async def _drain(ws: WebSocketResponse) -> None:
    """Read (and drop) what the client sends until it closes: pings get their pongs this way."""
    async for _message in ws:
        pass


async def _frames(ws: WebSocketResponse) -> AsyncIterator[tuple[int, bytes]]:
    """The client's channel frames, (channel, payload), until it closes the connection."""
    async for message in ws:   # (ends when the client closes)
        data = message.data
        if isinstance(data, str):
            # the kubelet's wsstream reads text and binary messages alike (the Python client sends
            # str stdin as text): the first byte is the channel
            data = data.encode("utf-8")
        if message.type in (Opcode.BINARY, Opcode.TEXT) and data:
            yield data[0], bytes(data[1:])


def _size(payload: bytes) -> tuple[int, int] | None:
    try:
        size = json.loads(payload)
        return int(size["Width"]), int(size["Height"])
    except (ValueError, KeyError, TypeError):
        return None   # not a size: the kubelet ignores it too


async def _first_resize(ws: WebSocketResponse, sizes: list[tuple[int, int]]) -> None:
    async for channel, payload in _frames(ws):
        if channel == RESIZE:
            size = _size(payload)
            if size is not None:
                sizes.append(size)
            return


async def _feed(ws: WebSocketResponse, target: Terminal | Session, with_stdin: bool, backpressure: bool = False) -> None:
    """Pass the client's stdin and window sizes on until the client goes away; closing the stdin
    channel is end of input. With ``backpressure`` the client waits while the process has not
    read what it was sent (a pipe); a terminal takes keys at once (its line discipline decides)."""
    async for channel, payload in _frames(ws):
        if channel == STDIN and with_stdin:
            if backpressure and isinstance(target, Session):
                await target.send_and_wait(payload)
            else:
                target.send(payload)
        elif channel == RESIZE:
            size = _size(payload)
            if size is not None:
                target.resize(*size)
        elif channel == CLOSE and payload[:1] == bytes([STDIN]) and with_stdin:
            target.close_input()


MAX_FRAME = 1 << 20


async def _pump_session(ws: WebSocketResponse, session: Session, wanted: frozenset[int] = frozenset({STDOUT, STDERR})) -> None:
    """Send the session's output as it comes until it ends; chunks queued meanwhile for the same
    channel go out as one frame (up to MAX_FRAME), in the order they were written. A stream the
    client did not ask for (``stdout=false``, ``stderr=false``) is dropped, as the runtime drops it."""
    while True:
        item = await session.output.get()
        if item is None:
            return
        if item[0] not in wanted:
            continue
        channel, chunk = item[0], bytearray(item[1])
        ended = False
        while len(chunk) < MAX_FRAME:
            found, more = session.output.get_nowait()
            if not found:
                break
            if more is None:
                ended = True
                break
            if more[0] not in wanted:
                continue
            if more[0] != channel:
                await ws.send_bytes(bytes([channel]) + bytes(chunk))
                channel, chunk = more[0], bytearray()
            chunk += more[1]
        await ws.send_bytes(bytes([channel]) + bytes(chunk))
        if ended:
            return


async def _pump_queue(ws: WebSocketResponse, queue: asyncio.Queue[bytes | None]) -> None:
    """Send what the terminal shows on the stdout channel until the process ends (None)."""
    while True:
        data = await queue.get()
        if data is None:
            return
        chunk, end = bytearray(data), False
        while not queue.empty():
            more = queue.get_nowait()
            if more is None:
                end = True
                break
            chunk += more
        await ws.send_bytes(bytes([STDOUT]) + bytes(chunk))
        if end:
            return


async def _finish(tasks: list[asyncio.Future[Any]]) -> None:
    for task in tasks:
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        elif not task.cancelled():
            task.exception()   # retrieved: a client that went away is not an error


async def _attach_console(ws: WebSocketResponse, console: Console, with_stdin: bool) -> None:
    """Join a main process's terminal: the screen on stdout, the client's keys to it."""
    queue = console.attach()
    try:
        await _attached(ws, _feed(ws, console, with_stdin), _pump_queue(ws, queue))
    finally:
        console.detach(queue, with_stdin)


async def _attach_process(ws: WebSocketResponse, process: Any, with_stdin: bool, wanted: frozenset[int]) -> None:
    """Join a main process that has no terminal: its stdout and stderr on their channels, the
    client's stdin to it."""
    queue = process.attach()
    try:
        await _attached(ws, _feed(ws, process, with_stdin), _pump_output(ws, queue, wanted))
    finally:
        process.detach(queue, with_stdin)


async def _attached(ws: WebSocketResponse, feed: Any, output: Any) -> None:
    """Run an attach until the client leaves or the output ends; when the process ends, the kubelet
    ends the stream with Success whatever the exit code (the code is the pod's)."""
    reader = asyncio.ensure_future(feed)
    pump = asyncio.ensure_future(output)
    try:
        await asyncio.wait({reader, pump}, return_when=asyncio.FIRST_COMPLETED)
        if pump.done():
            pump.result()
            await ws.send_bytes(bytes([ERROR]) + json.dumps(SUCCESS).encode())
    finally:
        await _finish([reader, pump])


async def _pump_output(ws: WebSocketResponse, queue: asyncio.Queue[tuple[int, bytes] | None], wanted: frozenset[int]) -> None:
    while True:
        item = await queue.get()
        if item is None:
            return
        if item[0] in wanted:
            await ws.send_bytes(bytes([item[0]]) + item[1])
