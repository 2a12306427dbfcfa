"""The trusted host of one submission: its fresh embedded cluster, and its test cells run against it.

Forked by the worker's zygote for each submission, as the grader (never as the sandbox user): it starts a
seeded embedded cluster in-process (the kernel reaches it like any cluster, over HTTPS with the kubeconfig it
is handed, and cannot touch this process), then answers the worker on a Unix socket only the grader can
open. Requests, one JSON line each, answered in order:

- ``{"op": "answers", "at": grade_id|null, "data": "<snapshot JSON>"}`` — the answers the kernel exported
  (`svclab.grading.export`), the latest (`at` null) or as they were right after answer cell `at`;
- ``{"op": "check", "grade_id": ..., "source": ..., "timeout": s}`` — run a test cell on the latest answers
  (`svclab.grading.trusted`); the reply holds its outputs. A check still running after `timeout` fails its
  cell; its thread is left behind and ends with this process;
- ``{"op": "stop"}``.

The first line it sends is ``{"ready": {file: text}}``: the kubeconfig, token and cluster.json the kernel's
``lab.connect()`` finds in its ``SVCLAB_STATE_DIR``.
"""

from __future__ import annotations

import json
import os
import resource
import socket
import sys
import threading
from pathlib import Path
from typing import Any

from svclab.grading import trusted, values
from svclab.grading.answers import Answers

MAX_LINE = 64 << 20
SUN_PATH = 107  # bytes a Unix socket's path may have (sockaddr_un.sun_path, less its NUL)


def unix_address(path: str) -> tuple[str, int | None]:
    """A name for the Unix socket at `path` that fits sun_path: the path itself, or, when a deep TMPDIR makes it
    longer, the same file reached through a descriptor of its folder (``/proc/self/fd/N/host.sock``). The
    descriptor (None for the path itself) is the caller's to close once bound or connected."""
    if len(os.fsencode(path)) <= SUN_PATH:
        return path, None
    folder, name = os.path.split(path)
    fd = os.open(folder, os.O_PATH | os.O_DIRECTORY)
    return f"/proc/self/fd/{fd}/{name}", fd


