"""Kill the cluster mid-lesson: the next lab call brings it back, with everything applied so far."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from svclab import lab
from svclab.cluster import control


def test_the_facade_reconnects_after_the_cluster_is_killed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    state = tmp_path / "lab"
    monkeypatch.delenv("SVCLAB_FRESH", raising=False)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.setenv("SVCLAB_BACKEND", "embedded")
    monkeypatch.setenv("SVCLAB_STATE_DIR", str(state))
    try:
        session = lab.connect("crash", fresh=True)
        assert session.backend == "embedded" and session.embedded is None
        lab.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "kept"}, "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}})
        ip = lab.services().loc[0, "cluster_ip"]
        time.sleep(0.5)  # state reaches the disk within 0.2 s of a change
        pid = json.loads((state / "cluster.json").read_text())["pid"]
        os.kill(pid, signal.SIGKILL)
        time.sleep(0.2)
        session.checked_at = 0  # as if two seconds had passed
        services = lab.services()
        assert list(services["name"]) == ["kept"] and services.loc[0, "cluster_ip"] == ip
        assert json.loads((state / "cluster.json").read_text())["pid"] != pid
    finally:
        lab.session().close()
        control.down(state)
