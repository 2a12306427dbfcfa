"""One process serves a state directory: a POSIX record lock on ``<state dir>/lock`` (mode 0600).

The lock is taken before the state database is opened and held until the cluster stops; the kernel
drops it when the process dies, so a ``kill -9`` never leaves a stale lock behind. POSIX locks are
per process and not inherited by forked children, so a child that outlives the daemon cannot keep
the directory locked; within one process, a table of held directories refuses a second cluster.
The file holds the holder's pid, for the message a refused process gives. (Never open the lock file
in the process that holds it: closing any descriptor of it drops a POSIX lock.)
"""

from __future__ import annotations

import fcntl
import os
import threading
from pathlib import Path

LOCK_FILE = "lock"

_held: set[str] = set()
_held_guard = threading.Lock()


class StateDirBusy(RuntimeError):
    """Another process (or another cluster in this one) serves the state directory."""

    def __init__(self, state_dir: Path, pid: int | None) -> None:
        self.state_dir = state_dir
        self.pid = pid
        holder = f"pid {pid}" if pid else "another process"
        super().__init__(f"the state directory {state_dir} is in use by {holder}")


class StateLock:
    def __init__(self, state_dir: Path, fd: int, key: str) -> None:
        self.state_dir = state_dir
        self._fd: int | None = fd
        self._key = key

    @classmethod
    def acquire(cls, state_dir: Path) -> "StateLock":
        """Lock ``state_dir`` for this process, or raise StateDirBusy naming the holder."""
        state_dir.mkdir(parents=True, exist_ok=True)
        key = str(state_dir.resolve())
        with _held_guard:
            if key in _held:
                raise StateDirBusy(state_dir, os.getpid())
            fd = os.open(state_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                pid = _read_pid(fd)
                os.close(fd)
                raise StateDirBusy(state_dir, pid) from None
            os.fchmod(fd, 0o600)
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
            _held.add(key)
        return cls(state_dir, fd, key)

    def release(self) -> None:
        with _held_guard:
            if self._fd is None:
                return
            os.close(self._fd)  # closing the only descriptor drops the POSIX lock
            self._fd = None
            _held.discard(self._key)


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode(errors="replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None
