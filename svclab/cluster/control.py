"""Start, stop and inspect background embedded clusters by their state directory.

`svclab up` runs `up` in a process of its own: this module imports little at the top (the HTTPS check's
modules load with the first `answers`), so the daemon is spawned within milliseconds of the command, and the
daemon says on a pipe when it serves rather than being polled for it; its word is taken without an HTTPS
check of its own (that check is for a cluster some other process started)."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from svclab.cluster.daemonprotocol import EXIT_BUSY, EXIT_UNREADABLE, READY, host_ports_setting


def default_state_dir() -> Path:
    """The state directory of the cluster svclab uses here: the one rule in :mod:`svclab.cluster.locate`."""
    from svclab.cluster.locate import locate

    return locate().state_dir


@dataclass
class ClusterInfo:
    api: str
    dns: str
    pid: int
    name: str
    state_dir: Path

    @property
    def kubeconfig(self) -> Path:
        return self.state_dir / "kubeconfig"


def alive(pid: int) -> bool:
    """Is the process there? (Our own exited child is reaped first, so it does not linger as a zombie.)"""
    try:
        os.waitpid(pid, os.WNOHANG)  # reap it if it is our own exited child
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_info(state_dir: Path) -> ClusterInfo | None:
    path = state_dir / "cluster.json"
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    info = ClusterInfo(data["api"], data["dns"], int(data["pid"]), data.get("name", "svclab"), state_dir)
    return info if alive(info.pid) else None


def answers(info: ClusterInfo, timeout: float = 2.0) -> bool:
    """Does the cluster's API answer /readyz over HTTPS, with its CA and token?"""
    import base64
    import ssl
    import urllib.request

    import yaml

    try:
        token = (info.state_dir / "token").read_text().strip()
        config = yaml.safe_load(info.kubeconfig.read_text())
        ca = base64.b64decode(config["clusters"][0]["cluster"]["certificate-authority-data"]).decode()
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return False
    request = urllib.request.Request(f"{info.api}/readyz", headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=ssl.create_default_context(cadata=ca)) as response:
            return bool(response.status == 200)
    except OSError:
        return False


class StartRefused(RuntimeError):
    """The daemon refused to start; the message is its one line (e.g. the state cannot be read)."""


def up(state_dir: Path, seed: int = 0, pod_start_seconds: float = 1.0, name: str = "svclab", wait_seconds: float = 30.0,
       exit_with_pid: int | None = None, fork: bool = False) -> ClusterInfo:
    """Start a cluster in the background (or return the running one) once it serves. With `exit_with_pid`
    a cluster started now stops when that process ends (svclab.cluster.owner); a running one is kept as it is.

    The daemon is a new interpreter (``python -P -m svclab.cluster.daemon``), or with `fork` a fork of
    this process (`svclab up`: a single-threaded command; the child starts as that interpreter would,
    without its start-up); either way it runs in a session of its own with the state directory's log
    as its output, and takes the state directory's lock itself.

    The daemon locks the state directory, so when several `up` race, one daemon serves and the
    others' daemons exit at once (EXIT_BUSY); every caller then reports the one that serves."""
    state_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(state_dir, 0o700)
    running = read_info(state_dir)
    if running is not None and answers(running):
        return running
    log_path = state_dir / "cluster.log"
    log_path.touch(mode=0o600, exist_ok=True)
    log_start = log_path.stat().st_size
    log = open(log_path, "ab")
    ready_read, ready_write = os.pipe()  # the daemon says on it when it serves (svclab.cluster.daemonprotocol.READY)
    certs_read, certs_write = os.pipe()  # the certificates of a new state directory, made here meanwhile (svclab.cluster.tls)
    args = ["--state-dir", str(state_dir), "--seed", str(seed), "--pod-start-seconds", str(pod_start_seconds), "--name", name,
            "--ready-fd", str(ready_write), "--certs-fd", str(certs_read)]
    if exit_with_pid is not None:
        args += ["--exit-with-pid", str(exit_with_pid)]
    process: subprocess.Popen[bytes] | _Forked
    try:
        if fork and threading.active_count() == 1:
            process = _Forked.start(args, log.fileno(), (ready_read, certs_write))
        else:
            process = subprocess.Popen(
                [sys.executable, "-P", "-m", "svclab.cluster.daemon", *args],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
                pass_fds=(ready_write, certs_read),
            )
    except BaseException:
        os.close(certs_write)
        os.close(ready_read)
        raise
    finally:
        os.close(ready_write)
        os.close(certs_read)
        log.close()
    deadline = time.monotonic() + wait_seconds
    try:
        helper = _hand_certs(state_dir, name, certs_write, fork)  # while the daemon imports the cluster, on another core
        ready = _wait_for_ready(ready_read, READY, deadline)
    finally:
        os.close(ready_read)
    if helper:
        alive(helper)   # reaped (it ended once it had written the certificates)
    if ready:   # our daemon serves: it says so once its API listens and cluster.json names it
        info = read_info(state_dir)
        if info is not None and info.pid == process.pid:
            return info
    lost_race = False
    while time.monotonic() < deadline:
        info = read_info(state_dir)
        if info is not None and (info.pid == process.pid or lost_race) and answers(info):
            return info
        if not lost_race and process.poll() is not None:
            if process.returncode != EXIT_BUSY:
                break
            lost_race = True  # another daemon holds the state directory: report it once it serves
        time.sleep(0.02)
    if process.poll() is None:
        process.kill()
        process.wait()
    said = _log_since(log_path, log_start)
    if process.returncode == EXIT_UNREADABLE:
        lines = [line for line in said.splitlines() if line.strip()]
        raise StartRefused(lines[-1].removeprefix("svclab: ") if lines else f"the state in {state_dir} cannot be read")
    if lost_race:
        raise RuntimeError(f"the state directory {state_dir} is in use by another process that does not answer; see {log_path}")
    raise RuntimeError(f"the embedded cluster did not start; see {log_path}\n{said[-2000:]}")


