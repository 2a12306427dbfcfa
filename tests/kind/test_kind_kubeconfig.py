"""Finding kind's `kind-<name>` context, checking it, and selecting it without touching the user's file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
import yaml

from kind_fakes import SERVER, kind_entries, user_config, write
from svclab.cluster import kind

# --- which files -----------------------------------------------------------------------------------


def test_paths_default_to_home_kube_config(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path)}
    assert kind.kubeconfig_paths(env) == [tmp_path / ".kube" / "config"]
    assert kind.kind_kubeconfig_path(env) == tmp_path / ".kube" / "config"


def test_kubeconfig_list_drops_empties_and_duplicates(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    env = {"HOME": str(tmp_path), "KUBECONFIG": os.pathsep.join(["", str(a), str(b), str(a), ""])}
    assert kind.kubeconfig_paths(env) == [a, b]


def test_kind_merges_into_first_existing_file_else_the_last(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    env = {"KUBECONFIG": os.pathsep.join(map(str, (a, b, c)))}
    assert kind.kind_kubeconfig_path(env) == c
    b.write_text("{}\n")
    assert kind.kind_kubeconfig_path(env) == b
    assert kind.kind_kubeconfig_path({"KUBECONFIG": str(a)}) == a  # a single path, existing or not


# --- finding and checking the context -----------------------------------------------------------------


def test_find_context_in_home_config(tmp_path: Path) -> None:
    path = write(tmp_path / ".kube" / "config", user_config())
    found = kind.find_context("svclab", {"HOME": str(tmp_path)})
    assert found == kind.KindContext("kind-svclab", SERVER, path)


def test_find_context_in_a_later_kubeconfig_file(tmp_path: Path) -> None:
    first = write(tmp_path / "first", user_config(with_kind=False))
    second = write(tmp_path / "second", {"apiVersion": "v1", "kind": "Config", **kind_entries(server="https://127.0.0.1:5555")})
    found = kind.find_context("svclab", {"KUBECONFIG": f"{first}{os.pathsep}{tmp_path / 'missing'}{os.pathsep}{second}"})
    assert (found.path, found.server) == (second, "https://127.0.0.1:5555")


def test_missing_context_names_the_files_and_the_fix(tmp_path: Path) -> None:
    write(tmp_path / ".kube" / "config", user_config(with_kind=False))
    with pytest.raises(kind.KindError) as err:
        kind.find_context("svclab", {"HOME": str(tmp_path)})
    message = str(err.value)
    assert "kind-svclab" in message and str(tmp_path / ".kube" / "config") in message and "svclab kind up" in message
    assert "\n" not in message


def test_no_kubeconfig_at_all(tmp_path: Path) -> None:
    with pytest.raises(kind.KindError, match="no context kind-svclab"):
        kind.find_context("svclab", {"HOME": str(tmp_path)})


def test_context_without_a_server_is_refused(tmp_path: Path) -> None:
    write(tmp_path / ".kube" / "config", user_config(server=None))
    with pytest.raises(kind.KindError, match="names no cluster server"):
        kind.find_context("svclab", {"HOME": str(tmp_path)})


def test_other_cluster_names_are_other_contexts(tmp_path: Path) -> None:
    write(tmp_path / ".kube" / "config", user_config(name="demo"))
    env = {"HOME": str(tmp_path)}
    assert kind.find_context("demo", env).name == "kind-demo"
    with pytest.raises(kind.KindError):
        kind.find_context("svclab", env)


def test_unreadable_yaml_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / ".kube" / "config"
    path.parent.mkdir(parents=True)
    path.write_text("clusters: [\n")
    with pytest.raises(kind.KindError, match="cannot read kubeconfig"):
        kind.find_context("svclab", {"HOME": str(tmp_path)})


# --- selecting it ------------------------------------------------------------------------------------------


def test_select_context_copies_only_kinds_context_and_leaves_the_user_file_alone(tmp_path: Path) -> None:
    user_file = write(tmp_path / ".kube" / "config", user_config(current="work"))
    before = user_file.read_bytes()
    dest = tmp_path / "state" / "kind-svclab.kubeconfig"
    found = kind.select_context("svclab", dest, {"HOME": str(tmp_path)})
    assert found.server == SERVER
    assert user_file.read_bytes() == before, "the user's kubeconfig must not change"
    selected = yaml.safe_load(dest.read_text())
    assert selected["current-context"] == "kind-svclab"
    assert [c["name"] for c in selected["contexts"]] == ["kind-svclab"]
    assert [c["name"] for c in selected["clusters"]] == ["kind-svclab"]
    assert [u["name"] for u in selected["users"]] == ["kind-svclab"]
    assert selected["clusters"][0]["cluster"]["server"] == SERVER
    assert selected["users"][0]["user"]["client-key-data"] == "S0VZ"
    assert "secret-work-token" not in dest.read_text()
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600


def test_select_context_default_destination_is_the_state_dir(tmp_path: Path) -> None:
    write(tmp_path / ".kube" / "config", user_config())
    env = {"HOME": str(tmp_path), "SVCLAB_STATE_DIR": str(tmp_path / "st")}
    kind.select_context("svclab", env=env)
    assert kind.svclab_kubeconfig_path("svclab", env) == tmp_path / "st" / "kind-svclab.kubeconfig"
    assert yaml.safe_load((tmp_path / "st" / "kind-svclab.kubeconfig").read_text())["current-context"] == "kind-svclab"


def test_select_context_refreshes_a_stale_copy(tmp_path: Path) -> None:
    dest = tmp_path / "copy"
    write(tmp_path / ".kube" / "config", user_config(server="https://127.0.0.1:1111"))
    kind.select_context("svclab", dest, {"HOME": str(tmp_path)})
    write(tmp_path / ".kube" / "config", user_config(server="https://127.0.0.1:2222"))  # the cluster was recreated
    kind.select_context("svclab", dest, {"HOME": str(tmp_path)})
    assert yaml.safe_load(dest.read_text())["clusters"][0]["cluster"]["server"] == "https://127.0.0.1:2222"


def test_select_context_with_a_dangling_user(tmp_path: Path) -> None:
    config = user_config()
    config["users"] = [u for u in config["users"] if u["name"] != "kind-svclab"]
    write(tmp_path / ".kube" / "config", config)
    with pytest.raises(kind.KindError, match="cluster or user that is not there"):
        kind.select_context("svclab", tmp_path / "copy", {"HOME": str(tmp_path)})
    assert not (tmp_path / "copy").exists()


def test_the_selected_copy_works_with_the_real_kubectl(tmp_path: Path) -> None:
    """kubectl itself reads the copy: one context, current, pointing at kind's server."""
    import subprocess
    import sys

    kubectl = Path(sys.executable).parent / "kubectl"
    if not kubectl.exists():
        pytest.skip("no .venv/bin/kubectl next to this Python")
    write(tmp_path / ".kube" / "config", user_config())
    dest = tmp_path / "copy"
    kind.select_context("svclab", dest, {"HOME": str(tmp_path)})
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "KUBECONFIG": str(dest)}
    out = subprocess.run([str(kubectl), "config", "get-contexts", "-o", "name"], env=env, capture_output=True, text=True, check=True).stdout
    assert out.split() == ["kind-svclab"]
    current = subprocess.run([str(kubectl), "config", "view", "--minify", "-o", "jsonpath={.clusters[0].cluster.server}"], env=env, capture_output=True, text=True, check=True)
    assert current.stdout == SERVER
