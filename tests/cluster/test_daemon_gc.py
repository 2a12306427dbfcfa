"""The daemon's garbage collector: off through the imports and the start (its young collections would only delay the
cluster's READY), on again once the cluster serves, and on after a start that failed."""

from __future__ import annotations

import asyncio
import gc
import subprocess
from pathlib import Path

import pytest

from svclab.cluster import daemon
from svclab.cluster.embedded import ClusterConfig, EmbeddedCluster


def test_the_collector_is_off_while_starting_and_on_once_serving(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []
    start = EmbeddedCluster.start_async

    async def starting(self: EmbeddedCluster) -> None:
        seen.append(gc.isenabled())
        await start(self)
        seen.append(gc.isenabled())

    monkeypatch.setattr(EmbeddedCluster, "start_async", starting)
    owner = subprocess.Popen(["sleep", "60"])   # the cluster ends with it (--exit-with-pid)

    async def run() -> bool:
        serving = asyncio.ensure_future(daemon.serve(ClusterConfig(state_dir=tmp_path / "state", pod_start_seconds=0), None, owner.pid))
        while not (tmp_path / "state" / "cluster.json").exists():
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)
        enabled = gc.isenabled()
        owner.kill()
        await serving
        return enabled

    gc.disable()
    try:
        assert asyncio.run(run()) is True
        assert seen == [False, False]
    finally:
        gc.enable()
        owner.kill()
        owner.wait()


def test_a_failed_start_turns_it_back_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async def failing(self: EmbeddedCluster) -> None:
        raise OSError("no port")

    monkeypatch.setattr(EmbeddedCluster, "start_async", failing)
    gc.disable()
    try:
        with pytest.raises(OSError):
            asyncio.run(daemon.serve(ClusterConfig(state_dir=tmp_path / "state")))
        assert gc.isenabled()
    finally:
        gc.enable()
