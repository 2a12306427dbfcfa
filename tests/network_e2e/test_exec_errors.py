"""Issue 3, part 3: `kubectl exec` exit codes and error texts as kubectl prints them against a
real cluster, and the exec WebSocket staying healthy while a command runs."""

from __future__ import annotations

import base64
import json
import re
import ssl
import time
from collections.abc import Callable

import websocket

from tests.network_e2e.conftest import TERMINATED, Lab

NOT_FOUND_IN_PATH = re.compile(
    r'error: Internal error occurred: error executing command in container: failed to exec in container: '
    r'failed to start exec "[0-9a-f]{64}": OCI runtime exec failed: exec failed: unable to start container process: '
    r'exec: "(?P<name>[^"]+)": executable file not found in \$PATH: unknown\n')


def test_exit_codes_and_runtime_errors(lab: Lab) -> None:
    ns = lab.namespace()
    lab.client(ns)

    ok = lab.exec(ns, "client", "sh", "-c", "echo out; echo err >&2")
    assert (ok.stdout, ok.stderr, ok.returncode) == ("out\n", "err\n", 0)

    false = lab.exec(ns, "client", "false")
    assert (false.stdout, false.stderr, false.returncode) == ("", TERMINATED.format(code=1), 1)

    three = lab.exec(ns, "client", "sh", "-c", "exit 3")
    assert (three.stdout, three.stderr, three.returncode) == ("", TERMINATED.format(code=3), 3)

    # A binary the image lacks: the runtime cannot start it; kubectl shows the InternalError, exit 1.
    for missing in ("nosuch", "dig"):    # busybox has no dig
        result = lab.exec(ns, "client", missing, "+short", "example")
        match = NOT_FOUND_IN_PATH.fullmatch(result.stderr)
        assert match and match["name"] == missing, result.stderr
        assert (result.stdout, result.returncode) == ("", 1)

    # The same name through the shell is ash's "not found", status 127.
    shell = lab.exec(ns, "client", "sh", "-c", "nosuch")
    assert (shell.stdout, shell.stderr, shell.returncode) == ("", "sh: nosuch: not found\n" + TERMINATED.format(code=127), 127)

    # stdin still reaches the command (v5 stdin channel and its close).
    cat = lab.exec(ns, "client", "cat", stdin="hello\nworld\n", extra=("-i",))
    assert (cat.stdout, cat.stderr, cat.returncode) == ("hello\nworld\n", "", 0)


def test_exec_into_missing_pod_and_container(lab: Lab) -> None:
    ns = lab.namespace()
    lab.client(ns)
    missing = lab.exec(ns, "x", "true")
    assert (missing.stdout, missing.stderr, missing.returncode) == ("", 'Error from server (NotFound): pods "x" not found\n', 1)
    nope = lab.exec(ns, "client", "true", extra=("-c", "nope"))
    assert (nope.stdout, nope.stderr, nope.returncode) == ("", "error: container nope is not valid for pod client out of: client\n", 1)


def test_exec_into_pending_pod(start_lab: Callable[..., Lab]) -> None:
    lab = start_lab(manual_clock=True, pod_start_seconds=30)
    ns = lab.namespace()
    lab.run_pod(ns)
    assert lab.jsonpath(ns, "pod/client", "{.status.phase}") == "Pending"
    pending = lab.exec(ns, "client", "true")
    assert (pending.stdout, pending.stderr, pending.returncode) == ("", 'error: unable to upgrade connection: container not found ("client")\n', 1)
    lab.cluster.advance(30)
    lab.wait_ready(ns, "client")
    started = lab.exec(ns, "client", "hostname")
    assert (started.stdout, started.stderr, started.returncode) == ("client\n", "", 0)


def _open(url: str, headers: dict[str, str], context: ssl.SSLContext) -> websocket.WebSocket:
    """A WebSocket to the exec endpoint, as the kubernetes client's stream() opens one (websocket-client)."""
    return websocket.create_connection(url.replace("https://", "wss://"), header=headers, subprotocols=["v5.channel.k8s.io"],
                                       sslopt={"context": context}, timeout=10)


def _connect(lab: Lab, ns: str, command: list[str]) -> tuple[str, dict[str, str], ssl.SSLContext]:
    cluster = lab.cluster
    query = "&".join(f"command={c}" for c in command) + "&stdout=true&stderr=true"
    url = f"{cluster.api_url}/api/v1/namespaces/{ns}/pods/client/exec?{query}"
    context = ssl.create_default_context(cadata=base64.b64decode(cluster.certs.ca_data).decode())
    return url, {"Authorization": f"Bearer {cluster.token}"}, context


def test_exec_websocket_answers_pings_while_the_command_runs(lab: Lab) -> None:
    """kubectl pings every 5 s and gives up after 61 s without a pong: a long command must not
    starve the pongs. The client's ping gets its pong long before `sleep 1` ends."""
    ns = lab.namespace()
    lab.client(ns)
    url, headers, context = _connect(lab, ns, ["sleep", "1"])

    ws = _open(url, headers, context)
    try:
        sent = time.monotonic()
        ws.settimeout(0.8)
        ws.ping(b"beat")
        assert ws.recv_data(control_frame=True) == (websocket.ABNF.OPCODE_PONG, b"beat")
        waited = time.monotonic() - sent
        ws.settimeout(10)
        frames = []
        while True:
            opcode, data = ws.recv_data(control_frame=True)
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                break
            if opcode == websocket.ABNF.OPCODE_BINARY:
                frames.append((data[0], data[1:]))
    finally:
        ws.close()
    assert waited < 0.8
    assert [channel for channel, _data in frames] == [3]
    assert json.loads(frames[0][1]) == {"metadata": {}, "status": "Success"}


def test_exec_client_going_away_ends_the_command(lab: Lab) -> None:
    ns = lab.namespace()
    lab.client(ns)
    url, headers, context = _connect(lab, ns, ["sleep", "30"])

    network = lab.cluster.network
    assert network is not None

    def running_commands() -> int:
        return len(network.sessions)   # exec sessions whose thread still runs

    ws = _open(url, headers, context)
    time.sleep(0.2)
    assert running_commands() == 1
    ws.close()
    deadline = time.monotonic() + 2
    while running_commands() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert running_commands() == 0
    # The pod is still there and usable.
    assert lab.exec(ns, "client", "hostname").stdout == "client\n"
