"""Worker side of the zygote: start it, ask it for processes, and run Jupyter kernels it forks.

`ZygoteClient` speaks the zygote's JSON-lines protocol (`svclab.grading.zygote`). `SandboxKernelManager` is
jupyter_client's kernel manager with one difference: its provisioner does not run a kernel command, it asks
the zygote for a confined, pre-imported kernel (`svclab.grading.sandbox`) with the connection file jupyter
wrote. Everything else — ports, channels, interrupts (SIGINT to the kernel's process group), shutdown — is
jupyter_client's own, so nbclient and nbgrader drive it as any kernel.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner

from svclab.grading import children, sandbox


class ZygoteError(RuntimeError):
    pass


class ZygoteClient:
    def __init__(self, log_path: str | None = None, env: dict[str, str] | None = None) -> None:
        log = open(log_path, "ab") if log_path else subprocess.DEVNULL
        self.process = subprocess.Popen([sys.executable, "-P", "-m", "svclab.grading.zygote"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=log, env=env, close_fds=True)
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        self.replies: dict[int, dict[str, Any]] = {}
        self.exits: dict[int, int] = {}
        self.cpu: dict[int, float] = {}  # CPU seconds each ended child used (with its own children)
        self.next_id = 0
        self.pid: int | None = None
        self.closed = False
        self.reader = threading.Thread(target=self._read, name="zygote-reader", daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            try:
                message = json.loads(raw)
            except ValueError:
                continue
            with self.changed:
                if message.get("event") == "exit":
                    self.exits[int(message["pid"])] = int(message["status"])
                    self.cpu[int(message["pid"])] = float(message.get("cpu", 0.0))
                elif message.get("event") == "ready":
                    self.pid = int(message["pid"])
                else:
                    self.replies[int(message["id"])] = message
                self.changed.notify_all()
        with self.changed:
            self.closed = True
            self.changed.notify_all()

    def wait_ready(self, timeout: float = 120) -> None:
        with self.changed:
            if not self.changed.wait_for(lambda: self.pid is not None or self.closed, timeout):
                raise ZygoteError(f"the grading zygote did not start within {timeout:.0f} s")
            if self.pid is None:
                raise ZygoteError("the grading zygote exited while starting (see the worker's log)")

    def request(self, op: str, timeout: float = 60, **fields: Any) -> int:
        """Fork a child for `op`; its pid."""
        self.wait_ready()
        with self.changed:
            self.next_id += 1
            ident = self.next_id
        assert self.process.stdin is not None
        line = json.dumps({"id": ident, "op": op, **fields}) + "\n"
        with self.lock:
            self.process.stdin.write(line.encode())
            self.process.stdin.flush()
        with self.changed:
            if not self.changed.wait_for(lambda: ident in self.replies or self.closed, timeout):
                raise ZygoteError(f"the grading zygote did not answer a {op} request within {timeout:.0f} s")
            if ident not in self.replies:
                raise ZygoteError("the grading zygote is gone")
            reply = self.replies.pop(ident)
        if "error" in reply:
            raise ZygoteError(f"the zygote could not fork a {op}: {reply['error']}")
        return int(reply["pid"])

    def poll(self, pid: int) -> int | None:
        """The exit status (Popen-style returncode) of a child that ended, else None."""
        with self.lock:
            status = self.exits.get(pid)
            closed = self.closed
        if status is not None:
            return os.waitstatus_to_exitcode(status)
        return -signal.SIGKILL if closed else None

    def wait(self, pid: int, timeout: float | None = None) -> int | None:
        with self.changed:
            self.changed.wait_for(lambda: pid in self.exits or self.closed, timeout)
        return self.poll(pid)

    def forget(self, pid: int) -> float:
        """Drop what is known of an ended child; the CPU seconds it used."""
        with self.lock:
            self.exits.pop(pid, None)
            return self.cpu.pop(pid, 0.0)

    def run(self, op: str, timeout: float = 60, **fields: Any) -> int | None:
        """Fork a short-lived child and wait for it: its returncode."""
        pid = self.request(op, **fields)
        code = self.wait(pid, timeout)
        self.forget(pid)
        return code

    def close(self, timeout: float = 10) -> None:
        """End the zygote: it kills what it forked and exits when its stdin closes (SIGKILL after `timeout`)."""
        children.end(self.process, timeout)


class ZygoteProcess:
    """A zygote child, shaped like the subprocess.Popen that jupyter_client's LocalProvisioner expects."""

    stdin = stdout = stderr = None

    def __init__(self, zygote: ZygoteClient, pid: int) -> None:
        self.zygote = zygote
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self.returncode = self.zygote.poll(self.pid)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int | None:
        if self.returncode is None:
            self.returncode = self.zygote.wait(self.pid, timeout)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


