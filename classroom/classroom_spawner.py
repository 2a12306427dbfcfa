"""`ClassroomSpawner`: JupyterHub's LocalProcessSpawner (each user's server runs as that system user) with
`mem_limit` enforced by a memory cgroup per user (see memory_cgroup.py)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from jupyterhub.spawner import LocalProcessSpawner
from traitlets import Bool

import memory_cgroup


class ClassroomSpawner(LocalProcessSpawner):  # type: ignore[misc]
    require_memory_limit = Bool(
        True,
        help="Refuse to start a server whose memory limit cannot be enforced (no writable memory cgroup), "
        "rather than run it unbounded.",
    ).tag(config=True)

    cgroup: memory_cgroup.UserCgroup | None = None

    def _hierarchy(self) -> memory_cgroup.Hierarchy | None:
        hierarchy = memory_cgroup.memory_hierarchy()
        if hierarchy is None or not os.access(hierarchy.own, os.W_OK):
            return None
        return hierarchy

    async def start(self) -> Any:
        self.cgroup = None
        if self.mem_limit:
            hierarchy = self._hierarchy()
            if hierarchy is not None:
                self.cgroup = memory_cgroup.UserCgroup.create(hierarchy, self.user.name, int(self.mem_limit))
                self.log.info("Memory limit for %s: %d bytes (cgroup %s)", self.user.name, int(self.mem_limit), self.cgroup.path)
            elif self.require_memory_limit:
                raise RuntimeError(
                    f"cannot enforce a memory limit for {self.user.name}: no writable memory cgroup for this hub "
                    "(run it as root; under systemd set Delegate=yes), or set ClassroomSpawner.require_memory_limit = False"
                )
            else:
                self.log.warning("Memory limit for %s is not enforced: no writable memory cgroup", self.user.name)
        return await super().start()

    def make_preexec_fn(self, name: str) -> Callable[[], None]:
        become_user = super().make_preexec_fn(name)
        group = self.cgroup

        def preexec() -> None:  # in the child, still root: join the learner's cgroup, then drop to the user
            if group is not None:
                group.join()
            become_user()

        return preexec

    async def stop(self, now: bool = False) -> None:
        await super().stop(now=now)
        group = self.cgroup or self._known_cgroup()
        if group is not None:
            group.kill_all()
            self.cgroup = None

    def _known_cgroup(self) -> memory_cgroup.UserCgroup | None:
        """After a hub restart the spawner object is new: find the user's cgroup from the hierarchy."""
        hierarchy = self._hierarchy()
        if hierarchy is None:
            return None
        path = hierarchy.users / self.user.name
        return memory_cgroup.UserCgroup(path, hierarchy.version) if path.exists() else None
