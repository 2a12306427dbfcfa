"""`pods/exec` over WebSocket: the channel protocol (v5.channel.k8s.io, v4.channel.k8s.io).

Frames are binary, first byte the channel: 0 stdin, 1 stdout, 2 stderr, 3 the closing Status
(JSON), 4 resize, 255 (v5) close-a-channel. A non-zero exit is a Failure Status with reason
NonZeroExitCode and the code in causes; a process that cannot start is an InternalError Status.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from svclab.network.shell import run
from svclab.network.tools import tools_for_image
from svclab.resources import PODS
from svclab.validation import errors

if TYPE_CHECKING:
    from svclab.cluster.embedded import EmbeddedCluster

PROTOCOLS = ("v5.channel.k8s.io", "v4.channel.k8s.io")
STDIN, STDOUT, STDERR, ERROR, CLOSE = 0, 1, 2, 3, 255


def exit_status(argv: list[str], code: int) -> dict[str, Any]:
    if code == 0:
        return {"metadata": {}, "status": "Success"}
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


async def serve_exec(request: web.Request, cluster: "EmbeddedCluster", namespace: str, name: str) -> web.StreamResponse:
    pod = cluster.registry.get(PODS, namespace, name)
    argv = request.query.getall("command", [])
    container = _pick_container(pod, request.query.get("container", ""))
    if not pod["spec"].get("nodeName"):
        raise errors.bad_request(f"pod {name} does not have a host assigned")
    sandbox = cluster.network.sandbox_for(pod)
    if sandbox is None:
        # The kubelet's answer for a container that is not running yet (streaming.WriteError: a
        # plain-text 500), which the API server's upgrade proxy passes through; kubectl then prints
        # `error: unable to upgrade connection: container not found ("NAME")`.
        return web.Response(status=500, text=f'container not found ("{container}")')
    if request.headers.get("Upgrade", "").lower() != "websocket":
        raise errors.bad_request("Upgrade request required")
    ws = web.WebSocketResponse(protocols=PROTOCOLS, autoping=True)
    await ws.prepare(request)
    stdin = bytearray()
    if request.query.get("stdin") in ("true", "1") and ws.ws_protocol == "v5.channel.k8s.io":
        async for message in ws:
            if message.type != WSMsgType.BINARY or not message.data:
                if message.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.ERROR):
                    break
                continue
            channel, payload = message.data[0], message.data[1:]
            if channel == STDIN:
                stdin += payload
            elif channel == CLOSE and payload[:1] == bytes([STDIN]):
                break
    image = next((c.get("image", "") for c in pod["spec"].get("containers") or [] if c["name"] == container), "")
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
