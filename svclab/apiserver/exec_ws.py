"""`pods/exec` over WebSocket: the channel protocol (v5.channel.k8s.io, v4.channel.k8s.io).

Frames are binary, first byte the channel: 0 stdin, 1 stdout, 2 stderr, 3 the closing Status
(JSON), 4 resize, 255 (v5) close-a-channel. A non-zero exit is a Failure Status with reason
NonZeroExitCode and the code in causes; a process that cannot start is an InternalError Status.

With ``tty=true`` there is one output stream (stdout; the pty merges stderr) and stdin stays open:
a shell with no script becomes an interactive session (svclab.network.interactive), any other
command runs with its output translated by the pty. `pods/attach` joins the container's main
process: its interactive shell when the container has ``stdin`` and ``tty``; otherwise the
container's output, which is nothing until it exits (the kubelet then ends the stream with Success).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import TYPE_CHECKING, Any, AsyncIterator

from aiohttp import WSMsgType, web

from svclab.network.interactive import Console, TerminalSession
from svclab.network.shell import is_interactive_shell, run
from svclab.network.tty import onlcr
from svclab.network.tools import tools_for_image
from svclab.resources import PODS
from svclab.validation import errors

if TYPE_CHECKING:
    from svclab.cluster.embedded import EmbeddedCluster

PROTOCOLS = ("v5.channel.k8s.io", "v4.channel.k8s.io")
STDIN, STDOUT, STDERR, ERROR, RESIZE, CLOSE = 0, 1, 2, 3, 4, 255
SUCCESS: dict[str, Any] = {"metadata": {}, "status": "Success"}
POD_GONE_POLL_SECONDS = 0.2
FIRST_RESIZE_SECONDS = 1.0


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


def _pick_container(pod: dict[str, Any], wanted: str) -> str:
    names = [c["name"] for c in pod["spec"].get("containers") or []]
    if not wanted:
        default = (pod["metadata"].get("annotations") or {}).get("kubectl.kubernetes.io/default-container")
        return default if default in names else names[0]
    if wanted not in names:
        raise errors.bad_request(f"container {wanted} is not valid for pod {pod['metadata']['name']}")
    return wanted


async def _open_stream(request: web.Request, cluster: "EmbeddedCluster", namespace: str, name: str) -> tuple[dict[str, Any], str, Any, web.StreamResponse]:
    """What exec and attach share: the pod, its container and sandbox, and the upgraded websocket
    (or, as the last item, the plain-text 500 the kubelet sends for a container not running yet)."""
    pod = cluster.registry.get(PODS, namespace, name)
    container = _pick_container(pod, request.query.get("container", ""))
    if not pod["spec"].get("nodeName"):
        raise errors.bad_request(f"pod {name} does not have a host assigned")
    sandbox = cluster.network.sandbox_for(pod)
    if sandbox is None:
        # The kubelet's answer for a container that is not running yet (streaming.WriteError: a
        # plain-text 500), which the API server's upgrade proxy passes through; kubectl then prints
        # `error: unable to upgrade connection: container not found ("NAME")`.
        return pod, container, None, web.Response(status=500, text=f'container not found ("{container}")')
    if request.headers.get("Upgrade", "").lower() != "websocket":
        raise errors.bad_request("Upgrade request required")
    ws = web.WebSocketResponse(protocols=PROTOCOLS, autoping=True)
    await ws.prepare(request)
    return pod, container, sandbox, ws


async def serve_exec(request: web.Request, cluster: "EmbeddedCluster", namespace: str, name: str) -> web.StreamResponse:
    argv = request.query.getall("command", [])
    pod, container, sandbox, ws = await _open_stream(request, cluster, namespace, name)
    if sandbox is None:
        return ws
    assert isinstance(ws, web.WebSocketResponse)
    image = next((c.get("image", "") for c in pod["spec"].get("containers") or [] if c["name"] == container), "")
    tty = _flag(request, "tty")
    if tty and _flag(request, "stdin") and is_interactive_shell(list(argv)):
        return await _serve_terminal(ws, list(argv), sandbox, image)
    stdin = bytearray()
    if _flag(request, "stdin") and not tty and ws.ws_protocol == "v5.channel.k8s.io":
        async for channel, payload in _frames(ws):
            if channel == STDIN:
                stdin += payload
            elif channel == CLOSE and payload[:1] == bytes([STDIN]):
                break
    if tty:
        # the terminal's size comes first (kubectl sends it as the stream opens); the process
        # starts on a pty of that size, so a command that ends at once cannot race kubectl's resize
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(_first_resize(ws), timeout=FIRST_RESIZE_SECONDS)
    # Keep reading while the command runs: aiohttp answers the client's pings only from receive(),
    # and kubectl gives up on a connection whose pongs stop for 61 s (client-go's heartbeat); a
    # client that goes away ends the command, as closing the stream kills the exec'd process.
    reader = asyncio.ensure_future(_drain(ws))
    command = asyncio.ensure_future(run(list(argv), sandbox, tools_for_image(image), stdin=bytes(stdin)))
    try:
        await asyncio.wait({reader, command}, return_when=asyncio.FIRST_COMPLETED)
        if not command.done():
            command.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await command
            return ws
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader
        result = command.result()
        if tty:   # one terminal: stderr shares stdout, newlines leave as CR LF
            if result.stdout + result.stderr:
                await ws.send_bytes(bytes([STDOUT]) + onlcr(result.stdout + result.stderr))
        else:
            if result.stdout:
                await ws.send_bytes(bytes([STDOUT]) + result.stdout)
            if result.stderr:
                await ws.send_bytes(bytes([STDERR]) + result.stderr)
        status = runtime_failure(result.runtime_error) if result.runtime_error else exit_status(list(argv), result.exit_code)
        await ws.send_bytes(bytes([ERROR]) + json.dumps(status).encode())
    except ConnectionResetError:
        pass  # the client went away mid-command: nothing to tell it
    finally:
        for task in (reader, command):
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await ws.close()
    return ws


async def _drain(ws: web.WebSocketResponse) -> None:
    """Read (and drop) what the client sends until it closes: pings get their pongs this way."""
    async for _message in ws:
        pass


async def _frames(ws: web.WebSocketResponse) -> AsyncIterator[tuple[int, bytes]]:
    """The client's channel frames, (channel, payload), until it closes the connection."""
    async for message in ws:
        if message.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.ERROR):
            return
        if message.type == WSMsgType.BINARY and message.data:
            yield message.data[0], bytes(message.data[1:])


