"""`kind.up` / `kind.down` / `kind.answers` run against fake docker, kind and kubectl executables.

The fakes only record their argv and print what the real tools print; the code under test is the
same code that runs the real tools."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from kind_fakes import SERVER, FakeTools, user_config
from svclab.cluster import kind

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "kind" / "cluster.yaml"
ALL_IMAGES = ["registry.k8s.io/e2e-test-images/agnhost:2.52", "busybox:1.36.1"]


def prepare(fakes: FakeTools, local_images: list[str] = ALL_IMAGES) -> None:
    """A user kubeconfig with a context of their own; what kind's create leaves there; a local image cache."""
    fakes.kubeconfig.write_text(yaml.safe_dump(user_config(with_kind=False)))
    (fakes.state / "kubeconfig-after-create").write_text(yaml.safe_dump(user_config(current="kind-svclab")))
    (fakes.state / "local-images").write_text("".join(f"{i}\n" for i in local_images))


def planned(fakes: FakeTools) -> list[list[str]]:
    return kind.plan_up(kind.display_path(CONFIG), kind.read_images(kind.default_images_path()), "svclab")


def test_up_runs_the_plan_in_order(fakes: FakeTools) -> None:
    prepare(fakes)
    dest = fakes.root / "copy.kubeconfig"
    plan = kind.up(config_path=CONFIG, dest=dest, runner=fakes.runner())
    assert plan == planned(fakes)
    mutating = [c for c in fakes.calls() if c[:2] not in (["kind", "get"], ["docker", "info"], ["docker", "image"])]
    assert mutating == plan, "up must run exactly the planned commands"
    calls = fakes.calls()
    assert calls.index(["docker", "info"]) < calls.index(plan[0]), "the engine is checked before kind runs"
    assert calls.index(["kind", "get", "clusters"]) < calls.index(plan[0])
    out = fakes.out.getvalue()
    for argv in plan:
        assert f"$ {kind.format_command(argv)}" in out
    assert 'Creating cluster "svclab" ...' in out and "node/svclab-worker2 condition met" in out
    assert f"context kind-svclab ({SERVER})" in out
    assert out.rstrip().endswith(f"export KUBECONFIG={dest}")
    assert yaml.safe_load(dest.read_text())["current-context"] == "kind-svclab"


def test_up_reuses_an_existing_cluster(fakes: FakeTools) -> None:
    prepare(fakes)
    fakes.kubeconfig.write_text(yaml.safe_dump(user_config()))
    (fakes.state / "clusters").write_text("other\nsvclab\n")
    kind.up(config_path=CONFIG, dest=fakes.root / "copy", runner=fakes.runner())
    assert not [c for c in fakes.calls() if c[:3] == ["kind", "create", "cluster"]]
    assert "exists already; reusing it" in fakes.out.getvalue()
    assert [c for c in fakes.calls() if c[:2] == ["kind", "load"]] == planned(fakes)[1:-1]


def test_up_skips_images_missing_from_the_local_cache(fakes: FakeTools) -> None:
    prepare(fakes, local_images=["busybox:1.36.1"])
    kind.up(config_path=CONFIG, dest=fakes.root / "copy", runner=fakes.runner())
    loads = [c for c in fakes.calls() if c[:2] == ["kind", "load"]]
    assert loads == [["kind", "load", "docker-image", "busybox:1.36.1", "--name", "svclab"]]
    assert "skipping registry.k8s.io/e2e-test-images/agnhost:2.52: not in the local docker images" in fakes.out.getvalue()
    assert "docker pull registry.k8s.io/e2e-test-images/agnhost:2.52" in fakes.out.getvalue()


def test_dry_run_prints_the_commands_and_runs_nothing(fakes: FakeTools) -> None:
    plan = kind.up(dry_run=True, config_path=CONFIG, runner=fakes.runner())
    assert fakes.calls() == []
    assert fakes.out.getvalue().splitlines() == [kind.format_command(c) for c in plan]


