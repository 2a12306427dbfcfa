"""The exact command lines `svclab kind up|down` runs, and the image list helpers."""

from __future__ import annotations

from pathlib import Path

import pytest

from svclab.cluster import kind

IMAGES = ["registry.k8s.io/e2e-test-images/agnhost:2.52", "busybox:1.36.1", "kindest/node:v1.35.0"]


def test_plan_up_is_create_then_one_load_per_image_then_wait() -> None:
    assert kind.plan_up("kind/cluster.yaml", IMAGES, "svclab") == [
        ["kind", "create", "cluster", "--name", "svclab", "--config", "kind/cluster.yaml", "--wait", "120s"],
        ["kind", "load", "docker-image", "registry.k8s.io/e2e-test-images/agnhost:2.52", "--name", "svclab"],
        ["kind", "load", "docker-image", "busybox:1.36.1", "--name", "svclab"],
        ["kubectl", "--context", "kind-svclab", "wait", "--for=condition=Ready", "nodes", "--all", "--timeout=120s"],
    ]


def test_plan_follows_the_cluster_name_and_config_path() -> None:
    plan = kind.plan_up(Path("/tmp/other.yaml"), ["busybox:1.36.1"], "demo")
    assert plan[0][plan[0].index("--name") + 1] == "demo"
    assert plan[0][plan[0].index("--config") + 1] == "/tmp/other.yaml"
    assert plan[1] == ["kind", "load", "docker-image", "busybox:1.36.1", "--name", "demo"]
    assert plan[-1][:3] == ["kubectl", "--context", "kind-demo"]


def test_plan_down() -> None:
    assert kind.plan_down("svclab") == [["kind", "delete", "cluster", "--name", "svclab"]]


@pytest.mark.parametrize(
    ("image", "repository", "node"),
    [
        ("kindest/node:v1.35.0", "kindest/node", True),
        ("docker.io/kindest/node:v1.35.0@sha256:" + "a" * 64, "docker.io/kindest/node", True),
        ("busybox:1.36.1", "busybox", False),
        ("registry.k8s.io/e2e-test-images/agnhost:2.52", "registry.k8s.io/e2e-test-images/agnhost", False),
        ("localhost:5000/kindest/node-copy:v1", "localhost:5000/kindest/node-copy", False),
        ("localhost:5000/web", "localhost:5000/web", False),
    ],
)
def test_image_repository_and_node_image(image: str, repository: str, node: bool) -> None:
    assert kind.image_repository(image) == repository
    assert kind.is_node_image(image) is node


def test_read_images_skips_comments_and_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "images.txt"
    path.write_text("# header\n\nbusybox:1.36.1  # DNS client\n  registry.k8s.io/e2e-test-images/agnhost:2.52\n")
    assert kind.read_images(path) == ["busybox:1.36.1", "registry.k8s.io/e2e-test-images/agnhost:2.52"]


def test_config_node_images_defaults_like_kind(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: control-plane\n  image: kindest/node:v9\n- role: worker\n")
    assert kind.config_node_images(path) == ["kindest/node:v9", "kindest/node:v1.35.0"]
    path.write_text("kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\n")
    assert kind.config_node_images(path) == ["kindest/node:v1.35.0"]


def test_default_files_are_the_repository_kind_directory() -> None:
    repo = Path(__file__).resolve().parents[2]
    assert kind.default_config_path() == repo / "kind" / "cluster.yaml"
    assert kind.default_images_path() == repo / "kind" / "images.txt"
