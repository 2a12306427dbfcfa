"""One memory cgroup per learner: the kernel enforces `Spawner.mem_limit` on everything the learner runs.

JupyterHub's LocalProcessSpawner only passes `MEM_LIMIT` on as an environment variable. A learner's server,
its kernels and the embedded clusters they start are all children of one process, so putting that process in
a cgroup of its own before it runs (children inherit the cgroup) bounds all of them together: past the limit
the kernel's OOM killer ends the largest process *of that learner* (usually the runaway kernel), never the
hub or another learner's server. When the server stops, whatever the learner left behind in the cgroup is
killed and the cgroup removed, so a stopped or culled learner holds no memory at all.

Both cgroup interfaces are handled (kernel documentation, admin-guide/cgroup-v1/memory.rst and
admin-guide/cgroup-v2.rst): v1 (`memory.limit_in_bytes`, and `memory.memsw.limit_in_bytes` where swap is
accounted) and v2 (`memory.max`, `memory.swap.max`). Learners' cgroups live under the hub's own cgroup
(`<hub cgroup>/svclab-users/<name>`), so a hub run by systemd needs `Delegate=yes` on its unit; on v2 the hub
first moves itself into a leaf `<hub cgroup>/hub` (the "no internal processes" rule).
"""

from __future__ import annotations

import errno
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

USERS = "svclab-users"


@dataclass(frozen=True)
class Hierarchy:
    """The mounted cgroup hierarchy that has the memory controller, and this process's place in it."""

    mount: Path
    version: int  # 1 or 2
    own: Path  # this process's cgroup directory

    @property
    def users(self) -> Path:
        return self.own / USERS


def _mounts() -> list[tuple[Path, str, set[str]]]:
    found = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        left, _, right = line.partition(" - ")
        fields, tail = left.split(), right.split()
        if len(tail) >= 3 and tail[0] in ("cgroup", "cgroup2"):
            found.append((Path(fields[4]), tail[0], set(tail[2].split(","))))
    return found


def memory_hierarchy() -> Hierarchy | None:
    """Where memory limits can be set from this process, or None (no memory controller mounted)."""
    membership = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        membership[controllers] = path.lstrip("/")
    for mount, kind, options in _mounts():
        if kind == "cgroup" and "memory" in options:
            path = next((p for c, p in membership.items() if "memory" in c.split(",")), None)
            if path is not None:
                return Hierarchy(mount, 1, mount / path)
    for mount, kind, _ in _mounts():
        if kind == "cgroup2" and "memory" in (mount / "cgroup.controllers").read_text().split():
            return Hierarchy(mount, 2, mount / membership.get("", ""))
    return None


def _write(path: Path, value: str) -> None:
    with open(path, "w") as f:  # one write(2): cgroup files take one value per write
        f.write(value)


def _enable_memory_v2(hierarchy: Hierarchy) -> None:
    """v2: memory must be enabled in the subtree_control of every ancestor of a limited cgroup, and a cgroup
    with controllers enabled for its children may hold no processes itself: move ours into a leaf first."""
    own = hierarchy.own
    if "memory" in (own / "cgroup.subtree_control").read_text().split():
        return
    if own != hierarchy.mount:
        leaf = own / "hub"
        leaf.mkdir(exist_ok=True)
        for pid in (own / "cgroup.procs").read_text().split():
            try:
                _write(leaf / "cgroup.procs", pid)
            except ProcessLookupError:
                pass
    _write(own / "cgroup.subtree_control", "+memory")


def prepare(hierarchy: Hierarchy) -> None:
    """Create the parent of the learners' cgroups (once per hub)."""
    if hierarchy.version == 2:
        _enable_memory_v2(hierarchy)
    hierarchy.users.mkdir(exist_ok=True)
    if hierarchy.version == 2:
        _write(hierarchy.users / "cgroup.subtree_control", "+memory")


@dataclass(frozen=True)
class UserCgroup:
    path: Path
    version: int

    @classmethod
    def create(cls, hierarchy: Hierarchy, name: str, limit_bytes: int) -> "UserCgroup":
        prepare(hierarchy)
        group = cls(hierarchy.users / name, hierarchy.version)
        group.kill_all()  # a previous server of this user that was not stopped cleanly
        group.path.mkdir(exist_ok=True)
        group.set_limit(limit_bytes)
        return group

    def set_limit(self, limit_bytes: int) -> None:
        if self.version == 2:
            _write(self.path / "memory.max", str(limit_bytes))
            if (self.path / "memory.swap.max").exists():
                _write(self.path / "memory.swap.max", "0")
            return
        _write(self.path / "memory.limit_in_bytes", str(limit_bytes))
        memsw = self.path / "memory.memsw.limit_in_bytes"
        if memsw.exists():  # swap accounted: memory + swap bounded by the same number (no swapping past it)
            _write(memsw, str(limit_bytes))

    def limit(self) -> int:
        text = (self.path / ("memory.max" if self.version == 2 else "memory.limit_in_bytes")).read_text().strip()
        return -1 if text == "max" else int(text)

    def join(self, pid: int = 0) -> None:
        """Put a process (0: the calling one) in this cgroup; its future children follow it."""
        _write(self.path / "cgroup.procs", str(pid or os.getpid()))

    def pids(self) -> list[int]:
        try:
            return [int(p) for p in (self.path / "cgroup.procs").read_text().split()]
        except FileNotFoundError:
            return []

    def oom_kills(self) -> int:
        """How many processes the kernel's OOM killer ended in this cgroup."""
        text = (self.path / ("memory.events" if self.version == 2 else "memory.oom_control")).read_text()
        for line in text.splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill":
                return int(value)
        return 0

    def kill_all(self, wait_seconds: float = 5.0) -> None:
        """SIGKILL whatever is left in the cgroup (a daemon the learner started by hand, a stuck kernel),
        then remove it."""
        if not self.path.exists():
            return
        deadline = time.monotonic() + wait_seconds
        while True:
            pids = self.pids()
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            try:
                self.path.rmdir()
                return
            except OSError as err:  # EBUSY while the killed processes are still being torn down
                if err.errno != errno.EBUSY or time.monotonic() > deadline:
                    raise
            time.sleep(0.05)
