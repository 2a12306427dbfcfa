"""The one rule for which cluster: SVCLAB_STATE_DIR, then a KUBECONFIG that names an svclab cluster,
then the checkout you are in, then the checkout svclab is installed from, then a per-user default.
Notebooks (the lab session), `svclab status` and `svclab doctor` all follow it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from svclab import doctor
from svclab.cluster import locate as rule
from svclab.cluster.backend import backend_from_env

REPO = Path(__file__).resolve().parents[2]


def fake_checkout(at: Path) -> Path:
    (at / "svclab").mkdir(parents=True)
    (at / "svclab" / "__init__.py").write_text("")
    (at / "pyproject.toml").write_text('[project]\nname = "svclab"\n')
    return at


def fake_state_dir(at: Path) -> Path:
    at.mkdir(parents=True)
    (at / "token").write_text("t\n")
    (at / "kubeconfig").write_text("apiVersion: v1\nkind: Config\n")
    return at


def test_explicit_state_dir_wins(tmp_path: Path) -> None:
    found = rule.locate({"SVCLAB_STATE_DIR": str(tmp_path / "x"), "KUBECONFIG": str(tmp_path / "y")}, REPO)
    assert found == rule.Located(tmp_path / "x", "SVCLAB_STATE_DIR")


def test_a_kubeconfig_of_an_svclab_state_dir_names_that_cluster(tmp_path: Path) -> None:
    state = fake_state_dir(tmp_path / "elsewhere" / ".svclab" / "lab")
    assert rule.locate({"KUBECONFIG": str(state / "kubeconfig")}, REPO) == rule.Located(state, "KUBECONFIG")
    relative = rule.locate({"KUBECONFIG": "elsewhere/.svclab/lab/kubeconfig"}, tmp_path)
    assert relative.state_dir == state and relative.source == "KUBECONFIG"
    (tmp_path / "kind").mkdir()
    (tmp_path / "kind" / "kind-svclab.kubeconfig").write_text("{}")
    assert rule.locate({"KUBECONFIG": f"/nonexistent/config:{tmp_path}/kind/kind-svclab.kubeconfig"}, REPO).state_dir == tmp_path / "kind"


def test_any_other_kubeconfig_leaves_the_choice_to_the_checkout_and_is_reported(tmp_path: Path) -> None:
    (tmp_path / "config").write_text("{}")
    found = rule.locate({"KUBECONFIG": str(tmp_path / "config")}, REPO / "notebooks")
    assert found.state_dir == REPO / ".svclab" / "lab"
    assert found.source == f"the checkout you are in ({REPO})"
    assert found.ignored_kubeconfig == str(tmp_path / "config")


def test_each_checkout_gets_its_own_and_never_another_ones(tmp_path: Path) -> None:
    first, second = fake_checkout(tmp_path / "a" / "svclab"), fake_checkout(tmp_path / "b" / "svclab")
    (first / "notebooks").mkdir()
    assert rule.locate({}, first / "notebooks").state_dir == first / ".svclab" / "lab"
    assert rule.locate({}, second).state_dir == second / ".svclab" / "lab"
    # the folder that holds a clone is not a checkout: the rule goes on to the package's own checkout
    assert rule.locate({}, tmp_path / "a").state_dir == REPO / ".svclab" / "lab"


def test_an_installed_svclab_outside_any_checkout_uses_a_per_user_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rule, "package_checkout", lambda: None)
    found = rule.locate({"HOME": str(tmp_path)}, tmp_path)
    assert found.state_dir == tmp_path / ".local" / "state" / "svclab" / "default"
    assert found.source == "the per-user default (svclab installed outside a checkout)"
    assert rule.locate({"HOME": str(tmp_path), "XDG_STATE_HOME": str(tmp_path / "xdg")}, tmp_path).state_dir == tmp_path / "xdg" / "svclab" / "default"


def test_notebooks_status_and_doctor_follow_the_same_rule(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    checkout = fake_checkout(tmp_path / "clone")
    monkeypatch.chdir(checkout)
    for name in ("SVCLAB_STATE_DIR", "KUBECONFIG"):
        monkeypatch.delenv(name, raising=False)
    want = checkout / ".svclab" / "lab"
    assert backend_from_env({}).kubeconfig() == want / "kubeconfig"  # what lab.connect() opens
    report = doctor.diagnose(env={"PATH": ""}, cwd=checkout)
    embedded = next(c for c in report.checks if c.name == "embedded cluster")
    assert f"not running in {want}" in embedded.detail and f"chosen by the checkout you are in ({checkout})" in embedded.detail
    env = {k: v for k, v in os.environ.items() if k not in ("SVCLAB_STATE_DIR", "KUBECONFIG")}
    status = subprocess.run([str(Path(sys.executable).parent / "svclab"), "status"], cwd=checkout, env=env, capture_output=True, text=True)
    assert status.returncode == 1
    assert status.stdout.strip() == f"no svclab cluster is running in {want} (chosen by the checkout you are in ({checkout}))"
    shutil.rmtree(checkout / "svclab")  # no longer a checkout
    assert not rule.is_checkout(checkout)


def test_doctor_checks_the_port_make_lab_uses(tmp_path: Path) -> None:
    import socket

    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        check = doctor.check_lab_port({"LAB_PORT": str(port)}, tmp_path)
        assert not check.ok and check.detail.startswith(f"{port} is in use")
    assert doctor.check_lab_port({"LAB_PORT": str(port)}, tmp_path).detail == f"{port} is free for JupyterLab"