def decode_snapshot(text: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The answers and the apply record of one snapshot; an unreadable answer becomes an Opaque saying so."""
    try:
        data = json.loads(text)
        raw = data["answers"]
        applies = data.get("applies") or {}
        if type(raw) is not dict:
            raise ValueError("answers is not an object")
    except (ValueError, KeyError, TypeError) as exc:
        reason = values.Opaque("unreadable", f"the grader could not read your answers ({exc.__class__.__name__})")
        return {"*": reason}, {}
    found: dict[str, Any] = {}
    for name, encoded in raw.items():
        try:
            found[str(name)] = values.decode(encoded)
        except (values.Malformed, RecursionError, TypeError, ValueError) as exc:
            found[str(name)] = values.Opaque("unreadable", f"could not be read ({exc})")
    return found, applies if type(applies) is dict else {}


def _apply_log(applies: dict[str, Any]) -> Any:
    from svclab.lab.applied import ApplyLog, Outcome

    def outcomes(rows: Any) -> list[Outcome]:
        found = []
        for row in rows if type(rows) is list else []:
            if type(row) is dict and all(type(row.get(k)) is str for k in ("kind", "namespace", "name")):
                refusal, blocked = row.get("refusal"), row.get("blocked_by")
                found.append(Outcome(row["kind"], row["namespace"], row["name"],
                                     refusal[:2000] if type(refusal) is str else None, blocked[:200] if type(blocked) is str else None))
        return found

    log = ApplyLog()
    log.record(outcomes(applies.get("objects")))
    log.last_call = outcomes(applies.get("last"))
    return log


def kernel_files(cluster: Any, seed: int) -> dict[str, str]:
    """What a kernel's state directory holds for `lab.connect()` to find this cluster (svclab.cluster.control)."""
    import yaml

    info = {"api": cluster.api_url, "dns": cluster.dns_address, "pid": os.getpid(), "name": cluster.config.name, "seed": seed}
    return {"kubeconfig": yaml.safe_dump(cluster.kubeconfig(), sort_keys=False), "token": cluster.token + "\n",
            "cluster.json": json.dumps(info, indent=2) + "\n"}


class Host:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.assignment = spec["assignment"]
        self.module = trusted.assignment_module(self.assignment)
        self.spec = spec
        self.latest: dict[str, Any] = {}
        self.after: dict[str, dict[str, Any]] = {}
        self.applies: dict[str, Any] = {}
        self.lock = threading.Lock()

    def answers(self, at: str | None, text: str) -> None:
        found, applies = decode_snapshot(text)
        if at is None:
            self.latest, self.applies = found, applies
        else:
            self.after[str(at)] = found

    def _session(self) -> None:
        from svclab import lab

        session = lab.current_session()
        if session is None:
            session = lab.connect(self.module.A.namespace)
        session.applies = _apply_log(self.applies)

    def check(self, grade_id: str, source: str, timeout: float) -> list[dict[str, Any]]:
        result: list[list[dict[str, Any]]] = []

        def run() -> None:
            with self.lock:  # one check at a time; one left behind by a timeout keeps the others waiting
                try:
                    self._session()
                except Exception as exc:  # noqa: BLE001 - the cluster did not answer: this cell fails
                    result.append([trusted.error_output(type(exc).__name__, str(exc), [f"✘ the grader could not reach the cluster: {exc}"])])
                    return
                if "*" in self.latest:
                    latest = {name: self.latest["*"] for name in self.module.A.answers}
                else:
                    latest = self.latest
                answers = Answers(latest, self.after, tuple(self.module.A.answers))
                result.append(trusted.run_test_cell(source, grade_id, self.module, answers, log=sys.__stderr__))

        thread = threading.Thread(target=run, name=f"check-{grade_id}", daemon=True)
        thread.start()
        thread.join(timeout)
        if result:
            return result[0]
        message = f"the check did not finish within {timeout:.0f} s"
        return [trusted.error_output("CheckTimeout", message, [f"✘ {message}"])]


def _lines(conn: socket.socket) -> Any:
    buffer = b""
    while True:
        chunk = conn.recv(1 << 20)
        if not chunk:
            return
        buffer += chunk
        if len(buffer) > MAX_LINE:
            raise ValueError("request too large")
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            yield json.loads(line)


def _send(conn: socket.socket, message: dict[str, Any]) -> None:
    conn.sendall((json.dumps(message) + "\n").encode())


def main(spec: dict[str, Any]) -> None:
    """The zygote's `host` role."""
    from svclab.grading.sandbox import set_parent_death_signal

    os.setsid()
    set_parent_death_signal()  # a fork's parent-death signal is cleared: the cluster ends with its zygote, however it ends
    limit = int(spec.get("memory_bytes", 4 << 30))
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    for name in ("KUBECONFIG", "NBGRADER_EXECUTION", "SVCLAB_FRESH", "SVCLAB_BACKEND"):
        os.environ.pop(name, None)
    state = Path(spec["state_dir"])
    state.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.environ["SVCLAB_STATE_DIR"] = str(state)
    scratch = state / "tmp"  # the client's CA files, kubectl's cache: removed with the job, as this process is killed
    scratch.mkdir(mode=0o700, exist_ok=True)
    os.environ["TMPDIR"] = str(scratch)
    import tempfile

    tempfile.tempdir = None
    sys.stdout = trusted.ThreadOutput(sys.stdout)
    host = Host(spec)

    from svclab.cluster.embedded import ClusterConfig, EmbeddedCluster
    from svclab.cluster.kubeconfig import write_private

    seed = int(spec.get("seed", 0))
    # A grading cluster keeps no one waiting: pods start at once, and a deleted namespace (every notebook's
    # `lab.reset()`) is cleaned up at once instead of after kube-controller-manager's 5 s grace period. No
    # check observes either delay; the objects and their order are the same.
    cluster = EmbeddedCluster(ClusterConfig(seed=seed, pod_start_seconds=0.0, namespace_deletion_seconds=0.0)).start()
    files = kernel_files(cluster, seed)
    for name, text in files.items():
        write_private(state / name, text)

    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    address, folder = unix_address(spec["socket"])
    try:
        server.bind(address)
    finally:
        if folder is not None:
            os.close(folder)
    os.chmod(spec["socket"], 0o600)
    server.listen(1)
    server.settimeout(120)
    conn, _ = server.accept()
    server.close()
    conn.settimeout(None)
    _send(conn, {"ready": files})
    try:
        for request in _lines(conn):
            op = request.get("op")
            if op == "answers":
                host.answers(request.get("at"), request["data"])
                _send(conn, {"ok": True})
            elif op == "check":
                _send(conn, {"outputs": host.check(str(request["grade_id"]), str(request["source"]), float(request.get("timeout", 120)))})
            elif op == "stop":
                break
            else:
                _send(conn, {"error": f"unknown op {op!r}"})
    finally:
        conn.close()
        cluster.stop()