class _Forked:
    """The daemon as a fork of this process, with what `up` uses of a Popen (pid, poll, kill, wait)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    @classmethod
    def start(cls, args: list[str], log_fd: int, parent_fds: tuple[int, ...]) -> "_Forked":
        for stream in (sys.stdout, sys.stderr):  # nothing buffered here may be written twice
            stream.flush()
        pid = os.fork()
        if pid:
            return cls(pid)
        code = 1
        try:  # the child: as `python -P -m svclab.cluster.daemon ARGS` with stdin /dev/null, output to the log
            os.setsid()
            for fd in parent_fds:   # the parent's ends of the pipes: the daemon must see them close
                os.close(fd)
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            os.close(null)
            os.dup2(log_fd, 1)
            os.dup2(log_fd, 2)
            os.close(log_fd)
            if not sys.flags.safe_path and sys.path:
                del sys.path[0]  # the command's folder or the current one, which -P leaves out
            from svclab.cluster import daemon

            daemon.main(args)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException:
            import traceback

            traceback.print_exc()
        finally:
            for stream in (sys.stdout, sys.stderr):
                try:
                    stream.flush()
                except Exception:  # noqa: BLE001 - exiting anyway
                    pass
            os._exit(code)

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:  # reaped already (see alive): its status is gone
                self.returncode = 0
                return self.returncode
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def wait(self) -> int:
        while self.poll() is None:
            time.sleep(0.01)
        assert self.returncode is not None
        return self.returncode


def _hand_certs(state_dir: Path, name: str, fd: int, fork: bool) -> int:
    """A new state directory's certificates, and the kind config's host-port mappings, written on `fd` for the daemon
    (svclab.cluster.handover); nothing when the directory has its certificates (the daemon reads those, and the
    mappings it kept). With `fork` (`svclab up`, single-threaded) a helper process makes them, so that neither
    importing `cryptography` and PyYAML nor their teardown at exit (tens of milliseconds) is this command's: the
    helper's pid, else 0."""
    from svclab.cluster.handover import send
    from svclab.cluster.tls import CERTS_FILE

    if (state_dir / CERTS_FILE).exists():
        os.close(fd)
        return 0
    host_ports = host_ports_setting()   # as the daemon reads it
    if fork and threading.active_count() == 1:
        pid = os.fork()
        if pid == 0:   # the helper: make, write, and leave without the interpreter's teardown
            try:
                send(fd, name, host_ports)
            finally:
                os._exit(0)
        os.close(fd)
        return pid
    send(fd, name, host_ports)
    return 0


def _wait_for_ready(fd: int, word: bytes, deadline: float) -> bool:
    """Wait until the daemon says it serves (True), or closes the pipe without saying so: it exited,
    e.g. because another daemon serves the state directory (False), or the deadline passes (False)."""
    said = b""
    while (remaining := deadline - time.monotonic()) > 0:
        readable, _, _ = select.select([fd], [], [], remaining)
        if not readable:
            return False
        chunk = os.read(fd, 64)
        if not chunk:
            return False
        said += chunk
        if word in said:
            return True
    return False


def _log_since(path: Path, offset: int) -> str:
    try:
        with open(path, "rb") as handle:
            handle.seek(offset)
            return handle.read().decode(errors="replace")
    except OSError:
        return ""


def down(state_dir: Path, wait_seconds: float = 10.0) -> bool:
    """Stop the cluster of this state directory; True when one was running."""
    info = read_info(state_dir)
    if info is None:
        return False
    os.kill(info.pid, signal.SIGTERM)
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline and alive(info.pid):
        time.sleep(0.02)
    if alive(info.pid):
        os.kill(info.pid, signal.SIGKILL)
    (state_dir / "cluster.json").unlink(missing_ok=True)
    return True
