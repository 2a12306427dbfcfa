"""The ClusterBackend protocol, its two implementations, and `backend_from_env`."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from kind_fakes import SERVER, FakeTools, user_config
from svclab.cluster import control, kind
from svclab.cluster.backend import ClusterBackend, EmbeddedBackend, KindBackend, backend_from_env


def test_default_is_embedded_in_the_state_dir(tmp_path: Path) -> None:
    backend = backend_from_env({"SVCLAB_STATE_DIR": str(tmp_path), "HOME": str(tmp_path)})
    assert isinstance(backend, EmbeddedBackend) and isinstance(backend, ClusterBackend)
    assert backend.name == "embedded"
    assert backend.kubeconfig() == tmp_path / "kubeconfig"
    assert backend.context() is None


def test_state_dir_defaults_like_control(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from svclab.cluster import locate

    monkeypatch.chdir(tmp_path)  # outside any checkout, and svclab as if installed from a wheel: the per-user default
    monkeypatch.setattr(locate, "package_checkout", lambda: None)
    backend = backend_from_env({"HOME": str(tmp_path), "SVCLAB_BACKEND": "embedded"})
    assert isinstance(backend, EmbeddedBackend)
    assert backend.state_dir == tmp_path / ".local" / "state" / "svclab" / "default"
    backend = backend_from_env({"HOME": str(tmp_path), "XDG_STATE_HOME": str(tmp_path / "xdg")})
    assert isinstance(backend, EmbeddedBackend) and backend.state_dir == tmp_path / "xdg" / "svclab" / "default"


@pytest.mark.parametrize("value", ["kind", "KIND", " kind "])
def test_kind_backend(tmp_path: Path, value: str) -> None:
    backend = backend_from_env({"SVCLAB_BACKEND": value, "SVCLAB_STATE_DIR": str(tmp_path)})
    assert isinstance(backend, KindBackend) and isinstance(backend, ClusterBackend)
    assert backend.name == "kind" and backend.cluster_name == "svclab"
    assert backend.context() == "kind-svclab"
    assert backend.kubeconfig() == tmp_path / "kind-svclab.kubeconfig"


def test_unknown_backend_is_refused() -> None:
    with pytest.raises(RuntimeError, match="SVCLAB_BACKEND='docker' is not a backend; use one of: embedded, kind"):
        backend_from_env({"SVCLAB_BACKEND": "docker"})


def test_embedded_backend_starts_and_answers(tmp_path: Path) -> None:
    backend = EmbeddedBackend(tmp_path / "state")
    assert not backend.is_running()
    try:
        backend.ensure_running()
        assert backend.is_running()
        config = yaml.safe_load(backend.kubeconfig().read_text())
        assert config["current-context"] == "svclab"
        pid = control.read_info(backend.state_dir)
        backend.ensure_running()  # idempotent: the same cluster keeps running
        assert control.read_info(backend.state_dir) == pid
    finally:
        control.down(tmp_path / "state")
    assert not backend.is_running()


def test_kind_backend_creates_when_absent(fakes: FakeTools) -> None:
    fakes.kubeconfig.write_text(yaml.safe_dump(user_config(with_kind=False)))
    (fakes.state / "kubeconfig-after-create").write_text(yaml.safe_dump(user_config()))
    backend = KindBackend(state_dir=fakes.root / "st", runner=fakes.runner())
    assert not backend.is_running()
    backend.ensure_running()
    creates = [c for c in fakes.calls() if c[:3] == ["kind", "create", "cluster"]]
    assert len(creates) == 1
    assert Path(creates[0][6]).resolve() == kind.default_config_path()
    assert creates[0][:6] + creates[0][7:] == ["kind", "create", "cluster", "--name", "svclab", "--config", "--wait", "120s"]
    selected = yaml.safe_load(backend.kubeconfig().read_text())
    assert selected["current-context"] == "kind-svclab" and selected["clusters"][0]["cluster"]["server"] == SERVER


def test_kind_backend_only_refreshes_its_copy_when_running(fakes: FakeTools) -> None:
    fakes.kubeconfig.write_text(yaml.safe_dump(user_config()))
    (fakes.state / "apiserver-up").touch()
    backend = KindBackend(state_dir=fakes.root / "st", runner=fakes.runner())
    assert backend.is_running()
    backend.ensure_running()
    assert not [c for c in fakes.calls() if c[0] == "kind"], "a running cluster is not touched"
    assert yaml.safe_load(backend.kubeconfig().read_text())["contexts"][0]["name"] == "kind-svclab"


def test_kind_backend_with_another_name(tmp_path: Path) -> None:
    backend = KindBackend("demo", state_dir=tmp_path)
    assert (backend.name, backend.cluster_name, backend.context()) == ("kind", "demo", "kind-demo")
    assert backend.kubeconfig() == tmp_path / "kind-demo.kubeconfig"