async def _first_resize(ws: web.WebSocketResponse) -> None:
    async for channel, _payload in _frames(ws):
        if channel == RESIZE:
            return


def _flag(request: web.Request, name: str) -> bool:
    return request.query.get(name) in ("true", "1")


async def _feed(ws: web.WebSocketResponse, session: TerminalSession, with_stdin: bool) -> None:
    """Pass the client's keystrokes and window sizes to the session until the client goes away;
    closing the stdin channel is end of input."""
    async for channel, payload in _frames(ws):
        if channel == STDIN and with_stdin:
            session.send(bytes(payload))
        elif channel == RESIZE:
            try:
                size = json.loads(payload)
                session.resize(int(size["Width"]), int(size["Height"]))
            except (ValueError, KeyError, TypeError):
                continue   # not a size: the kubelet ignores it too
        elif channel == CLOSE and payload[:1] == bytes([STDIN]) and with_stdin:
            session.end_of_input()


async def _pump(ws: web.WebSocketResponse, queue: asyncio.Queue[bytes | None]) -> None:
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


async def _serve_terminal(ws: web.WebSocketResponse, argv: list[str], sandbox: Any, image: str) -> web.WebSocketResponse:
    """`kubectl exec -it POD -- sh`: an interactive ash on a pty; the exit code ends the stream."""
    queue: asyncio.Queue[bytes | None] = asyncio.Queue()
    session = TerminalSession(argv, sandbox, tools_for_image(image), queue.put_nowait)
    session.start()
    shell = asyncio.ensure_future(session.loop())
    reader = asyncio.ensure_future(_feed(ws, session, with_stdin=True))
    pump = asyncio.ensure_future(_pump(ws, queue))
    try:
        await asyncio.wait({shell, reader, pump}, return_when=asyncio.FIRST_COMPLETED)
        if shell.done() and not pump.done():
            queue.put_nowait(None)
            await pump
            await ws.send_bytes(bytes([ERROR]) + json.dumps(exit_status(argv, shell.result())).encode())
    except ConnectionResetError:
        pass   # the client went away: closing the stream kills the shell
    finally:
        session.close()
        await _finish([shell, reader, pump])
        await ws.close()
    return ws


async def serve_attach(request: web.Request, cluster: "EmbeddedCluster", namespace: str, name: str) -> web.StreamResponse:
    """`pods/NAME/attach`: join the container's main process."""
    pod, container, sandbox, ws = await _open_stream(request, cluster, namespace, name)
    if sandbox is None:
        return ws
    assert isinstance(ws, web.WebSocketResponse)
    console = cluster.network.console_for(pod, container)
    uid = pod["metadata"]["uid"]
    try:
        if console is None:
            # a process that is not an interactive shell prints nothing here: the stream stays open
            # until the container exits (its pod stops) or the client goes away
            reader = asyncio.ensure_future(_drain(ws))
            stopped = asyncio.ensure_future(_until_gone(cluster, uid))
            try:
                await asyncio.wait({reader, stopped}, return_when=asyncio.FIRST_COMPLETED)
                if stopped.done():
                    await ws.send_bytes(bytes([ERROR]) + json.dumps(SUCCESS).encode())
            finally:
                await _finish([reader, stopped])
            return ws
        await _attach_console(ws, console, _flag(request, "stdin"))
    except ConnectionResetError:
        pass
    finally:
        await ws.close()
    return ws


async def _attach_console(ws: web.WebSocketResponse, console: Console, with_stdin: bool) -> None:
    queue = console.attach()
    reader = asyncio.ensure_future(_feed(ws, console.session, with_stdin))
    pump = asyncio.ensure_future(_pump(ws, queue))
    try:
        await asyncio.wait({reader, pump}, return_when=asyncio.FIRST_COMPLETED)
        if pump.done():
            pump.result()
            # the kubelet's attach ends with Success whatever the exit code: the code is the pod's
            await ws.send_bytes(bytes([ERROR]) + json.dumps(SUCCESS).encode())
    finally:
        console.detach(queue, with_stdin)
        await _finish([reader, pump])


async def _until_gone(cluster: "EmbeddedCluster", uid: str) -> None:
    while uid in cluster.network.sandboxes and cluster.network.sandbox_for(cluster.network.pod_by_uid(uid) or {}) is not None:
        await asyncio.sleep(POD_GONE_POLL_SECONDS)