def test_dry_run_needs_no_tools(fakes: FakeTools) -> None:
    for name in ("docker", "kind", "kubectl"):
        fakes.remove(name)
    assert kind.up(dry_run=True, config_path=CONFIG, runner=fakes.runner()) == planned(fakes)


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("kind", "kind: not found on PATH — install kind v0.31.0"),
        ("kubectl", "kubectl: not found — `make setup` installs it"),
        ("docker", "docker: not found — the kind backend needs Docker or podman; the embedded backend works without it"),
    ],
)
def test_missing_tool_is_a_one_line_error(fakes: FakeTools, missing: str, message: str) -> None:
    prepare(fakes)
    fakes.remove(missing)
    with pytest.raises(kind.KindError) as err:
        kind.up(config_path=CONFIG, runner=fakes.runner())
    assert str(err.value).startswith(message) and "\n" not in str(err.value)
    assert not [c for c in fakes.calls() if c[0] == "kind" and c[1] != "version"]


def test_engine_not_answering(fakes: FakeTools) -> None:
    prepare(fakes)
    (fakes.state / "engine-down").touch()
    with pytest.raises(kind.KindError, match=r"docker: installed but its engine is not answering \(`docker info` failed\)"):
        kind.up(config_path=CONFIG, runner=fakes.runner())
    assert fakes.calls() == [["docker", "info"]]


def test_podman_is_used_when_docker_is_absent(fakes: FakeTools) -> None:
    prepare(fakes)
    (fakes.bin / "docker").rename(fakes.bin / "podman")
    kind.up(config_path=CONFIG, dest=fakes.root / "copy", runner=fakes.runner())
    assert ["podman", "info"] in fakes.calls()
    assert ["podman", "image", "inspect", "busybox:1.36.1"] in fakes.calls()


def test_a_failing_command_stops_up_with_its_exit_code(fakes: FakeTools) -> None:
    prepare(fakes)
    (fakes.state / "create-fails").touch()
    with pytest.raises(kind.KindError) as err:
        kind.up(config_path=CONFIG, runner=fakes.runner())
    assert str(err.value) == f"`{kind.format_command(planned(fakes)[0])}` failed with exit code 1 (its output is above)"
    assert "could not find a log line" in fakes.out.getvalue()
    assert not [c for c in fakes.calls() if c[:2] == ["kind", "load"]]


def test_up_fails_when_kind_wrote_no_context(fakes: FakeTools) -> None:
    prepare(fakes)
    (fakes.state / "kubeconfig-after-create").unlink()
    with pytest.raises(kind.KindError, match="no context kind-svclab in"):
        kind.up(config_path=CONFIG, dest=fakes.root / "copy", runner=fakes.runner())


def test_missing_config_file(fakes: FakeTools) -> None:
    with pytest.raises(kind.KindError, match="kind config not found"):
        kind.up(config_path=fakes.root / "nope.yaml", runner=fakes.runner())


def test_down_deletes_and_removes_the_copy(fakes: FakeTools) -> None:
    prepare(fakes)
    dest = fakes.root / "copy"
    kind.up(config_path=CONFIG, dest=dest, runner=fakes.runner())
    assert dest.exists()
    assert kind.down(dest=dest, runner=fakes.runner()) is True
    assert [c for c in fakes.calls() if c[:2] == ["kind", "delete"]] == kind.plan_down("svclab")
    assert not dest.exists()
    assert kind.down(dest=dest, runner=fakes.runner()) is False
    assert len([c for c in fakes.calls() if c[:2] == ["kind", "delete"]]) == 1


def test_answers_needs_the_context_and_a_ready_apiserver(fakes: FakeTools) -> None:
    runner = fakes.runner()
    assert kind.answers("svclab", runner) is False  # no kubeconfig: kubectl is not even asked
    assert fakes.calls() == []
    fakes.kubeconfig.write_text(yaml.safe_dump(user_config()))
    assert kind.answers("svclab", runner) is False  # context there, API server refuses
    (fakes.state / "apiserver-up").touch()
    assert kind.answers("svclab", runner) is True
    assert fakes.calls()[-1] == ["kubectl", "--context", "kind-svclab", "get", "--raw", "/readyz", "--request-timeout=5s"]


def test_kubectl_next_to_python_is_preferred(fakes: FakeTools) -> None:
    venv_bin = fakes.root / "venv" / "bin"
    venv_bin.mkdir(parents=True)
    (venv_bin / "kubectl").write_text("#!/bin/sh\n")
    (venv_bin / "kubectl").chmod(0o755)
    runner = kind.Runner(env=fakes.env, python_executable=str(venv_bin / "python"))
    assert runner.kubectl() == str(venv_bin / "kubectl")
    assert fakes.runner().kubectl() == str(fakes.bin / "kubectl")