@dataclass
class KernelRequest:
    """What the worker wants of the next kernel: set before nbclient starts it (one kernel at a time per worker)."""

    zygote: ZygoteClient
    spec: sandbox.Spec
    log: str | None = None
    started: list[ZygoteProcess] = field(default_factory=list)


CURRENT: KernelRequest | None = None


class SandboxProvisioner(LocalProvisioner):  # type: ignore[misc]
    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
        request = CURRENT
        if request is None:
            raise RuntimeError("no grading kernel was requested (svclab.grading.kernels.CURRENT is unset)")
        km = self.parent
        with open(km.connection_file) as f:
            connection = f.read()
        spec = sandbox.Spec.from_json(request.spec.to_json())
        spec.files = {**spec.files, "kernel.json": connection}
        spec.copy_from = str(kwargs.get("cwd") or "") or None
        pid = request.zygote.request("kernel", spec=spec.to_json(), log=request.log)
        self.process = ZygoteProcess(request.zygote, pid)
        request.started.append(self.process)
        self.pid = pid
        self.pgid = pid  # the kernel leads its own session (sandbox.confine calls setsid)
        self.cwd = spec.copy_from
        return self.connection_info

    async def wait(self) -> int | None:
        """As LocalProvisioner.wait, polling every 5 ms instead of 100 (the zygote reports the exit at once)."""
        if self.process is None:
            return 0
        while await self.poll() is None:
            await asyncio.sleep(0.005)
        code = self.process.wait()
        self.process = None
        return code


class SandboxKernelManager(AsyncKernelManager):  # type: ignore[misc]
    """A kernel forked by the zygote, confined; otherwise jupyter_client's kernel manager."""

    async def _async_pre_start_kernel(self, **kw: Any) -> Any:
        self.kernel_id = self.kernel_id or kw.pop("kernel_id", None) or str(uuid.uuid4())
        if self.provisioner is None:
            self.provisioner = SandboxProvisioner(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self)
        return await super()._async_pre_start_kernel(**kw)

    async def _async_wait(self, pollinterval: float = 0.005) -> None:  # jupyter_client polls every 100 ms
        await super()._async_wait(pollinterval)


async def wait_ready(kc: Any, timeout: float) -> None:
    """Like KernelClient.wait_for_ready, without its fixed waits: one kernel_info request (queued until the kernel
    listens) and the first IOPub message (ipykernel's welcome to a new subscriber), both awaited as they come."""
    deadline = time.monotonic() + timeout
    msg_id = kc.kernel_info()
    got_reply = got_iopub = False
    while not (got_reply and got_iopub):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the kernel did not answer within {timeout:.0f} s")
        if not got_reply:
            try:
                msg = await kc.get_shell_msg(timeout=0.01)
                got_reply = msg.get("parent_header", {}).get("msg_id") == msg_id or got_reply
                if got_reply:
                    kc._handle_kernel_info_reply(msg)
            except Exception:  # noqa: BLE001 - queue.Empty: not yet
                pass
        if not got_iopub:
            try:
                await kc.get_iopub_msg(timeout=0.01)
                got_iopub = True
            except Exception:  # noqa: BLE001 - queue.Empty: not yet
                pass
        if not await kc.is_alive():
            raise RuntimeError("the kernel died before it answered")


def wait_gone(process: ZygoteProcess, timeout: float = 10) -> None:
    """SIGKILL a zygote child's process group and wait until the zygote has reaped it."""
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        for kill in (os.killpg, os.kill):
            try:
                kill(process.pid, signal.SIGKILL)
            except OSError:
                pass
        process.wait(0.2)
