"""Idle culling, for real: the recipe's jupyterhub-idle-culler service (here with a short timeout) stops a
learner's idle server, and with it her kernel, the embedded cluster her notebook started and her cgroup."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.classroom.hub import (Browser, Hub, SystemUsers, by_role, cluster_pid, gone, requirements, running_hub, server_cgroup,
                                 server_python, wait_for)

CULL_TIMEOUT = 20  # seconds idle; the recipe's default is 3600

why_not = requirements()
pytestmark = pytest.mark.skipif(why_not is not None, reason=why_not or "")


@pytest.fixture(scope="module")
def hub(place: Path, users: tuple[SystemUsers, dict[str, str]]) -> Iterator[Hub]:
    _, roster = users
    with running_hub(place / "srv", roster, SVCLAB_SERVER_PYTHON=server_python(place), SVCLAB_CULL_TIMEOUT=str(CULL_TIMEOUT),
                     SVCLAB_CULL_EVERY="5", SVCLAB_LAST_ACTIVITY_INTERVAL="5") as running:
        yield running


def test_the_culler_stops_an_idle_server_and_everything_it_started(hub: Hub, users: tuple[SystemUsers, dict[str, str]]) -> None:
    accounts, roster = users
    alice = Browser(hub, by_role(roster, "learner")[0])
    alice.login()
    alice.start_server()
    kernel = alice.start_kernel()
    ran = alice.execute(kernel, "from svclab import lab\nlab.connect()\nprint('connected')")
    assert ran["status"] == "ok" and "connected" in ran["stdout"], ran
    daemon = cluster_pid(accounts.homes / alice.name)
    server = alice.server_pid()
    group = server_cgroup(server)
    assert not gone(daemon) and daemon in group.pids()

    # Alice goes idle. Nobody stops her server but the culler.
    wait_for("the idle culler to stop Alice's server", lambda: "" not in alice.hub_api("GET", f"/users/{alice.name}").json().get("servers", {}),
             seconds=CULL_TIMEOUT + 120, every=1)
    assert f"DELETE /hub/api/users/{alice.name}/server (idle-culler@" in hub.log.read_text(), "the culler service stopped it"
    assert wait_for("her server process to end", lambda: gone(server), seconds=60)
    assert wait_for("her cluster to end with her server", lambda: gone(daemon), seconds=60)
    assert not group.path.exists(), "her cgroup is gone: a culled learner holds no memory"
