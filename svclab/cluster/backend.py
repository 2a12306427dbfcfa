"""The one small protocol both clusters implement, so lessons and grading do not care which one runs."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol, runtime_checkable

from svclab.cluster import control, kind, owner

BACKENDS = ("embedded", "kind")


@runtime_checkable
class ClusterBackend(Protocol):
    name: str  # "embedded" | "kind"

    def kubeconfig(self) -> Path: ...

    def context(self) -> str | None:  # None = the kubeconfig's current-context
        ...

    def is_running(self) -> bool: ...

    def ensure_running(self) -> None:  # start it when absent
        ...


class EmbeddedBackend:
    """The in-process emulation, run in the background by :mod:`svclab.cluster.control`."""

    name = "embedded"

    def __init__(self, state_dir: Path | None = None, exit_with_pid: int | None = None) -> None:
        self.state_dir = state_dir if state_dir is not None else control.default_state_dir()
        self.exit_with_pid = exit_with_pid  # a cluster this backend starts ends with that process

    def kubeconfig(self) -> Path:
        return self.state_dir / "kubeconfig"

    def context(self) -> str | None:
        return None

    def is_running(self) -> bool:
        info = control.read_info(self.state_dir)
        return info is not None and control.answers(info)

    def ensure_running(self) -> None:
        control.up(self.state_dir, exit_with_pid=self.exit_with_pid)

    def __repr__(self) -> str:
        return f"EmbeddedBackend(state_dir={str(self.state_dir)!r})"


class KindBackend:
    """A kind cluster; ``kubeconfig()`` is svclab's one-context copy of kind's ``kind-<name>`` context."""

    name = "kind"

    def __init__(self, name: str = kind.DEFAULT_NAME, state_dir: Path | None = None, runner: kind.Runner | None = None) -> None:
        self.cluster_name = name
        self.runner = runner or kind.Runner()
        self.state_dir = state_dir if state_dir is not None else kind.state_dir_from_env(self.runner.env)

    def kubeconfig(self) -> Path:
        return self.state_dir / f"{kind.context_name(self.cluster_name)}.kubeconfig"

    def context(self) -> str | None:
        return kind.context_name(self.cluster_name)

    def is_running(self) -> bool:
        return kind.answers(self.cluster_name, self.runner)

    def ensure_running(self) -> None:
        """Refresh svclab's copy of the context when the cluster answers, else create it (``kind up``)."""
        if self.is_running():
            kind.select_context(self.cluster_name, self.kubeconfig(), self.runner.env)
        else:
            kind.up(name=self.cluster_name, dest=self.kubeconfig(), runner=self.runner)

    def __repr__(self) -> str:
        return f"KindBackend(name={self.cluster_name!r}, state_dir={str(self.state_dir)!r})"


def chosen_backend_name(env: Mapping[str, str] | None = None) -> str:
    """``$SVCLAB_BACKEND`` (default ``embedded``); a RuntimeError names the accepted values."""
    env = os.environ if env is None else env
    value = env.get("SVCLAB_BACKEND", "").strip().lower() or "embedded"
    if value not in BACKENDS:
        raise RuntimeError(f"SVCLAB_BACKEND={env.get('SVCLAB_BACKEND')!r} is not a backend; use one of: {', '.join(BACKENDS)}")
    return value


def backend_from_env(env: Mapping[str, str] | None = None) -> ClusterBackend:
    """The backend ``$SVCLAB_BACKEND`` names, with its state in ``$SVCLAB_STATE_DIR``."""
    env = dict(os.environ if env is None else env)
    state_dir = kind.state_dir_from_env(env)
    if chosen_backend_name(env) == "kind":
        return KindBackend(state_dir=state_dir, runner=kind.Runner(env=env))
    return EmbeddedBackend(state_dir, exit_with_pid=owner.owner_pid(env))
