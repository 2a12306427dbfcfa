"""`svclab doctor` with a controlled PATH of fake executables."""

from __future__ import annotations

import json
import socket
import sys
from pathlib import Path

import pytest
import yaml

from kind_fakes import FakeTools, user_config
from svclab import doctor


def report(fakes: FakeTools, **env: str) -> doctor.Report:
    return doctor.diagnose(
        env={**fakes.env, **env},
        python_executable=str(fakes.root / "no-venv" / "python"),
        python_version=(3, 11, 9),
        state_dir=fakes.root / "embedded-state",
    )


def by_name(rep: doctor.Report) -> dict[str, doctor.Check]:
    return {c.name: c for c in rep.checks}


def test_everything_present_and_kind_chosen(fakes: FakeTools) -> None:
    fakes.kubeconfig.write_text(yaml.safe_dump(user_config()))
    (fakes.state / "apiserver-up").touch()
    rep = report(fakes, SVCLAB_BACKEND="kind")
    checks = by_name(rep)
    assert rep.backend == "kind" and rep.can_run, rep.render()
    assert checks["kubectl"].detail == f"{fakes.bin / 'kubectl'} (client v1.35.0)"
    assert checks["docker"].ok and "engine answering" in checks["docker"].detail
    assert checks["kind"].detail == f"{fakes.bin / 'kind'} (v0.31.0)"
    assert checks["kind cluster"].ok and "context kind-svclab answers at https://127.0.0.1:41234" in checks["kind cluster"].detail
    assert checks["backend"].detail == "kind (SVCLAB_BACKEND=kind)"
    assert rep.render().splitlines()[-1] == "the kind backend can run here"


def test_no_docker_no_kind_blocks_kind_but_not_embedded(fakes: FakeTools) -> None:
    fakes.remove("docker")
    fakes.remove("kind")
    kind_rep = report(fakes, SVCLAB_BACKEND="kind")
    assert not kind_rep.can_run
    assert [c.name for c in kind_rep.blocking] == ["docker", "kind"]
    text = kind_rep.render()
    assert "✗ docker:" in text
    assert "not found — the kind backend needs Docker or podman; the embedded backend works without it" in text
    assert text.splitlines()[-1] == "the kind backend cannot run here: fix docker, kind"
    embedded = report(fakes)
    assert embedded.backend == "embedded" and embedded.can_run
    assert by_name(embedded)["backend"].detail == "embedded (the default; SVCLAB_BACKEND=kind picks kind)"
    assert "kind cluster" not in by_name(embedded)  # kind is not installed and not chosen


def test_docker_installed_but_engine_down(fakes: FakeTools) -> None:
    (fakes.state / "engine-down").touch()
    check = by_name(report(fakes, SVCLAB_BACKEND="kind"))["docker"]
    assert not check.ok
    assert check.detail.startswith(f"{fakes.bin / 'docker'} found, but its engine is not answering (`docker info` exit code 1)")


def test_podman_counts_as_an_engine(fakes: FakeTools) -> None:
    (fakes.bin / "docker").rename(fakes.bin / "podman")
    check = by_name(report(fakes))["podman"]
    assert check.ok and check.detail.startswith(str(fakes.bin / "podman"))


def test_kubectl_missing_blocks_every_backend(fakes: FakeTools) -> None:
    fakes.remove("kubectl")
    rep = report(fakes)
    assert not rep.can_run and [c.name for c in rep.blocking] == ["kubectl"]


def test_kubectl_skew_and_kind_version_are_noted(fakes: FakeTools) -> None:
    checks = by_name(report(fakes, FAKE_KUBECTL_MINOR="31", FAKE_KIND_VERSION="v0.29.0"))
    assert "outside kubectl's ±1 minor version skew with Kubernetes v1.35.0" in checks["kubectl"].detail
    assert checks["kind"].detail.endswith("(v0.29.0; svclab is tested with v0.31.0)")


def test_wrong_python(fakes: FakeTools) -> None:
    rep = doctor.diagnose(env=fakes.env, python_executable="/usr/bin/python3.12", python_version=(3, 12, 1), state_dir=fakes.root)
    check = by_name(rep)["python"]
    assert not check.ok and "svclab needs Python 3.11" in check.detail
    assert not rep.can_run


def test_invalid_backend(fakes: FakeTools) -> None:
    rep = report(fakes, SVCLAB_BACKEND="minikube")
    assert rep.backend is None and not rep.can_run
    assert "SVCLAB_BACKEND='minikube' is not a backend; use one of: embedded, kind" in rep.render()


def test_lab_port_in_use_and_free(fakes: FakeTools) -> None:
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        check = by_name(report(fakes, LAB_PORT=str(port)))["lab port"]
        assert not check.ok and check.detail.startswith(f"{port} is in use")
    assert by_name(report(fakes, LAB_PORT=str(port)))["lab port"].detail == f"{port} is free for JupyterLab"
    assert not by_name(report(fakes, LAB_PORT="eighty"))["lab port"].ok
    # the port is for JupyterLab, not a backend: it is shown but does not decide the exit code
    assert by_name(report(fakes, LAB_PORT="eighty"))["lab port"].needed_by == ()


def test_kind_cluster_context_present_but_down(fakes: FakeTools) -> None:
    fakes.kubeconfig.write_text(yaml.safe_dump(user_config()))
    check = by_name(report(fakes, SVCLAB_BACKEND="kind"))["kind cluster"]
    assert not check.ok and "does not answer — `svclab kind up` starts it again" in check.detail


def test_embedded_cluster_running_is_reported(tmp_path: Path) -> None:
    from svclab.cluster import control

    state = tmp_path / "embedded"
    assert "not running in" in doctor.check_embedded(state).detail
    info = control.up(state, pod_start_seconds=0)
    try:
        check = doctor.check_embedded(state)
        assert check.ok and check.detail == f"running: API {info.api}, kubeconfig {state / 'kubeconfig'} (chosen by --state-dir; README: 'Which cluster')"
    finally:
        control.down(state)
    assert not doctor.check_embedded(state).ok


def test_json_report(fakes: FakeTools) -> None:
    fakes.remove("docker")
    data = json.loads(report(fakes, SVCLAB_BACKEND="kind").to_json())
    assert data["backend"] == "kind" and data["can_run"] is False
    docker = next(c for c in data["checks"] if c["name"] == "docker")
    assert docker == {"name": "docker", "ok": False, "detail": docker["detail"], "needed_by": ["kind"]}


def test_render_is_aligned(fakes: FakeTools) -> None:
    rep = report(fakes)
    lines = rep.render().splitlines()
    assert len(lines) == len(rep.checks) + 1
    starts = {line.index(check.detail) for line, check in zip(lines, rep.checks)}
    assert len(starts) == 1, lines
    assert [line[0] for line in lines[:-1]] == ["✓" if c.ok else "✗" for c in rep.checks]
    assert all(line[2:].startswith(check.name + ":") for line, check in zip(lines, rep.checks))


def test_real_python_is_311() -> None:
    assert doctor.check_python(tuple(sys.version_info[:3]), sys.executable).ok


@pytest.mark.parametrize("version", [(3, 10, 12), (3, 12, 0)])
def test_other_pythons_fail(version: tuple[int, int, int]) -> None:
    assert not doctor.check_python(version, "python3").ok
