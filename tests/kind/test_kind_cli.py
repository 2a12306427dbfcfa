"""`svclab kind up --dry-run`, `svclab kind up|down` and `svclab doctor` as a learner runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from kind_fakes import FakeTools, user_config
from svclab.cli import main
from svclab.cluster import kind

REPO = Path(__file__).resolve().parents[2]


def svclab(*args: str, env: dict[str, str], cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "svclab.cli", *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=60)


def test_kind_up_dry_run_prints_the_exact_commands(fakes: FakeTools) -> None:
    result = svclab("kind", "up", "--dry-run", env=fakes.env)
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout.splitlines() == [
        "kind create cluster --name svclab --config kind/cluster.yaml --wait 120s",
        "kind load docker-image registry.k8s.io/e2e-test-images/agnhost:2.52 --name svclab",
        "kind load docker-image busybox:1.36.1 --name svclab",
        "kubectl --context kind-svclab wait --for=condition=Ready nodes --all --timeout=120s",
    ]
    assert fakes.calls() == []


def test_dry_run_from_elsewhere_uses_the_absolute_config_path(fakes: FakeTools, tmp_path: Path) -> None:
    result = svclab("kind", "up", "--dry-run", "--name", "demo", env=fakes.env, cwd=tmp_path)
    first = result.stdout.splitlines()[0]
    assert first == f"kind create cluster --name demo --config {REPO / 'kind' / 'cluster.yaml'} --wait 120s"


def test_kind_up_without_kind_is_one_line_on_stderr(fakes: FakeTools) -> None:
    fakes.remove("kind")
    result = svclab("kind", "up", env=fakes.env)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith("svclab: kind: not found on PATH") and result.stderr.count("\n") == 1


def test_kind_up_and_down_with_fakes(fakes: FakeTools, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """In-process, so this Python can pretend to live where no kubectl sits beside it."""
    fakes.kubeconfig.write_text(yaml.safe_dump(user_config(with_kind=False)))
    (fakes.state / "kubeconfig-after-create").write_text(yaml.safe_dump(user_config()))
    for key, value in fakes.env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(sys, "executable", str(fakes.root / "no-venv" / "python"))
    monkeypatch.chdir(REPO)
    state = fakes.root / "st"
    assert main(["kind", "up", "--state-dir", str(state)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert "$ kind create cluster --name svclab --config kind/cluster.yaml --wait 120s" in out
    assert out.rstrip().endswith(f"export KUBECONFIG={state / 'kind-svclab.kubeconfig'}")
    assert (state / "kind-svclab.kubeconfig").exists()
    assert main(["kind", "down", "--state-dir", str(state)]) == 0
    assert capsys.readouterr().out.rstrip().endswith("kind cluster 'svclab' deleted")
    assert not (state / "kind-svclab.kubeconfig").exists()
    assert main(["kind", "down"]) == 0
    assert capsys.readouterr().out.strip() == "no kind cluster named 'svclab'"
    fakes.remove("docker")
    assert main(["kind", "up"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("svclab: docker: not found — the kind backend needs Docker or podman")


def test_doctor_exit_codes_and_json(fakes: FakeTools) -> None:
    fakes.remove("docker")
    env = {**fakes.env, "SVCLAB_BACKEND": "kind"}
    result = svclab("doctor", env=env)
    assert result.returncode == 1 and result.stderr == ""
    assert "✗ docker" in result.stdout
    ok = svclab("doctor", "--json", env={**fakes.env, "SVCLAB_BACKEND": "embedded"})
    data = json.loads(ok.stdout)
    assert data["backend"] == "embedded" and data["can_run"] is True and ok.returncode == 0


def test_existing_subcommands_are_still_there() -> None:
    from svclab.cli import build_parser

    parser = build_parser()
    for argv in (["up"], ["down"], ["status"], ["env"], ["kind", "up"], ["kind", "down"], ["doctor"]):
        assert callable(parser.parse_args(argv).func)
    assert kind.DEFAULT_NAME == parser.parse_args(["kind", "up"]).name
